//! Several runs at once on one repository: exactly one commits, the others are told
//! the repository is busy (or find nothing left to do), and nothing is lost.

use crate::support::{TestRepo, hermetic};
use std::process::Output;

/// Starts `n` copies of the command at once and waits for all of them.
fn race(repo: &TestRepo, n: usize, args: &'static [&'static str]) -> Vec<Output> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let path = repo.path();
            let home = repo.home();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut cmd = hermetic(env!("CARGO_BIN_EXE_git-workflow"), &home);
                cmd.current_dir(&path).args(args);
                barrier.wait();
                cmd.output().unwrap()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn two_to_eight_migrations_at_once_make_exactly_one_commit_200_rounds() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let base = repo.rev("HEAD");
    let mut busy = 0;
    for round in 0..200 {
        let n = 2 + round % 7;
        let outputs = race(&repo, n, &["migrate"]);
        for out in &outputs {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            match out.status.code() {
                Some(0) => assert!(
                    stdout.contains("[main ") || stdout.contains("nothing to migrate"),
                    "round {round}: {stdout}"
                ),
                Some(1) => {
                    assert!(
                        stderr.contains("repository busy"),
                        "round {round}: {stderr}"
                    );
                    busy += 1;
                }
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        assert_eq!(
            repo.rev("HEAD~1"),
            base,
            "round {round}: exactly one commit"
        );
        assert_eq!(repo.status(), "", "round {round}");
        assert!(
            !repo.path().join(".git/git-workflow.lock").exists(),
            "round {round}: the lock file is gone"
        );
        repo.git(&["reset", "-q", "--hard", &base]);
    }
    assert!(
        busy > 0,
        "no run was ever refused as busy: the race never happened"
    );
}

#[test]
fn a_lock_left_by_a_killed_run_does_not_block_the_next() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf_with(&["migrate"], &[("GIT_WORKFLOW_FAULT", "objects:kill")]);
    assert_eq!(run.code, None);
    assert!(
        repo.path().join(".git/git-workflow.lock").exists(),
        "the killed run left its lock file"
    );
    repo.wf(&["migrate"]).expect(0);
}

#[test]
fn completions_of_one_session_at_once_archive_it_exactly_once() {
    for round in 0..50 {
        let repo = TestRepo::with_commit();
        repo.wf(&["session", "start", "Race"]).expect(0);
        repo.commit_all("session");
        let base = repo.rev("HEAD");
        let outputs = race(&repo, 2 + round % 7, &["session", "complete", "WFS-race"]);
        let committed = outputs
            .iter()
            .filter(|o| o.status.code() == Some(0))
            .count();
        assert_eq!(committed, 1, "round {round}: exactly one completion wins");
        for out in outputs.iter().filter(|o| o.status.code() != Some(0)) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("repository busy") || stderr.contains("already archived"),
                "round {round}: {stderr}"
            );
        }
        assert_eq!(repo.rev("HEAD~1"), base, "round {round}: one commit");
        assert_eq!(repo.status(), "", "round {round}");
    }
}

