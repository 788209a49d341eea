//! Versions and task sessions as agents use them: version create, task start, show, log.

use crate::support::TestRepo;
use serde_json::Value;
use std::collections::BTreeSet;

const V2: &str = ".workflow/versions/v002";

fn two_versions() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.wf(&["version", "create", "API"]).expect(0);
    repo.wf(&["version", "create", "Auth", "--parent", "v001"])
        .expect(0);
    repo
}

#[test]
fn versions_are_numbered_recorded_and_indexed() {
    let repo = two_versions();
    let record: serde_yaml::Value =
        serde_yaml::from_str(&repo.read(&format!("{V2}/session.yml"))).unwrap();
    assert_eq!(record["version"].as_str(), Some("v002"));
    assert_eq!(record["parent_version"].as_str(), Some("v001"));
    assert_eq!(record["status"].as_str(), Some("pending"));
    assert_eq!(
        record["session_id"].as_str(),
        Some("workflow_20251216_120000")
    );
    assert!(repo.exists(&format!("{V2}/tasks")) && repo.exists(&format!("{V2}/task_sessions")));
    let index: serde_yaml::Value = serde_yaml::from_str(&repo.read(".workflow/index.yml")).unwrap();
    assert_eq!(index["latest"].as_str(), Some("v002"));
    assert_eq!(index["versions"][1]["feature"].as_str(), Some("Auth"));
    assert_eq!(
        index["versions"][0]["created_at"].as_str(),
        Some("2025-12-16T12:00:00")
    );
    let run = repo
        .wf(&["version", "create", "X", "--parent", "v009"])
        .expect(1);
    assert!(
        run.stderr.contains("there is no .workflow/versions/v009/"),
        "{}",
        run.stderr
    );
    assert!(!repo.exists(".workflow/versions/v003"));
}

#[test]
fn task_start_writes_the_three_files_in_the_latest_version() {
    let repo = two_versions();
    repo.write(
        &format!("{V2}/tasks/task_api.yml"),
        "# the API\nid: task_api\nstatus: pending\n",
    );
    let run = repo
        .wf(&[
            "task", "start", "task_api", "--type", "create", "--agent", "backend",
        ])
        .expect(0);
    assert!(
        run.stdout
            .contains(&format!("{V2}/task_sessions/task_api/")),
        "{}",
        run.stdout
    );
    let folder = format!("{V2}/task_sessions/task_api");
    let session: serde_yaml::Value =
        serde_yaml::from_str(&repo.read(&format!("{folder}/session.yml"))).unwrap();
    assert_eq!(session["status"].as_str(), Some("in_progress"));
    assert_eq!(session["workflow_version"].as_str(), Some("v002"));
    assert_eq!(session["task_type"].as_str(), Some("create"));
    assert!(session["operations"].as_sequence().unwrap().is_empty());
    assert_eq!(
        repo.read(&format!("{folder}/task.yml")),
        "# the API\nid: task_api\nstatus: pending\nsnapshotted_at: '2025-12-16T12:00:00'\nsource_path: 'tasks/task_api.yml'\nstatus_at_snapshot: 'pending'\n"
    );
    assert!(
        repo.read(&format!("{folder}/operations.log"))
            .starts_with("# Operations Log for task_api\n# Created: 2025-12-16T12:00:00\n")
    );
    let record: serde_yaml::Value =
        serde_yaml::from_str(&repo.read(&format!("{V2}/session.yml"))).unwrap();
    assert_eq!(record["task_sessions"][0], session["session_id"]);
    let run = repo
        .wf(&[
            "task",
            "start",
            "task_ui",
            "--version",
            "v001",
            "--type",
            "test",
            "--agent",
            "frontend",
        ])
        .expect(0);
    assert!(
        run.stderr.contains("task.yml is a minimal one"),
        "{}",
        run.stderr
    );
    repo.git(&["add", "-A"]);
    repo.wf(&["check"]).expect(0);
}

