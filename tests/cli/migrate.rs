//! `git workflow migrate` on flat task sessions: the happy paths.

use crate::support::TestRepo;
use serde_json::Value;
use std::collections::BTreeSet;

const DESIGN: &str = ".workflow/versions/v001/task_sessions/task_design";

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let before = repo.fingerprint();
    let git_dir_mtime = || {
        std::fs::metadata(repo.path().join(".git"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let git_dir_before = git_dir_mtime();
    let run = repo.wf(&["migrate", "--dry-run"]).expect(0);
    assert_eq!(
        git_dir_mtime(),
        git_dir_before,
        "a dry run created or removed a file in .git"
    );
    assert!(
        run.stdout
            .contains(&format!("rename  {DESIGN}.yml -> {DESIGN}/session.yml"))
    );
    assert!(run.stdout.contains(&format!("create  {DESIGN}/task.yml")));
    assert!(
        run.stdout
            .contains("processed 4, would migrate 4, failed 0")
    );
    assert!(run.stdout.contains("dry run: nothing was changed"));
    assert!(before == repo.fingerprint(), "a dry run changed a file");
}

#[test]
fn the_dry_run_plan_is_exactly_what_the_real_run_commits() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let plan: Value = serde_json::from_str(
        &repo
            .wf(&["migrate", "--dry-run", "--json"])
            .expect(0)
            .stdout,
    )
    .unwrap();
    let planned: BTreeSet<String> = plan["migrations"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| match a["action"].as_str().unwrap() {
            "rename" => format!(
                "R100 {} {}",
                a["from"].as_str().unwrap(),
                a["path"].as_str().unwrap()
            ),
            _ => format!("A {}", a["path"].as_str().unwrap()),
        })
        .collect();
    repo.wf(&["migrate"]).expect(0);
    let committed: BTreeSet<String> = repo
        .git(&["diff", "--name-status", "-M", "HEAD~1", "HEAD"])
        .lines()
        .map(|l| l.replace('\t', " "))
        .collect();
    assert_eq!(planned, committed);
}

#[test]
fn migrate_makes_one_commit_with_trailers_and_a_clean_tree() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let before = repo.rev("HEAD");
    let run = repo.wf(&["migrate"]).expect(0);
    assert_eq!(repo.rev("HEAD~1"), before, "exactly one commit on top");
    assert!(run.stdout.contains(
        "migrated v001/task_design -> .workflow/versions/v001/task_sessions/task_design/"
    ));
    assert!(run.stdout.contains("processed 4, migrated 4, failed 0"));
    assert!(
        run.stdout
            .contains("workflow: migrate task sessions to folders (4 sessions)")
    );
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(message.starts_with("workflow: migrate task sessions to folders (4 sessions)\n\n"));
    assert!(message.contains(
        "v001/task_design: task_sessions/task_design.yml -> task_sessions/task_design/\n"
    ));
    let trailers = repo.git(&["log", "-1", "--format=%(trailers:only,unfold)"]);
    assert_eq!(
        trailers.trim(),
        "Workflow-Operation: migrate\nWorkflow-Migration: task-session-dirs"
    );
    assert_eq!(
        repo.status(),
        "",
        "work tree and index match the new commit"
    );
    assert!(!repo.exists(&format!("{DESIGN}.yml")));
    for file in ["session.yml", "task.yml", "operations.log"] {
        assert!(repo.exists(&format!("{DESIGN}/{file}")), "{file} missing");
    }
}

#[test]
fn session_files_move_as_the_same_blob_so_history_follows_them() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let flat = repo.rev(&format!("HEAD:{DESIGN}.yml"));
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(repo.rev(&format!("HEAD:{DESIGN}/session.yml")), flat);
    let renames = repo.git(&["show", "-M", "--name-status", "--format=", "HEAD"]);
    assert_eq!(
        renames.lines().filter(|l| l.starts_with("R100")).count(),
        4,
        "{renames}"
    );
    let history = repo.git(&[
        "log",
        "--follow",
        "--format=%s",
        "--",
        &format!("{DESIGN}/session.yml"),
    ]);
    assert!(history.contains("agents at work"), "{history}");
}

