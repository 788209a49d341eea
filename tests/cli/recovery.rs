//! An operation killed at the commit point is finished (or dropped) by the next
//! command: the repository ends at the old or the new state, never a mix.

use crate::support::TestRepo;

const FLAT: &str = ".workflow/versions/v001/task_sessions/task_design.yml";
const FOLDER: &str = ".workflow/versions/v001/task_sessions/task_design/session.yml";

#[test]
fn a_run_killed_after_the_commit_is_finished_by_the_next_status() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf_with(&["migrate"], &[("GIT_WORKFLOW_FAULT", "after-ref")]);
    assert_eq!(run.code, None, "the run was killed");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "workflow: migrate task sessions to folders (4 sessions)"
    );
    assert!(repo.exists(FLAT), "not materialised yet");
    assert_ne!(repo.status(), "");
    let status = repo.wf(&["status"]).expect(0);
    assert!(
        status.stderr.contains("finished an interrupted operation"),
        "{}",
        status.stderr
    );
    assert!(
        status.stdout.contains("interrupted operation: finished"),
        "{}",
        status.stdout
    );
    assert_eq!(repo.status(), "", "work tree and index now match HEAD");
    assert!(repo.exists(FOLDER) && !repo.exists(FLAT));
    assert!(!repo.path().join(".git/git-workflow.journal").exists());
}

#[test]
fn a_run_killed_after_the_commit_is_finished_by_the_next_migrate() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf_with(&["migrate"], &[("GIT_WORKFLOW_FAULT", "after-ref")]);
    let head = repo.rev("HEAD");
    let run = repo.wf(&["migrate"]).expect(0);
    assert!(run.stderr.contains("finished an interrupted operation"));
    assert!(run.stdout.contains("nothing to migrate"));
    assert_eq!(repo.rev("HEAD"), head);
    assert_eq!(repo.status(), "");
}

#[test]
fn a_run_killed_before_the_branch_moved_changes_nothing() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let before = repo.rev("HEAD");
    let run = repo.wf_with(&["migrate"], &[("GIT_WORKFLOW_FAULT", "before-ref")]);
    assert_eq!(run.code, None);
    assert_eq!(repo.rev("HEAD"), before);
    assert_eq!(repo.status(), "");
    let next = repo.wf(&["migrate"]).expect(0);
    assert!(
        next.stderr.contains("never moved the branch"),
        "{}",
        next.stderr
    );
    assert_eq!(repo.rev("HEAD~1"), before);
    assert_eq!(repo.status(), "");
}

#[test]
fn a_rollback_killed_after_its_commit_is_finished_by_the_next_command() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let original = repo.rev("HEAD:.workflow");
    repo.wf(&["migrate"]).expect(0);
    let run = repo.wf_with(&["rollback"], &[("GIT_WORKFLOW_FAULT", "after-ref")]);
    assert_eq!(run.code, None, "the run was killed");
    assert_eq!(repo.rev("HEAD:.workflow"), original, "the commit landed");
    assert!(repo.exists(FOLDER), "not materialised yet");
    let log = repo.wf(&["log"]).expect(0);
    assert!(log.stdout.contains("rollback"));
    let next = repo.wf(&["rollback", "--dry-run", "HEAD"]).expect(0);
    assert!(
        next.stderr.contains("finished an interrupted operation"),
        "{}",
        next.stderr
    );
    assert_eq!(repo.status(), "");
    assert!(repo.exists(FLAT) && !repo.exists(FOLDER));
}