#[test]
fn bad_and_taken_ids_are_refused_and_nothing_is_created() {
    let repo = two_versions();
    repo.write(
        &format!("{V2}/task_sessions/old_task.yml"),
        "task_id: old_task\n",
    );
    repo.wf(&[
        "task", "start", "Task_B", "--type", "create", "--agent", "backend",
    ])
    .expect(0);
    let before = repo.fingerprint();
    for bad in [
        "..",
        ".",
        "a/b",
        "/etc/x",
        "tab\there",
        "nl\nx",
        "task_b",
        "old_task",
        "OLD_TASK",
    ] {
        let run = repo
            .wf(&[
                "task", "start", bad, "--type", "create", "--agent", "backend",
            ])
            .expect(1);
        assert!(run.stderr.contains("hint: "), "{bad:?}: {}", run.stderr);
    }
    repo.wf(&[
        "task", "start", "x", "--type", "bogus", "--agent", "backend",
    ])
    .expect(2);
    assert!(
        before == repo.fingerprint(),
        "a refused start created something"
    );
    let empty = TestRepo::with_commit();
    let run = empty
        .wf(&[
            "task", "start", "t", "--type", "create", "--agent", "backend",
        ])
        .expect(1);
    assert!(
        run.stderr.contains("git workflow version create"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_reads_a_flat_file_and_a_folder_alike_and_says_which() {
    let repo = two_versions();
    let flat = "task_id: t\nstatus: completed\noperations:\n  - type: create\n    target_type: file\n    target_id: a.ts\n    timestamp: '2025-12-16T11:00:00'\n";
    repo.write(&format!("{V2}/task_sessions/t.yml"), flat);
    let run = repo.wf(&["task", "show", "t", "--json"]).expect(0);
    assert!(
        run.stderr.contains("flat file, the old layout"),
        "{}",
        run.stderr
    );
    let from_flat: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(from_flat["layout"], "flat");
    repo.commit_all("flat");
    repo.wf(&["migrate"]).expect(0);
    let run = repo.wf(&["task", "show", "t", "--json"]).expect(0);
    assert!(run.stderr.contains("(folder layout)"), "{}", run.stderr);
    let from_folder: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(from_folder["layout"], "folder");
    assert_eq!(
        from_flat["session"], from_folder["session"],
        "the same session either way"
    );
    assert_eq!(
        from_folder["operations"][1]["target_id"], "a.ts",
        "the log, parsed"
    );
    assert_eq!(from_folder["task"]["status_at_snapshot"], "completed");
    let text = repo.wf(&["task", "show", "t"]).expect(0);
    assert_eq!(text.stdout.trim_end(), flat.trim_end());
    repo.wf(&["task", "show", "nope"]).expect(1);
}

#[test]
fn log_appends_to_the_task_and_global_logs_and_refuses_flat_sessions() {
    let repo = two_versions();
    repo.wf(&[
        "task", "start", "task_api", "--type", "create", "--agent", "backend",
    ])
    .expect(0);
    repo.wf(&[
        "task",
        "log",
        "task_api",
        "create",
        "file",
        "api.ts",
        "--path",
        "app/api/api.ts",
        "--summary",
        "Made it",
    ])
    .expect(0);
    let log = repo.read(&format!("{V2}/task_sessions/task_api/operations.log"));
    assert!(
        log.ends_with(
            "[2025-12-16T12:00:00] CREATE file: api.ts (app/api/api.ts)\n  Summary: Made it\n"
        ),
        "{log}"
    );
    assert_eq!(
        repo.read(".workflow/operations.log"),
        "[2025-12-16T12:00:00] v002/task_api CREATE file: api.ts (app/api/api.ts)\n"
    );
    repo.write(
        &format!("{V2}/task_sessions/legacy.yml"),
        "task_id: legacy\n",
    );
    let run = repo
        .wf(&["task", "log", "legacy", "UPDATE", "file", "x"])
        .expect(1);
    assert!(
        run.stderr.contains("flat task session") && run.stderr.contains("git workflow migrate"),
        "{}",
        run.stderr
    );
    let run = repo
        .wf(&[
            "task",
            "log",
            "task_api",
            "UPDATE",
            "file",
            "x",
            "--summary",
            "two\nlines",
        ])
        .expect(2);
    assert!(run.stderr.contains("line break"));
}

#[test]
fn eight_agents_logging_at_once_lose_and_tear_no_line() {
    let repo = two_versions();
    repo.wf(&[
        "task", "start", "busy", "--type", "update", "--agent", "backend",
    ])
    .expect(0);
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let path = repo.path();
            let home = repo.home();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let out = crate::support::hermetic(env!("CARGO_BIN_EXE_git-workflow"), &home)
                        .current_dir(&path)
                        .args([
                            "task",
                            "log",
                            "busy",
                            "UPDATE",
                            "file",
                            &format!("w{w}-{i}"),
                            "--summary",
                            &"x".repeat(300),
                        ])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let task_log = repo.read(&format!("{V2}/task_sessions/busy/operations.log"));
    let entries: Vec<&str> = task_log.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(entries.len(), 1600);
    let summaries = task_log
        .lines()
        .filter(|l| *l == format!("  Summary: {}", "x".repeat(300)))
        .count();
    assert_eq!(summaries, 1600, "no torn summary");
    let ids: BTreeSet<&str> = entries
        .iter()
        .filter_map(|l| l.split("file: ").nth(1))
        .collect();
    assert_eq!(ids.len(), 1600, "every entry exactly once");
    let global = repo.read(".workflow/operations.log");
    assert_eq!(global.lines().count(), 1600);
    assert!(
        global
            .lines()
            .all(|l| l.starts_with("[2025-12-16T12:00:00] v002/busy UPDATE file: w"))
    );
}

#[test]
fn status_shows_versions_and_sessions_by_status() {
    let repo = two_versions();
    repo.wf(&[
        "task", "start", "a", "--type", "create", "--agent", "backend",
    ])
    .expect(0);
    repo.write(
        &format!("{V2}/task_sessions/b.yml"),
        "task_id: b\nstatus: completed\n",
    );
    repo.commit_all("work");
    let run = repo.wf(&["status"]).expect(0);
    assert!(
        run.stdout.contains("versions: 2 (latest v002)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("v002: 1 task session(s) in folders, 1 flat (1 completed, 1 in_progress)"),
        "{}",
        run.stdout
    );
}
