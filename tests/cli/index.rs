//! The index reader and splice against indexes the real `git` wrote, in every format
//! git writes: versions 2 and 3 are read entry for entry as `git ls-files -s` lists
//! them and written back so that git reads the same; version 4, a split index and a
//! sparse index are left to libgit2.

use crate::support::TestRepo;
use git_workflow::repo::{index_round_trip, index_view_rows};

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

/// The settings under which git writes the extensions the hook's reader uses to
/// skip work: none, `EOIE` alone, and `EOIE` with `IEOT` (git writes the offset
/// table when `index.threads` asks for more than one thread).
const EXTENSION_SETTINGS: [(&str, &[&str]); 3] = [
    ("neither", &[]),
    ("EOIE", &["-c", "index.recordEndOfIndexEntries=true"]),
    (
        "EOIE and IEOT",
        &[
            "-c",
            "index.recordEndOfIndexEntries=true",
            "-c",
            "index.recordOffsetTable=true",
            "-c",
            "index.threads=4",
        ],
    ),
];

/// A committed repository with files sorting before, inside and after
/// `.workflow/`, so that offset-table blocks start on every side of it.
fn around_workflow() -> TestRepo {
    let repo = indexed();
    for i in 0..40 {
        repo.write(&format!(".github/w{i:02}.yml"), "on: push\n");
        repo.write(
            &format!(".workflow/active/WFS-{i:02}/IMPL_PLAN.md"),
            "# 計画\n",
        );
        repo.write(&format!("src/m{i:02}.rs"), "// m\n");
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "around"]);
    repo
}

fn rewrite_index(repo: &TestRepo, settings: &[&str], version: &str) {
    let mut args = settings.to_vec();
    args.extend(["update-index", "--index-version", version]);
    repo.git(&args);
    let mut args = settings.to_vec();
    args.extend(["update-index", "--force-write-index"]);
    repo.git(&args);
}

#[test]
fn the_hooks_reader_reads_versions_2_to_4_with_and_without_eoie_and_ieot_as_git_lists_them() {
    for version in ["2", "3", "4"] {
        for (name, settings) in EXTENSION_SETTINGS {
            let repo = around_workflow();
            rewrite_index(&repo, settings, version);
            let bytes = index_bytes(&repo);
            let has = |sig: &[u8]| bytes.windows(4).any(|w| w == sig);
            assert_eq!(has(b"EOIE"), !settings.is_empty(), "{name}: git wrote EOIE");
            assert_eq!(has(b"IEOT"), settings.len() > 2, "{name}: git wrote IEOT");
            let label = format!("version {version}, {name}");
            let all = listed(&repo);
            let (entries, root) = index_view_rows(bytes.clone(), "").expect(&label);
            assert_eq!(entries, all, "{label}: every entry");
            assert_eq!(
                root.map(|n| n.1),
                Some(Some(repo.rev("HEAD^{tree}"))),
                "{label}"
            );
            let (entries, node) = index_view_rows(bytes, ".workflow").expect(&label);
            let under: Vec<_> = all
                .into_iter()
                .filter(|e| e.0.starts_with(b".workflow/"))
                .collect();
            assert_eq!(entries, under, "{label}: the entries under .workflow/");
            let count = i64::try_from(under.len()).unwrap();
            assert_eq!(
                node,
                Some((count, Some(repo.rev("HEAD:.workflow")))),
                "{label}"
            );

            repo.write(".workflow/active/WFS-07/IMPL_PLAN.md", "# changed\n");
            let mut args = settings.to_vec();
            args.extend(["add", ".workflow"]);
            repo.git(&args);
            let (_, node) = index_view_rows(index_bytes(&repo), ".workflow").expect(&label);
            assert_eq!(
                node.map(|n| n.1),
                Some(None),
                "{label}: git add invalidated it"
            );
        }
    }
}

