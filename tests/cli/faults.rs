//! An operation interrupted at any step (killed, aborted, or failing with a full disk
//! or a denied write) leaves the repository at exactly the old or the new commit, with
//! a clean `git fsck`, and the next command finishes or undoes what was left.

use crate::support::TestRepo;
use git_workflow::fault::POINTS;

const MODES: &[&str] = &["abort", "kill", "error", "full", "denied"];

/// An operation to interrupt: how to build its repository, and its command line.
struct Case {
    setup: fn() -> TestRepo,
    args: &'static [&'static str],
}

fn flat() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo
}

fn migrated() -> TestRepo {
    let repo = flat();
    repo.wf(&["migrate"]).expect(0);
    repo
}

fn ccw_session() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.wf(&["session", "start", "Login page"]).expect(0);
    repo.write(
        ".workflow/active/WFS-login-page/IMPL_PLAN.md",
        "# Login page\n\nA login page.\n",
    );
    repo.write(
        ".workflow/active/WFS-login-page/.task/IMPL-1.json",
        "{\"id\": \"IMPL-1\", \"status\": \"completed\"}\n",
    );
    repo.commit_all("session");
    repo.write(
        ".workflow/active/WFS-login-page/.summaries/IMPL-1-summary.md",
        "never committed\n",
    );
    repo
}

/// Runs the case uninterrupted once for the tree it should end at, then interrupts it
/// at every point in every mode.
fn interrupt_everywhere(case: Case) {
    let reference = (case.setup)();
    let old = reference.rev("HEAD^{tree}");
    reference.wf(case.args).expect(0);
    let new = reference.rev("HEAD^{tree}");
    assert_ne!(old, new);
    let mut failures = Vec::new();
    for point in POINTS {
        for mode in MODES {
            let repo = (case.setup)();
            let run = repo.wf_with(
                case.args,
                &[("GIT_WORKFLOW_FAULT", &format!("{point}:{mode}"))],
            );
            if let Some(problem) = check_after(&repo, &old, &new, run.code) {
                failures.push(format!("{point}:{mode}: {problem}\n{}", run.stderr));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} interruption(s) misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What must hold after an interrupted run, and after the next command.
fn check_after(repo: &TestRepo, old: &str, new: &str, code: Option<i32>) -> Option<String> {
    if code == Some(0) {
        return Some("an interrupted run reported success".into());
    }
    let tree = repo.rev("HEAD^{tree}");
    if tree != old && tree != new {
        return Some(format!("HEAD is neither the old nor the new tree ({tree})"));
    }
    let fsck = repo.git_run(&["fsck", "--no-dangling"]);
    if fsck.code != Some(0) {
        return Some(format!("git fsck: {}", fsck.stderr));
    }
    let status = repo.wf(&["status"]);
    if status.code != Some(0) {
        return Some(format!("the next status failed: {}", status.stderr));
    }
    let left = repo.status();
    if tree == new && !left.is_empty() {
        return Some(format!(
            "after the next command the work tree still differs: {left}"
        ));
    }
    None
}

fn ccw_old_layout() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/.active-WFS-a", "");
    repo.write(
        ".workflow/WFS-a/workflow-session.json",
        "{\"session_id\": \"WFS-a\"}\n",
    );
    repo.write(
        ".workflow/WFS-a/.task/IMPL-1.json",
        "{\"id\": \"IMPL-1\"}\n",
    );
    repo.write(".workflow/.archives/manifest.json", "[]\n");
    repo.commit_all("ccw");
    repo
}

fn v01_graph() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(
        "graphs/g.yaml",
        "name: g\ntmux_session: s\ntasks:\n  - id: a\n    model: m\n",
    );
    repo.commit_all("graph");
    repo
}

#[test]
fn every_migration_interrupted_at_every_step() {
    interrupt_everywhere(Case {
        setup: ccw_old_layout,
        args: &["migrate"],
    });
    interrupt_everywhere(Case {
        setup: v01_graph,
        args: &["graph", "migrate", "graphs/g.yaml"],
    });
}

#[test]
fn migrate_interrupted_at_every_step() {
    interrupt_everywhere(Case {
        setup: flat,
        args: &["migrate"],
    });
}

#[test]
fn rollback_interrupted_at_every_step() {
    interrupt_everywhere(Case {
        setup: migrated,
        args: &["rollback"],
    });
}

#[test]
fn session_complete_interrupted_at_every_step() {
    interrupt_everywhere(Case {
        setup: ccw_session,
        args: &["session", "complete", "WFS-login-page"],
    });
}

#[test]
fn an_operation_left_at_the_old_commit_runs_again_cleanly() {
    for mode in MODES {
        let repo = flat();
        let before = repo.rev("HEAD");
        let run = repo.wf_with(
            &["migrate"],
            &[("GIT_WORKFLOW_FAULT", &format!("before-ref:{mode}"))],
        );
        assert_ne!(run.code, Some(0));
        assert_eq!(repo.rev("HEAD"), before, "{mode}");
        assert_eq!(
            repo.status(),
            "",
            "{mode}: nothing changed in the work tree"
        );
        repo.wf(&["migrate"]).expect(0);
        assert_eq!(repo.rev("HEAD~1"), before);
        assert_eq!(repo.status(), "");
    }
}

/// The `.keep` files in the object store (a pack git must not repack yet).
fn keeps(repo: &TestRepo) -> Vec<String> {
    std::fs::read_dir(repo.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".keep"))
        .collect()
}