#[test]
fn snapshots_keep_the_definition_and_add_the_metadata() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf(&["migrate"]).expect(0);
    assert_eq!(
        repo.read(&format!("{DESIGN}/task.yml")),
        "# the design task\nid: task_design\ntitle: Design the API\nstatus: completed\nsnapshotted_at: '2025-12-16T12:00:00'\nsource_path: 'tasks/task_design.yml'\nstatus_at_snapshot: 'completed'\nmigration_note: 'Created during migration from flat file structure'\n"
    );
    let impl_task = repo.read(".workflow/versions/v001/task_sessions/task_impl/task.yml");
    assert!(
        impl_task.contains("source_path: 'tasks/task_impl.yaml'"),
        "{impl_task}"
    );
    let review: serde_yaml::Value = serde_yaml::from_str(
        &repo.read(".workflow/versions/v001/task_sessions/task_review/task.yml"),
    )
    .unwrap();
    assert_eq!(review["id"].as_str(), Some("task_review"));
    assert_eq!(review["type"].as_str(), Some("test"));
    assert_eq!(review["agent"].as_str(), Some("reviewer"));
    assert_eq!(review["status_at_snapshot"].as_str(), Some("pending"));
    assert!(review["source_path"].is_null());
    assert!(
        review["migration_note"]
            .as_str()
            .unwrap()
            .contains("not found")
    );
    assert!(
        run.stderr
            .contains("warning: .workflow/versions/v001/tasks/task_review.yml not found")
    );
}

#[test]
fn operations_logs_carry_the_history_under_every_field_spelling() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(
        repo.read(&format!("{DESIGN}/operations.log")),
        "# Operations Log for task_design\n# Migrated: 2025-12-16T12:00:00\n# Format: [timestamp] OPERATION target_type: target_id (path)\n======================================================================\n[2025-12-16T12:00:00] MIGRATION: Converted from flat file structure\n\n# Historical operations from session data:\n[2025-12-16T11:00:00] CREATE file: auth.ts (app/lib/auth.ts)\n  Summary: Created authentication module\n[2025-12-16T11:15:00] UPDATE entity: User (app/lib/types.ts)\n  Summary: Added email field to User type\n"
    );
    let review = repo.read(".workflow/versions/v001/task_sessions/task_review/operations.log");
    assert!(
        review.ends_with("MIGRATION: Converted from flat file structure\n"),
        "{review}"
    );
}

#[test]
fn running_twice_is_running_once() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    let after_first = repo.rev("HEAD");
    let run = repo.wf(&["migrate"]).expect(0);
    assert!(run.stdout.contains("nothing to migrate"), "{}", run.stdout);
    assert_eq!(repo.rev("HEAD"), after_first);
}

#[test]
fn staged_and_unstaged_work_outside_workflow_is_neither_committed_nor_lost() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write("src/feature.rs", "fn staged() {}\n");
    repo.git(&["add", "src/feature.rs"]);
    repo.write("README.md", "hello, unstaged edit\n");
    repo.wf(&["migrate"]).expect(0);
    let committed = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        committed.lines().all(|p| p.starts_with(".workflow/")),
        "{committed}"
    );
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "src/feature.rs\n"
    );
    assert_eq!(repo.git(&["diff", "--name-only"]), "README.md\n");
    assert_eq!(repo.read("README.md"), "hello, unstaged edit\n");
}

#[test]
fn only_runs_the_named_migration_and_rejects_unknown_names() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let before = repo.rev("HEAD");
    let run = repo.wf(&["migrate", "--only", "no-such-thing"]).expect(2);
    assert!(
        run.stderr
            .contains("there is no migration called 'no-such-thing'")
    );
    assert!(
        run.stderr.contains("task-session-dirs"),
        "lists the names: {}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), before);
    repo.wf(&["migrate", "--only", "task-session-dirs"])
        .expect(0);
    assert_eq!(repo.rev("HEAD~1"), before);
}

#[test]
fn json_reports_the_commit_and_every_item() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf(&["migrate", "--json"]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let step = &report["migrations"][0];
    assert_eq!(step["name"], "task-session-dirs");
    assert_eq!(step["status"], "committed");
    assert_eq!(step["migrated"], 4);
    assert_eq!(step["commit"].as_str().unwrap(), repo.rev("HEAD"));
    assert_eq!(step["items"].as_array().unwrap().len(), 4);
    assert_eq!(report["dry_run"], false);
}

#[test]
fn quiet_prints_nothing_on_success() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf(&["migrate", "--quiet"]).expect(0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

#[test]
fn crlf_definitions_and_comments_survive_the_snapshot() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/tasks/t.yml",
        "id: t # keep me\r\nstatus: done\r\n",
    );
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\r\n",
    );
    repo.commit_all("crlf");
    repo.wf(&["migrate"]).expect(0);
    let task = repo.read(".workflow/versions/v001/task_sessions/t/task.yml");
    assert!(
        task.starts_with(
            "id: t # keep me\r\nstatus: done\r\nsnapshotted_at: '2025-12-16T12:00:00'\r\n"
        ),
        "{task:?}"
    );
}