#[test]
fn a_stale_or_forged_end_of_entries_is_not_trusted() {
    let repo = around_workflow();
    rewrite_index(&repo, EXTENSION_SETTINGS[1].1, "2");
    let mut bytes = index_bytes(&repo);
    let expected = Some(index_view_rows(bytes.clone(), ".workflow").unwrap());
    let hash_at = bytes.len() - 20 - 20;
    bytes[hash_at] ^= 0xff;
    assert_eq!(
        index_view_rows(bytes.clone(), ".workflow"),
        expected,
        "with the EOIE hash wrong the entries are hopped over instead"
    );
    let offset_at = bytes.len() - 20 - 24;
    bytes[offset_at + 3] ^= 0x08;
    assert_eq!(
        index_view_rows(bytes, ".workflow"),
        expected,
        "an offset the extension headers do not follow is not trusted"
    );
}

#[test]
fn an_offset_table_that_disagrees_with_the_entries_changes_nothing() {
    for version in ["2", "4"] {
        let repo = around_workflow();
        rewrite_index(&repo, EXTENSION_SETTINGS[2].1, version);
        let mut bytes = index_bytes(&repo);
        let expected = index_view_rows(bytes.clone(), ".workflow");
        assert!(expected.is_some(), "version {version}");
        let blocks = bytes.windows(4).position(|w| w == b"IEOT").unwrap() + 12;
        let word =
            |bytes: &[u8], at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let count = |i: usize| blocks + 8 * i + 4;
        let n = (word(&bytes, blocks - 8) as usize - 4) / 8;
        assert!(n >= 3, "version {version}: git wrote {n} blocks");
        // The same total, but the first block claims all but one entry per later
        // block: a reader that followed it would end the block holding
        // `.workflow/` early (this one did, until the fuzz target found it).
        let total: u32 = (0..n).map(|i| word(&bytes, count(i))).sum();
        bytes[count(0)..count(0) + 4].copy_from_slice(&(total - (n as u32 - 1)).to_be_bytes());
        for i in 1..n {
            bytes[count(i)..count(i) + 4].copy_from_slice(&1u32.to_be_bytes());
        }
        assert_eq!(
            index_view_rows(bytes.clone(), ".workflow"),
            expected,
            "version {version}: counts that do not match the blocks"
        );
        let offset = blocks + 8;
        let shifted = word(&bytes, offset) + 8;
        bytes[offset..offset + 4].copy_from_slice(&shifted.to_be_bytes());
        assert_eq!(
            index_view_rows(bytes, ".workflow"),
            expected,
            "version {version}: a block that starts inside an entry"
        );
    }
}

#[test]
fn the_hooks_reader_leaves_split_and_sparse_indexes_and_garbage_to_git() {
    let repo = around_workflow();
    repo.git(&["update-index", "--split-index"]);
    assert!(
        index_view_rows(index_bytes(&repo), ".workflow").is_none(),
        "split"
    );

    let repo = around_workflow();
    repo.git(&["sparse-checkout", "set", "--cone", "src"]);
    repo.git(&["sparse-checkout", "reapply", "--sparse-index"]);
    assert!(
        index_view_rows(index_bytes(&repo), ".workflow").is_none(),
        "sparse"
    );

    let real = index_bytes(&around_workflow());
    for cut in [0, 4, 12, 100, real.len() / 2, real.len() - 21] {
        assert!(
            index_view_rows(real[..cut].to_vec(), "").is_none(),
            "cut at {cut}"
        );
    }
}

#[test]
fn the_hook_refuses_an_old_layout_in_a_version_4_index_with_an_offset_table() {
    let repo = around_workflow();
    rewrite_index(&repo, EXTENSION_SETTINGS[2].1, "4");
    let mut add = EXTENSION_SETTINGS[2].1.to_vec();
    add.extend(["add", "src"]);
    repo.write("src/m05.rs", "// outside\n");
    repo.git(&add);
    repo.wf(&["check", "--staged"]).expect(0);
    repo.write(".workflow/WFS-stale/workflow-session.json", "{}");
    let mut add = EXTENSION_SETTINGS[2].1.to_vec();
    add.extend(["add", ".workflow"]);
    repo.git(&add);
    assert!(index_bytes(&repo).windows(4).any(|w| w == b"IEOT"));
    let run = repo.wf(&["check", "--staged"]).expect(1);
    assert!(
        run.said()
            .contains(".workflow/WFS-stale/workflow-session.json"),
        "{}",
        run.said()
    );
}