#[test]
fn a_pack_kept_by_a_killed_run_is_released_by_the_next_one() {
    for point in ["objects", "before-ref", "after-ref"] {
        let repo = flat();
        let run = repo.wf_with(
            &["migrate"],
            &[("GIT_WORKFLOW_FAULT", &format!("{point}:kill"))],
        );
        assert_ne!(run.code, Some(0));
        if point == "after-ref" {
            assert!(keeps(&repo).is_empty(), "released once the branch moved");
        } else {
            assert_eq!(keeps(&repo).len(), 1, "{point}: the pack is kept");
        }
        repo.wf(&["migrate"]).expect(0);
        assert!(keeps(&repo).is_empty(), "{point}: {:?}", keeps(&repo));
        repo.git(&["repack", "-a", "-d", "-q"]);
        repo.git(&["fsck", "--full", "--no-progress"]);
        assert_eq!(repo.status(), "");
    }
}

#[test]
fn a_full_disk_after_the_commit_keeps_the_journal_and_says_how_to_finish() {
    let repo = flat();
    let run = repo.wf_with(&["migrate"], &[("GIT_WORKFLOW_FAULT", "written:full")]);
    assert_eq!(run.code, Some(3));
    assert!(
        run.stderr
            .contains("the commit was made but the work tree could not be updated"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no space left on device"),
        "{}",
        run.stderr
    );
    assert!(
        repo.path().join(".git/git-workflow.journal").exists(),
        "the journal is kept"
    );
    let next = repo.wf(&["migrate"]).expect(0);
    assert!(next.stderr.contains("finished an interrupted operation"));
    assert_eq!(repo.status(), "");
}

/// `migrate` started in the background, to wait at fault point `point` until the
/// returned file exists.
fn paused_migrate(
    repo: &TestRepo,
    point: &str,
) -> (
    std::thread::JoinHandle<std::process::Output>,
    std::path::PathBuf,
) {
    let go = repo.scratch().join("go");
    let (path, home) = (repo.path(), repo.home());
    let fault = format!("{point}:pause={}", go.display());
    let runner = std::thread::spawn(move || {
        crate::support::hermetic(env!("CARGO_BIN_EXE_git-workflow"), &home)
            .current_dir(&path)
            .env("GIT_WORKFLOW_FAULT", fault)
            .arg("migrate")
            .output()
            .unwrap()
    });
    (runner, go)
}

/// What a `git commit -a` that reads the branch once it moved has for an index: git
/// reads the index before it takes `index.lock`, so the index file as it is the
/// moment the branch moves is what such a commit would build on. It must already
/// be the operation's, or that commit drops both layouts' files (SPEC §5.1,
/// RELIABILITY.md).
#[test]
fn the_index_is_the_operations_the_moment_the_branch_moves() {
    let repo = flat();
    let (runner, go) = paused_migrate(&repo, "after-ref");
    let before = repo.rev("HEAD");
    while repo.rev("HEAD") == before {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let seen = repo.scratch().join("index-as-read");
    std::fs::copy(repo.path().join(".git/index"), &seen).unwrap();
    std::fs::write(&go, "").unwrap();
    let out = runner.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.write("README.md", "edited beside the migration\n");
    let seen = seen.to_str().unwrap();
    let committed = repo.run_env(
        "git",
        &["commit", "-q", "-a", "-m", "beside"],
        &[("GIT_INDEX_FILE", seen)],
        &[],
    );
    assert_eq!(committed.code, Some(0), "{}", committed.stderr);
    let touched = repo.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]);
    assert_eq!(
        touched.trim(),
        "README.md",
        "a commit from that index changes only README.md"
    );
}

#[test]
fn a_commit_made_by_git_while_planning_makes_the_run_fail_cleanly() {
    let repo = flat();
    let (runner, go) = paused_migrate(&repo, "before-ref");
    while !repo.path().join(".git/git-workflow.journal").exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // git commit would wait for our index.lock, as for any git process; a commit
    // made without the index (a server-side merge, another worktree's plumbing)
    // still moves the branch.
    let tree = repo.rev("HEAD^{tree}");
    let theirs = repo
        .git(&["commit-tree", &tree, "-p", "HEAD", "-m", "meanwhile"])
        .trim()
        .to_string();
    repo.git(&["update-ref", "refs/heads/main", &theirs]);
    std::fs::write(&go, "").unwrap();
    let out = runner.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("main moved while this operation was being planned")
    );
    assert_eq!(repo.rev("HEAD"), theirs, "their commit stands");
    assert!(!repo.path().join(".git/git-workflow.journal").exists());
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(repo.rev("HEAD~1"), theirs);
}