#[test]
fn the_new_objects_land_in_one_pack_and_fsck_is_clean() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.git(&["gc", "-q"]);
    repo.wf(&["migrate"]).expect(0);
    let counts = repo.git(&["count-objects", "-v"]);
    assert!(
        counts.lines().any(|l| l == "count: 1"),
        "blobs and trees are packed; only the commit git wrote is loose:\n{counts}"
    );
    let fsck = repo.git_run(&["fsck", "--strict", "--no-dangling"]);
    assert_eq!(fsck.code, Some(0), "{}", fsck.stderr);
}

#[test]
fn a_flat_file_whose_stat_changed_is_written_afresh_not_trusted() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let flat = repo.path().join(format!("{DESIGN}.yml"));
    let content = std::fs::read(&flat).unwrap();
    std::fs::remove_file(&flat).unwrap();
    std::fs::write(&flat, &content).unwrap();
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(
        std::fs::read(repo.path().join(format!("{DESIGN}/session.yml"))).unwrap(),
        content
    );
    assert!(!flat.exists());
    assert_eq!(repo.status(), "");
}

#[test]
fn the_index_is_left_exactly_as_git_would_write_it() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write("src/lib.rs", "pub fn staged() {}\n");
    repo.git(&["add", "src/lib.rs"]);
    repo.wf(&["migrate"]).expect(0);
    let migrated = repo.rev("HEAD:.workflow");
    repo.git(&["commit", "-q", "-m", "the staged work"]);
    assert_eq!(
        repo.git(&["diff", "--name-only", "HEAD~1", "HEAD"]),
        "src/lib.rs\n"
    );
    assert_eq!(
        repo.rev("HEAD:.workflow"),
        migrated,
        "the cache tree did not bring back the old .workflow/"
    );
    assert_eq!(repo.git(&["write-tree"]).trim(), repo.rev("HEAD^{tree}"));
    let fsck = repo.git_run(&["fsck", "--strict", "--no-dangling"]);
    assert_eq!(fsck.code, Some(0), "{}", fsck.stderr);
}

#[test]
fn an_index_in_version_4_goes_through_libgit2() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write("staged.txt", "staged\n");
    repo.git(&["add", "staged.txt"]);
    repo.git(&["update-index", "--index-version", "4"]);
    let original = repo.rev("HEAD:.workflow");
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(repo.status(), "A  staged.txt\n");
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(repo.rev("HEAD:.workflow"), original);
    assert_eq!(repo.status(), "A  staged.txt\n");
}

#[test]
fn a_split_index_is_refused_with_the_fix() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.git(&["update-index", "--split-index"]);
    let before = repo.rev("HEAD");
    let run = repo.wf(&["migrate"]).expect(1);
    assert!(
        run.stderr.contains("git update-index --no-split-index"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), before);
    repo.git(&["update-index", "--no-split-index"]);
    repo.wf(&["migrate"]).expect(0);
}

#[test]
fn after_every_operation_git_builds_the_same_trees_from_the_index() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let assert_index_matches = |what: &str| {
        assert_eq!(
            repo.git(&["write-tree"]).trim(),
            repo.rev("HEAD^{tree}"),
            "after {what}"
        );
        repo.write("later.txt", what);
        repo.git(&["add", "later.txt"]);
        let workflow = repo.rev("HEAD:.workflow");
        repo.git(&["commit", "-q", "-m", what]);
        assert_eq!(
            repo.rev("HEAD:.workflow"),
            workflow,
            "a commit after {what} kept .workflow/ as it was"
        );
    };
    repo.wf(&["migrate"]).expect(0);
    assert_index_matches("migrate");
    repo.wf(&["rollback", "HEAD~1"]).expect(0);
    assert_index_matches("rollback");
    repo.wf(&["session", "start", "after all"]).expect(0);
    repo.commit_all("session");
    repo.wf(&["session", "complete"]).expect(0);
    assert_index_matches("complete");
}

#[test]
fn a_session_file_with_a_byte_order_mark_migrates_with_its_bytes_kept() {
    let repo = TestRepo::with_commit();
    let text = "\u{feff}task_id: t\nstatus: completed\n";
    repo.write(".workflow/versions/v001/task_sessions/t.yml", text);
    repo.commit_all("a session a Windows editor saved");
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(
        repo.read(".workflow/versions/v001/task_sessions/t/session.yml"),
        text
    );
    assert_eq!(repo.status(), "");
}
