//! Completing a CCW session loses nothing, whatever state the repository holds it in
//! (SPEC §4.2): folders committed before `.gitignore` named them, CCW's empty
//! folders, sessions never committed, an id in two places, date-only timestamps,
//! files CCW's JavaScript wrote; and `check --range` reads only what it checks.

use crate::support::TestRepo;
use serde_json::Value;

const SESSION: &str = ".workflow/active/WFS-auth";
const ARCHIVE: &str = ".workflow/archives/WFS-auth";

/// The session file as a real repository has it: more keys than the four a stub
/// holds, a date-only `created_at`, CJK text.
const SESSION_JSON: &str = "{\n  \"session_id\": \"WFS-auth\",\n  \"project\": \"用户认证 auth\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-10-09\",\n  \"phase\": \"execute\",\n  \"agents\": [\"planner\", \"coder\"]\n}";

/// A session committed whole, then `.workflow/` added to `.gitignore` (the ignore
/// line came after the folder, as in the real repository this test stands for).
fn committed_then_ignored() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(&format!("{SESSION}/workflow-session.json"), SESSION_JSON);
    repo.write(
        &format!("{SESSION}/IMPL_PLAN.md"),
        "# 用户认证\n\n## Goal\n\nAdd login with JWT tokens.\n",
    );
    for n in 1..=3 {
        repo.write(
            &format!("{SESSION}/.task/IMPL-{n}.json"),
            &format!("{{\"id\": \"IMPL-{n}\", \"status\": \"completed\"}}"),
        );
        repo.write(
            &format!("{SESSION}/.summaries/IMPL-{n}-summary.md"),
            &"完成了。\n".repeat(40),
        );
    }
    repo.commit_all("ccw session");
    repo.write(".gitignore", ".workflow/\n");
    repo.commit_all("ignore agent state");
    repo
}

/// `session start` as an agent runs it in a repository whose `project.json` is
/// committed already: the session folder itself is never committed.
fn started(description: &str) -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.wf(&["session", "start", description]).expect(0);
    repo.seed_project();
    repo.git(&["add", ".workflow/project.json"]);
    repo.git(&["commit", "-q", "-m", "project file"]);
    repo
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn last_entry(repo: &TestRepo) -> Value {
    let manifest = json(&repo.read(".workflow/archives/manifest.json"));
    manifest.as_array().unwrap().last().unwrap().clone()
}

#[test]
fn tracked_files_under_an_ignored_workflow_folder_are_archived_not_deleted() {
    let repo = committed_then_ignored();
    repo.wf(&["session", "complete"]).expect(0);
    let moved = repo.git(&["show", "-M", "--name-status", "--format=", "HEAD"]);
    assert_eq!(
        moved.lines().filter(|l| l.starts_with("R100")).count(),
        7,
        "every tracked file is a rename: {moved}"
    );
    assert!(
        !moved
            .lines()
            .any(|l| l.starts_with("D\t") && !l.contains("workflow-session.json")),
        "{moved}"
    );
    assert_eq!(
        repo.git(&["ls-files", ARCHIVE]).lines().count(),
        8,
        "tracked whatever .gitignore says"
    );
    let archived = json(&repo.read(&format!("{ARCHIVE}/workflow-session.json")));
    assert_eq!(archived["agents"][1], "coder", "every key kept");
    assert_eq!(archived["project"], "用户认证 auth");
    assert_eq!(archived["status"], "completed");
    assert_eq!(
        repo.read(&format!("{ARCHIVE}/.summaries/IMPL-2-summary.md")),
        "完成了。\n".repeat(40)
    );
    assert!(!repo.exists(SESSION));
    let metrics = &last_entry(&repo)["metrics"];
    assert_eq!(metrics["tasks_completed"], 3);
    assert_eq!(
        metrics["duration_hours"], 1644.0,
        "from 2025-10-09T00:00:00Z to now (2025-12-16T12:00:00Z)"
    );
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");
}