/// SPEC §5.1: with `git repack -ad` running beside it (as IDEs and `git
/// maintenance` start it), an operation never moves the branch to objects the
/// repack deleted; git's own commits survive the same loop.
#[test]
fn migrate_and_rollback_survive_a_repack_loop_beside_them() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let repacker = {
        let (path, home, stop) = (repo.path(), repo.home(), stop.clone());
        std::thread::spawn(move || {
            let mut repacks = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut git = hermetic("git", &home);
                git.current_dir(&path).args(["repack", "-a", "-d", "-q"]);
                git.output().unwrap();
                repacks += 1;
            }
            repacks
        })
    };
    for round in 0..40 {
        for args in [&["migrate", "-q"][..], &["rollback", "-q"][..]] {
            let run = repo.wf(args);
            assert_eq!(run.code, Some(0), "round {round} {args:?}: {}", run.stderr);
            // fsck itself races with a repack (it reads packs the repack then
            // deletes); git's object lookup rescans the packs, so ask it that way.
            for object in ["HEAD", "HEAD^{tree}"] {
                let found = repo.git_run(&["cat-file", "-e", object]);
                assert_eq!(
                    found.code,
                    Some(0),
                    "round {round} {args:?}: {object} is gone"
                );
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(repacker.join().unwrap() > 0, "the repack loop ran");
    repo.git(&["fsck", "--full", "--no-progress"]);
    assert_eq!(repo.status(), "");
    let left: Vec<String> = std::fs::read_dir(repo.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".keep") || n.starts_with("tmp_git-workflow"))
        .collect();
    assert!(left.is_empty(), "every .keep released: {left:?}");
    assert_eq!(
        repo.git(&["rev-list", "--count", "HEAD"]).trim(),
        "82",
        "every operation is in the history"
    );
}

/// A background `git commit -a` loop and `git repack -ad` beside migrate and
/// rollback: each of our runs either lands or is refused with nothing changed
/// (index or branch busy, the branch moved, or a background commit changed what a rollback
/// would undo), none fails half-way, every commit either side reported made is in
/// the history, and git finds nothing broken.
///
/// `git commit -a` reads the index before it takes `index.lock` (git's own
/// design). An operation publishes its new index the moment its branch moves and
/// keeps the lock until the work tree has caught up, so no background commit may
/// change anything but README.md; a rollback may still find its paths changed by
/// one that landed first, and refuse with nothing changed. See RELIABILITY.md.
#[test]
fn operations_and_a_commit_loop_and_a_repack_loop_lose_nothing() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background = |args: &'static [&'static str], edit: bool| {
        let (path, home, stop) = (repo.path(), repo.home(), stop.clone());
        std::thread::spawn(move || {
            let mut made = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                if edit {
                    std::fs::write(path.join("README.md"), format!("edit {n}\n")).unwrap();
                }
                let mut git = hermetic("git", &home);
                git.current_dir(&path).args(args);
                if edit {
                    git.arg(format!("background {n}"));
                }
                if git.output().unwrap().status.success() && edit {
                    made.push(format!("background {n}"));
                }
            }
            made
        })
    };
    let committer = background(&["commit", "-q", "-a", "-m"], true);
    let repacker = background(&["repack", "-a", "-d", "-q"], false);
    let mut landed = Vec::new();
    for round in 0..20 {
        let mut migrated = false;
        for args in [&["migrate", "-q"][..], &["rollback", "-q"][..]] {
            for attempt in 0.. {
                let run = repo.wf(args);
                match run.code {
                    Some(0) => {
                        landed.push(repo.git(&["log", "-1", "--format=%H"]));
                        migrated = args[0] == "migrate";
                        break;
                    }
                    Some(1)
                        if run.stderr.contains("changed after it")
                            || run.stderr.contains("would be overwritten") =>
                    {
                        break;
                    }
                    Some(1) if !migrated && run.stderr.contains("nothing to roll back") => break,
                    Some(1) if attempt < 50 => assert!(
                        run.stderr.contains("index.lock exists")
                            || run.stderr.contains("another git process is updating")
                            || run.stderr.contains("moved while this operation"),
                        "round {round} {args:?}: {}",
                        run.stderr
                    ),
                    _ => panic!("round {round} {args:?}: {}", run.stderr),
                }
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = committer.join().unwrap();
    repacker.join().unwrap();
    repo.git(&["fsck", "--full", "--no-progress"]);
    let history = repo.git(&["log", "--format=%H %s"]);
    for id in &landed {
        assert!(
            history.contains(id.trim()),
            "our commit {id} is in the history"
        );
    }
    for subject in &made {
        assert!(history.contains(subject), "{subject} is in the history");
    }
    assert!(!made.is_empty(), "the commit loop committed");
    for line in repo.git(&["log", "--format=%H %s"]).lines() {
        let (id, subject) = line.split_once(' ').unwrap();
        if subject.starts_with("background ") {
            let touched = repo.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", id]);
            assert_eq!(
                touched.trim(),
                "README.md",
                "{subject} committed a stale index beside an operation"
            );
        }
    }
    assert!(!repo.path().join(".git/index.lock").exists());
}
