//! The index reader and splice against indexes the real `git` wrote, in every format
//! git writes: versions 2 and 3 are read entry for entry as `git ls-files -s` lists
//! them and written back so that git reads the same; version 4, a split index and a
//! sparse index are left to libgit2.

use crate::support::TestRepo;
use git_workflow::repo::index_round_trip;

/// A repository whose index holds plain, executable, conflicted-free, CJK-named and
/// deep files, plus an intent-to-add entry (the extended-flags case of version 3).
fn indexed() -> TestRepo {
    let repo = TestRepo::with_commit();
    for (path, text) in [
        ("a.txt", "a\n"),
        (".workflow/active/WFS-x/workflow-session.json", "{}\n"),
        ("src/深い/ファイル.rs", "fn main() {}\n"),
        ("z/y/x/w/v/u.txt", "deep\n"),
    ] {
        repo.write(path, text);
    }
    repo.git(&["add", "-A"]);
    repo.git(&["update-index", "--chmod=+x", "a.txt"]);
    repo.write("later.txt", "intent\n");
    repo.git(&["add", "-N", "later.txt"]);
    repo
}

/// `git ls-files -s` as (path, stage, mode, id).
fn listed(repo: &TestRepo) -> Vec<(Vec<u8>, u16, u32, String)> {
    repo.git(&["-c", "core.quotePath=false", "ls-files", "-s"])
        .lines()
        .map(|line| {
            let (meta, path) = line.split_once('\t').unwrap();
            let mut parts = meta.split(' ');
            let mode = u32::from_str_radix(parts.next().unwrap(), 8).unwrap();
            let id = parts.next().unwrap().to_string();
            let stage = parts.next().unwrap().parse().unwrap();
            (path.as_bytes().to_vec(), stage, mode, id)
        })
        .collect()
}

fn index_bytes(repo: &TestRepo) -> Vec<u8> {
    std::fs::read(repo.path().join(".git/index")).unwrap()
}

#[test]
fn versions_2_and_3_read_as_git_lists_them_and_write_back_as_git_reads_them() {
    for (version, extras) in [
        ("2", &[][..]),
        ("3", &[][..]),
        ("2", &["--untracked-cache"][..]),
        ("3", &["--untracked-cache"][..]),
    ] {
        let repo = indexed();
        if version == "2" {
            repo.git(&["rm", "-q", "--cached", "later.txt"]);
        }
        repo.git(&["update-index", "--index-version", version]);
        for extra in extras {
            repo.git(&["-c", "core.untrackedCache=true", "update-index", extra]);
            repo.git(&["-c", "core.untrackedCache=true", "status", "--porcelain"]);
        }
        let expected = listed(&repo);
        let (entries, written) = index_round_trip(index_bytes(&repo))
            .unwrap_or_else(|| panic!("version {version} {extras:?} is spliced"));
        assert_eq!(entries, expected, "version {version} {extras:?}");
        std::fs::write(repo.path().join(".git/index"), &written).unwrap();
        assert_eq!(listed(&repo), expected, "git reads the written index alike");
        repo.git(&["fsck", "--no-progress", "--cache"]);
    }
}

#[test]
fn version_4_split_and_sparse_indexes_are_left_to_libgit2() {
    let repo = indexed();
    repo.git(&["update-index", "--index-version", "4"]);
    assert!(index_round_trip(index_bytes(&repo)).is_none(), "version 4");

    let repo = indexed();
    repo.git(&["update-index", "--split-index"]);
    assert!(
        index_round_trip(index_bytes(&repo)).is_none(),
        "split index"
    );

    let repo = indexed();
    repo.git(&["commit", "-q", "-m", "more"]);
    repo.git(&["sparse-checkout", "set", "--cone", "src"]);
    repo.git(&["sparse-checkout", "reapply", "--sparse-index"]);
    let sparse = index_bytes(&repo);
    assert!(
        sparse.windows(4).any(|w| w == b"sdir"),
        "git wrote a sparse index"
    );
    assert!(index_round_trip(sparse).is_none(), "sparse index");
}

#[test]
fn bytes_that_are_no_index_are_refused_without_a_panic() {
    let mut real = index_bytes(&indexed());
    assert!(index_round_trip(Vec::new()).is_none());
    assert!(index_round_trip(b"DIRC".to_vec()).is_none());
    let half = real.len() / 2;
    assert!(index_round_trip(real[..half].to_vec()).is_none());
    real[20] ^= 0xff;
    let _ = index_round_trip(real);
    let mut huge = b"DIRC\0\0\0\x02\x44\x52\xe0\xe0".to_vec();
    huge.extend([0u8; 64]);
    assert!(
        index_round_trip(huge).is_none(),
        "a count the file cannot hold (found by the fuzz target: it allocated for 1.1 billion entries)"
    );
}