#[test]
fn ccw_empty_folders_go_with_the_session_and_leave_nothing_to_complete_twice() {
    let repo = started("Add auth");
    let folder = ".workflow/active/WFS-add-auth";
    for empty in [".task", ".summaries", ".process"] {
        std::fs::create_dir_all(repo.path().join(folder).join(empty)).unwrap();
    }
    repo.wf(&["session", "complete"]).expect(0);
    assert!(
        !repo.exists(folder),
        "no folder CCW would see as a live session"
    );
    assert!(
        repo.path()
            .join(".workflow/archives/WFS-add-auth/.process")
            .is_dir()
    );
    let manifest = repo.read(".workflow/archives/manifest.json");
    let archived = repo.read(".workflow/archives/WFS-add-auth/workflow-session.json");
    let run = repo.wf(&["session", "complete"]).expect(1);
    assert!(
        run.stderr.contains("there is no active session"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read(".workflow/archives/manifest.json"), manifest);
    assert_eq!(
        repo.read(".workflow/archives/WFS-add-auth/workflow-session.json"),
        archived,
        "the archive is never written into"
    );
}

#[test]
fn a_leftover_archive_folder_refuses_completion_with_or_without_an_id() {
    let repo = TestRepo::with_commit();
    repo.wf(&["session", "start", "Add auth"]).expect(0);
    repo.commit_all("session");
    std::fs::create_dir_all(repo.path().join(".workflow/archives/WFS-add-auth/.task")).unwrap();
    let before = repo.fingerprint();
    for args in [
        &["session", "complete"][..],
        &["session", "complete", "WFS-add-auth"][..],
    ] {
        let run = repo.wf(args).expect(1);
        assert!(
            run.stderr.contains(
                "WFS-add-auth is in 2 places: .workflow/active/WFS-add-auth/ and .workflow/archives/WFS-add-auth/"
            ),
            "{args:?}: {}",
            run.stderr
        );
        assert!(before == repo.fingerprint(), "nothing changed");
    }
}

#[test]
fn rolling_back_a_completion_gives_back_a_session_that_was_never_committed() {
    let repo = started("Add auth");
    let folder = ".workflow/active/WFS-add-auth";
    repo.write(&format!("{folder}/IMPL_PLAN.md"), "# Add auth\n\nLogin.\n");
    let started = repo.read(&format!("{folder}/workflow-session.json"));
    let status_before = repo.status();
    let head_before = repo.rev("HEAD");
    let run = repo.wf(&["session", "complete"]).expect(0);
    assert!(
        run.stdout
            .contains("workflow: record WFS-add-auth as it stands"),
        "{}",
        run.stdout
    );
    assert_eq!(
        repo.rev("HEAD~2"),
        head_before,
        "a record, then the completion"
    );
    assert_eq!(repo.status(), "");
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(
        repo.read(&format!("{folder}/workflow-session.json")),
        started,
        "byte for byte"
    );
    assert_eq!(
        repo.read(&format!("{folder}/IMPL_PLAN.md")),
        "# Add auth\n\nLogin.\n"
    );
    assert!(!repo.exists(".workflow/archives/WFS-add-auth"));
    assert!(!repo.exists(".workflow/archives/manifest.json"));
    let run = repo.wf(&["rollback"]).expect(0);
    assert!(
        run.stdout
            .contains("Revert \"workflow: record WFS-add-auth"),
        "{}",
        run.stdout
    );
    assert_eq!(repo.status(), status_before, "untracked again, as it was");
    assert_eq!(
        repo.read(&format!("{folder}/IMPL_PLAN.md")),
        "# Add auth\n\nLogin.\n"
    );
    let log = repo.wf(&["log"]).expect(0).stdout;
    assert!(log.contains("record"), "{log}");
}

#[test]
fn an_uncommitted_project_file_is_named_as_uncommitted_not_as_missing() {
    let repo = TestRepo::with_commit();
    repo.write(".gitignore", ".workflow/\n");
    repo.commit_all("ignore agent state");
    repo.wf(&["session", "start", "Add auth"]).expect(0);
    repo.seed_project();
    let run = repo.wf(&["session", "complete"]).expect(0);
    assert!(
        run.stderr
            .contains(".workflow/project.json is not committed (untracked or ignored")
            && !run.stderr.contains("not found"),
        "{}",
        run.stderr
    );
    assert!(repo.exists(".workflow/project.json"), "left alone");
}

#[test]
fn an_id_in_the_old_layout_and_in_sessions_is_refused_listed_and_checked() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-a/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(".workflow/.active-WFS-a", "");
    repo.write(
        ".workflow/active/WFS-a/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.commit_all("two copies");
    let before = repo.fingerprint();
    for args in [
        &["session", "complete"][..],
        &["session", "complete", "WFS-a"][..],
    ] {
        let run = repo.wf(args).expect(1);
        assert!(
            run.stderr
                .contains("WFS-a is in 2 places: .workflow/active/WFS-a/ and .workflow/WFS-a/"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(before == repo.fingerprint());
    let list = json(&repo.wf(&["session", "list", "--json"]).expect(0).stdout);
    let in_sessions = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == ".workflow/active/WFS-a/")
        .unwrap();
    assert_eq!(
        in_sessions["also_at"],
        serde_json::json!([".workflow/WFS-a/"])
    );
    let text = repo.wf(&["session", "list"]).expect(0).stdout;
    assert!(text.contains("also at .workflow/WFS-a/"), "{text}");
    let check = repo.wf(&["check", "--all"]).expect(1);
    assert!(
        check.stdout.contains("WFS-a is in two places")
            && check.stdout.contains("[duplicate-session]"),
        "{}",
        check.stdout
    );
}

#[test]
fn check_range_reads_only_workflow_and_calls_links_there_violations() {
    let repo = TestRepo::with_commit();
    let base = repo.rev("HEAD");
    std::os::unix::fs::symlink("README.md", repo.path().join("docs-link")).unwrap();
    repo.git(&["add", "docs-link"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{base},vendor/lib"),
    ]);
    repo.git(&["commit", "-q", "-m", "a symlink and a submodule"]);
    let run = repo
        .wf(&["check", "--range", &format!("{base}..HEAD")])
        .expect(0);
    assert!(run.stdout.contains("no layout problems"), "{}", run.stdout);
    let clean = repo.rev("HEAD");
    std::fs::create_dir_all(repo.path().join(".workflow")).unwrap();
    std::os::unix::fs::symlink("../README.md", repo.path().join(".workflow/project.json")).unwrap();
    repo.git(&["add", ".workflow"]);
    let staged = repo.wf(&["check", "--staged"]).expect(1);
    assert!(
        staged.stdout.contains("[state-symlink]"),
        "{}",
        staged.stdout
    );
    repo.git(&["commit", "-q", "-m", "linked state"]);
    let run = repo
        .wf(&["check", "--range", &format!("{clean}..HEAD")])
        .expect(1);
    assert!(
        run.stdout
            .contains(".workflow/project.json is a symlink or submodule")
            && !run.stdout.contains("does not parse"),
        "{}",
        run.stdout
    );
}

#[test]
fn unreadable_tasks_and_missing_start_times_are_warnings_never_wrong_numbers() {
    let repo = TestRepo::with_commit();
    let folder = ".workflow/active/WFS-x";
    repo.write(
        &format!("{folder}/workflow-session.json"),
        "{\"status\": \"active\"}",
    );
    repo.write(
        &format!("{folder}/.task/IMPL-1.json"),
        "\u{feff}{\"id\": \"IMPL-1\", \"title\": \"cut \\ud83d\", \"status\": \"completed\"}",
    );
    repo.write(
        &format!("{folder}/.task/IMPL-2.json"),
        "{\"status\": \"completed\"}",
    );
    repo.write(&format!("{folder}/.task/IMPL-3.json"), "{\"status\": ");
    repo.commit_all("session");
    let run = repo.wf(&["session", "complete"]).expect(0);
    assert!(
        run.stderr
            .contains(".workflow/active/WFS-x/.task/IMPL-3.json does not parse"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            ".workflow/active/WFS-x/workflow-session.json: it has no created_at, started_at or timestamp"
        ),
        "{}",
        run.stderr
    );
    let metrics = &last_entry(&repo)["metrics"];
    assert_eq!(metrics["tasks_completed"], 3, "every task file counts");
    assert!(metrics["duration_hours"].is_null(), "{metrics}");
}

#[test]
fn old_archives_are_listed_and_every_manifest_shape_is_kept() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/.archives/WFS-old/workflow-session.json",
        "{\"status\": \"completed\"}",
    );
    repo.write(
        ".workflow/active/WFS-new/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(".workflow/archives/manifest.json", "{\"sessions\": []}");
    repo.write(
        ".workflow/project.json",
        "{\"project_name\": \"p\", \"features\": []}",
    );
    repo.commit_all("state");
    let list = json(&repo.wf(&["session", "list", "--json"]).expect(0).stdout);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == ".workflow/.archives/WFS-old/"
                && s["state"] == "archived, old layout"),
        "{list}"
    );
    repo.wf(&["session", "complete"]).expect(0);
    let manifest = json(&repo.read(".workflow/archives/manifest.json"));
    assert_eq!(manifest["sessions"][0]["session_id"], "WFS-new");
    let project = json(&repo.read(".workflow/project.json"));
    let timeline = &project["features"][0]["timeline"];
    assert_eq!(
        timeline["created_at"], "2025-12-16T12:00:00.000Z",
        "CCW 7's style in a file with no timestamp"
    );
    assert_eq!(timeline["updated_at"], timeline["created_at"], "both now");

    repo.write(".workflow/active/WFS-next/workflow-session.json", "{}");
    repo.write(".workflow/archives/manifest.json", "{\"entries\": []}");
    repo.commit_all("odd manifest");
    let run = repo.wf(&["session", "complete"]).expect(1);
    assert!(
        run.stderr.contains("unknown manifest shape") && !run.stderr.contains("line above"),
        "{}",
        run.stderr
    );
}
