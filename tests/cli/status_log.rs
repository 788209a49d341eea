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

#[test]
fn json_mode_always_prints_exactly_one_document_even_on_errors() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["rollback", "--json"]).expect(1);
    let doc: Value = serde_json::from_str(&run.stdout).expect("one JSON document on a refusal");
    assert_eq!(doc["error"]["exit_code"], 1);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing to roll back")
    );
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("git workflow log")
    );
    let run = repo.wf(&["migrate", "--only", "nope", "--json"]).expect(2);
    let doc: Value = serde_json::from_str(&run.stdout).expect("one JSON document on a usage error");
    assert_eq!(doc["error"]["exit_code"], 2);
    repo.write(
        ".workflow/versions/v001/task_sessions/a.yml",
        "task_id: a\n",
    );
    repo.git(&["add", "-A"]);
    let run = repo.wf(&["check", "--json"]).expect(1);
    let doc: Value =
        serde_json::from_str(&run.stdout).expect("the report alone, not a second document");
    assert_eq!(doc["violations"][0]["rule"], "flat-task-session");
}
