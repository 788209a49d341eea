//! `status` and `log` tell a person (and a script, with `--json`) where things stand.

use crate::support::TestRepo;
use serde_json::Value;

#[test]
fn status_shows_flat_sessions_and_the_pending_migration() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf(&["status"]).expect(0);
    assert!(
        run.stdout.contains("dialects: versioned task sessions"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("v001: 0 task session(s) in folders, 3 flat")
    );
    assert!(run.stdout.contains("task-session-dirs: 4 item(s)"));
    repo.wf(&["migrate"]).expect(0);
    let run = repo.wf(&["status", "--json"]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["workflow"], "tracked");
    assert_eq!(report["pending"].as_array().unwrap().len(), 0);
    assert_eq!(report["versions"][0]["folder_task_sessions"], 3);
    assert_eq!(report["versions"][0]["flat_task_sessions"], 0);
    assert!(report["interrupted"].is_null());
}

#[test]
fn status_lists_local_changes_and_an_untracked_workflow() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    let run = repo.wf(&["status"]).expect(0);
    assert!(
        run.stdout.contains(".workflow/: untracked"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--adopt"));
    repo.commit_all("track it");
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t2\n",
    );
    let run = repo.wf(&["status"]).expect(0);
    assert!(
        run.stdout
            .contains(".workflow/versions/v001/task_sessions/t.yml (modified)"),
        "{}",
        run.stdout
    );
}

#[test]
fn log_lists_operations_from_their_trailers() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["log"]).expect(0);
    assert!(run.stdout.contains("no operations yet"));
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    repo.write("README.md", "later work\n");
    repo.commit_all("unrelated");
    let run = repo.wf(&["log"]).expect(0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("migrate   workflow: migrate task sessions to folders (4 sessions)")
    );
    let entries: Value =
        serde_json::from_str(&repo.wf(&["log", "--json"]).expect(0).stdout).unwrap();
    assert_eq!(entries[0]["operation"], "migrate");
    assert_eq!(entries[0]["commit"].as_str().unwrap(), repo.rev("HEAD~1"));
    assert!(entries[0]["rolled_back_by"].is_null());
}
