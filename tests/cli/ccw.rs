//! Claude-Code-Workflow repositories: the marker-file migration, session start and
//! list, and completion as one commit.

use crate::support::TestRepo;
use serde_json::Value;

const PROJECT: &str = "{\n  \"project_name\": \"shop\",\n  \"initialized_at\": \"2025-11-01T09:00:00.000Z\",\n  \"overview\": {\n    \"summary\": \"An online shop\",\n    \"stack\": [\"rust\", \"react\"]\n  },\n  \"features\": [\n    {\n      \"id\": \"cart\",\n      \"title\": \"Cart\",\n      \"status\": \"completed\"\n    }\n  ],\n  \"statistics\": {\n    \"total_features\": 1,\n    \"total_sessions\": 3,\n    \"last_updated\": \"2025-11-10T09:00:00.000Z\"\n  },\n  \"_metadata\": {\n    \"initialized_by\": \"ccw\",\n    \"version\": \"1.2\"\n  },\n  \"zz_never_written_by_ccw\": {\"keep\": [1, 2.50, \"\\u00e9\"]}\n}\n";

const MANIFEST: &str = "{\n  \"archives\": [\n    {\n      \"session_id\": \"WFS-cart\",\n      \"description\": \"Cart\",\n      \"archived_at\": \"2025-11-10T09:00:00.000Z\",\n      \"archive_path\": \".workflow/.archives/WFS-cart\"\n    }\n  ]\n}\n";

/// A CCW repository as November 2025 left it: markers, sessions at the top,
/// `.archives/` with a `{"archives": [...]}` manifest, and a project.json with keys
/// CCW never wrote.
fn ccw_repo() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/.active-WFS-login", "");
    let s = ".workflow/WFS-login";
    repo.write(
        &format!("{s}/workflow-session.json"),
        "{\n  \"session_id\": \"WFS-login\",\n  \"project\": \"Login with OAuth\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-11-20T08:00:00.000Z\",\n  \"phase\": \"execute\"\n}\n",
    );
    repo.write(&format!("{s}/IMPL_PLAN.md"), "# Login with OAuth\n\nAdd an OAuth login page that issues JWT tokens.\nCovered by tests.\n\n## Tasks\n");
    repo.write(
        &format!("{s}/TODO_LIST.md"),
        "- [x] IMPL-1\n- [ ] IMPL-1.1\n",
    );
    repo.write(&format!("{s}/.task/IMPL-1.json"), "{\"id\": \"IMPL-1\", \"title\": \"Login page\", \"status\": \"completed\", \"meta\": {\"type\": \"feature\"}}\n");
    repo.write(
        &format!("{s}/.task/IMPL-1.1.json"),
        "{\"id\": \"IMPL-1.1\", \"title\": \"JWT\", \"status\": \"completed\"}\n",
    );
    repo.write(&format!("{s}/.summaries/IMPL-1-summary.md"), "Done.\n");
    repo.write(&format!("{s}/.process/context.json"), "{}\n");
    repo.write(
        ".workflow/WFS-paused-work/workflow-session.json",
        "{\"session_id\": \"WFS-paused-work\", \"status\": \"paused\"}\n",
    );
    repo.write(".workflow/.archives/manifest.json", MANIFEST);
    repo.write(
        ".workflow/.archives/WFS-cart/workflow-session.json",
        "{\"session_id\": \"WFS-cart\", \"status\": \"completed\"}\n",
    );
    repo.write(".workflow/project.json", PROJECT);
    repo.commit_all("ccw state");
    repo
}

#[test]
fn the_marker_migration_moves_sessions_drops_markers_and_renames_archives() {
    let repo = ccw_repo();
    let before = repo.rev("HEAD");
    let plan = repo.wf(&["migrate", "--dry-run"]).expect(0);
    assert!(
        plan.stdout
            .contains("ccw-sessions-dir: would migrate 4 items"),
        "{}",
        plan.stdout
    );
    assert_eq!(repo.rev("HEAD"), before);
    let run = repo.wf(&["migrate"]).expect(0);
    assert!(
        run.stdout
            .contains("migrated WFS-login -> .workflow/active/WFS-login/"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("removed .workflow/.active-WFS-login"));
    assert_eq!(repo.rev("HEAD~1"), before, "one commit");
    assert!(
        run.stdout
            .contains("migrated WFS-paused-work (inactive) -> .workflow/active/WFS-paused-work/"),
        "a session without a marker is reported inactive: {}",
        run.stdout
    );
    let renames = repo.git(&["show", "-M", "--name-status", "--format=", "HEAD"]);
    assert_eq!(
        renames.lines().filter(|l| l.starts_with("R100")).count(),
        9,
        "every file but the manifest moves as the same blob: {renames}"
    );
    assert!(renames.contains("D\t.workflow/.active-WFS-login"));
    assert!(repo.exists(".workflow/active/WFS-login/.task/IMPL-1.1.json"));
    assert!(repo.exists(".workflow/active/WFS-paused-work/workflow-session.json"));
    assert_eq!(
        repo.read(".workflow/archives/manifest.json"),
        MANIFEST.replace(
            ".workflow/.archives/WFS-cart",
            ".workflow/archives/WFS-cart"
        ),
        "archive_path rewritten, nothing else"
    );
    assert!(!repo.exists(".workflow/.archives"));
    assert_eq!(repo.status(), "");
    let trailers = repo.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Workflow-Migration,valueonly)",
    ]);
    assert_eq!(trailers.trim(), "ccw-sessions-dir");
    repo.wf(&["check", "--all"]).expect(0);
    let original = repo.rev(&format!("{before}:.workflow"));
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(repo.rev("HEAD:.workflow"), original);
}

#[test]
fn a_marker_without_its_session_and_a_session_in_both_places_are_refused() {
    let repo = ccw_repo();
    repo.write(".workflow/.active-WFS-gone", "");
    repo.write(
        ".workflow/active/WFS-paused-work/workflow-session.json",
        "{}\n",
    );
    repo.commit_all("inconsistent");
    let before = repo.fingerprint();
    let run = repo.wf(&["migrate"]).expect(1);
    assert!(run.stderr.contains(".workflow/.active-WFS-gone marks WFS-gone active, but neither .workflow/WFS-gone/ nor .workflow/active/WFS-gone/ exists"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "WFS-paused-work is in two places: .workflow/WFS-paused-work/ and .workflow/active/WFS-paused-work/"
        ),
        "{}",
        run.stderr
    );
    assert!(before == repo.fingerprint(), "nothing changed");
}

#[test]
fn sessions_start_as_ccw_session_init_does_with_unique_slugs_and_no_project_file() {
    let repo = TestRepo::with_commit();
    let run = repo
        .wf(&["session", "start", "Add OAuth2 login (Google)!"])
        .expect(0);
    assert!(
        run.stdout.contains(
            "started WFS-add-oauth2-login-google in .workflow/active/WFS-add-oauth2-login-google/"
        ),
        "{}",
        run.stdout
    );
    let folder = ".workflow/active/WFS-add-oauth2-login-google";
    assert_eq!(
        repo.read(&format!("{folder}/workflow-session.json")),
        "{\n  \"session_id\": \"WFS-add-oauth2-login-google\",\n  \"type\": \"workflow\",\n  \"status\": \"planning\",\n  \"created_at\": \"2025-12-16T12:00:00.000Z\",\n  \"description\": \"Add OAuth2 login (Google)!\"\n}",
        "what ccw session init writes: JSON.stringify(x, null, 2), no final newline"
    );
    for sub in [".task", ".summaries", ".process"] {
        assert!(
            repo.path().join(folder).join(sub).is_dir(),
            "{sub}/ made as CCW makes it"
        );
    }
    assert!(!repo.exists(".workflow/project.json") && !repo.exists(".workflow/project-tech.json"));
    let again = repo
        .wf(&["session", "start", "add oauth2 login google", "--json"])
        .expect(0);
    let started: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(started["session_id"], "WFS-add-oauth2-login-google-2");
    assert_eq!(started["layout"], "active");
    repo.git(&["config", "workflow.ccw.layout", "sessions"]);
    let seed = repo
        .wf(&["session", "start", "seed era", "--json"])
        .expect(0);
    let started: Value = serde_json::from_str(&seed.stdout).unwrap();
    assert_eq!(started["path"], ".workflow/sessions/WFS-seed-era/");
    assert_eq!(
        repo.git(&["log", "--oneline"]).lines().count(),
        1,
        "start commits nothing"
    );
    let run = repo.wf(&["session", "start", "!!!"]).expect(0);
    assert!(
        run.stdout.contains("WFS-session-2025-12-16"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("no ASCII letters or digits"),
        "{}",
        run.stderr
    );
    repo.git(&["config", "workflow.ccw.layout", "actve"]);
    let run = repo.wf(&["session", "start", "typo"]).expect(1);
    assert!(
        run.stderr
            .contains("workflow.ccw.layout is \"actve\", which names no CCW layout"),
        "{}",
        run.stderr
    );
}

#[test]
fn list_shows_every_place_with_task_progress() {
    let repo = ccw_repo();
    repo.write(
        ".workflow/active/WFS-next/workflow-session.json",
        "{\"status\": \"active\"}\n",
    );
    repo.write(
        ".workflow/sessions/WFS-seed/workflow-session.json",
        "{\"status\": \"active\"}\n",
    );
    let list: Value =
        serde_json::from_str(&repo.wf(&["session", "list", "--json"]).expect(0).stdout).unwrap();
    let by_id = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["session_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("WFS-login")["state"], "active, old layout");
    assert_eq!(by_id("WFS-login")["tasks_done"], 2);
    assert_eq!(by_id("WFS-login")["tasks_total"], 2);
    assert_eq!(by_id("WFS-login")["layout"], "old");
    assert_eq!(by_id("WFS-paused-work")["status"], "paused");
    assert_eq!(by_id("WFS-paused-work")["state"], "inactive, old layout");
    assert_eq!(by_id("WFS-next")["path"], ".workflow/active/WFS-next/");
    assert_eq!(by_id("WFS-seed")["layout"], "sessions");
    let text = repo.wf(&["session", "list"]).expect(0).stdout;
    assert!(text.contains("active, in active/ "), "{text}");
    assert!(
        text.contains(
            "active, in sessions/, not the target active/ (`git workflow migrate` moves it)"
        ),
        "{text}"
    );
    repo.commit_all("next layout");
    repo.wf(&["migrate"]).expect(0);
    let list: Value =
        serde_json::from_str(&repo.wf(&["session", "list", "--json"]).expect(0).stdout).unwrap();
    let archived = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session_id"] == "WFS-cart")
        .unwrap();
    assert_eq!(archived["state"], "archived");
}

/// Migrated CCW repository with WFS-next left to complete.
fn migrated() -> TestRepo {
    let repo = ccw_repo();
    repo.wf(&["migrate"]).expect(0);
    repo
}

#[test]
fn completion_is_one_commit_that_changes_the_json_only_by_the_entry_and_statistics() {
    let repo = migrated();
    let head = repo.rev("HEAD");
    repo.write(
        ".workflow/active/WFS-login/.summaries/IMPL-1.1-summary.md",
        "written, never committed\n",
    );
    repo.write(".gitignore", "*.tmp\n");
    repo.commit_all("ignore tmp");
    let head_before = repo.rev("HEAD");
    assert_ne!(head, head_before);
    repo.write(".workflow/active/WFS-login/scratch.tmp", "ignored\n");
    let lessons = repo.scratch().join("lessons.yml");
    std::fs::write(
        &lessons,
        "successes: [Small tasks]\nchallenges: [Token refresh]\nwatch_patterns: []\n",
    )
    .unwrap();
    let run = repo.wf(&[
        "session",
        "complete",
        "WFS-login",
        "--lessons",
        lessons.to_str().unwrap(),
        "--detailed",
    ]);
    let run = run.expect(0);
    assert!(
        run.stdout
            .contains("completed WFS-login -> .workflow/archives/WFS-login/"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"tasks_completed\": 2"),
        "CCW 7's metrics, the manifest having no seed-era entry: {}",
        run.stdout
    );
    assert_eq!(repo.rev("HEAD~1"), head_before);
    let trailers = repo.git(&["log", "-1", "--format=%(trailers:only,unfold)"]);
    assert_eq!(
        trailers.trim(),
        "Workflow-Operation: complete\nWorkflow-Session: WFS-login\nWorkflow-Session-Folder: .workflow/active/WFS-login"
    );
    assert!(
        repo.exists(".workflow/archives/WFS-login/.summaries/IMPL-1.1-summary.md"),
        "uncommitted files are archived"
    );
    assert!(
        !repo.exists(".workflow/active/WFS-login/.summaries"),
        "and gone from the session folder"
    );
    let tracked = repo.git(&["ls-files", ".workflow/archives/WFS-login"]);
    assert!(!tracked.contains("scratch.tmp"), "ignored files stay out");

    let session: Value =
        serde_json::from_str(&repo.read(".workflow/archives/WFS-login/workflow-session.json"))
            .unwrap();
    assert_eq!(session["status"], "completed");
    assert_eq!(session["phase"], "execute", "unknown fields kept");
    assert_eq!(
        session["archived_at"], "2025-12-16T12:00:00.000Z",
        "in the file's own time style"
    );

    let manifest: Value =
        serde_json::from_str(&repo.read(".workflow/archives/manifest.json")).unwrap();
    let entries = manifest["archives"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        2,
        "appended in the {{\"archives\": [...]}} shape"
    );
    let entry = &entries[1];
    assert_eq!(entry["archive_path"], ".workflow/archives/WFS-login");
    assert_eq!(entry["metrics"]["tasks_completed"], 2);
    assert_eq!(entry["metrics"]["summaries_generated"], 2);
    assert_eq!(entry["metrics"]["duration_hours"], 628.0);
    assert_eq!(
        entry["archived_at"], "2025-12-16T12:00:00.000Z",
        "the manifest's own style"
    );
    assert_eq!(entry["lessons"]["challenges"][0], "Token refresh");
    assert_eq!(
        entry["tags"],
        serde_json::json!(["auth", "security", "ui", "test"])
    );

    let after = repo.read(".workflow/project.json");
    let mut project: Value = serde_json::from_str(&after).unwrap();
    let feature = project["features"].as_array_mut().unwrap().pop().unwrap();
    assert_eq!(feature["id"], "login-with-oauth");
    assert_eq!(
        feature["description"],
        "Add an OAuth login page that issues JWT tokens. Covered by tests."
    );
    assert_eq!(
        feature["traceability"]["commit_hash"].as_str(),
        Some(head_before.as_str())
    );
    assert_eq!(feature["timeline"]["implemented_at"], "2025-12-16");
    assert_eq!(project["statistics"]["total_features"], 2);
    assert_eq!(project["statistics"]["total_sessions"], 4);
    project["statistics"]["total_features"] = 1.into();
    project["statistics"]["total_sessions"] = 3.into();
    project["statistics"]["last_updated"] = "2025-11-10T09:00:00.000Z".into();
    let original: Value = serde_json::from_str(PROJECT).unwrap();
    assert_eq!(
        serde_json::to_string(&project).unwrap(),
        serde_json::to_string(&original).unwrap(),
        "same keys in the same order"
    );
    assert!(
        after.contains("\"zz_never_written_by_ccw\": {\"keep\": [1, 2.50, \"\\u00e9\"]}"),
        "untouched bytes kept: {after}"
    );
    assert_eq!(
        repo.status(),
        "",
        "the ignored file moved with the folder, still ignored"
    );
    assert!(!repo.exists(".workflow/active/WFS-login"));
    assert_eq!(
        repo.read(".workflow/archives/WFS-login/scratch.tmp"),
        "ignored\n"
    );

    let run = repo.wf(&["rollback"]).expect(0);
    assert!(run.stdout.contains("rolled back"));
    assert_eq!(
        repo.read(".workflow/project.json"),
        PROJECT,
        "byte for byte"
    );
    assert_eq!(
        repo.read(".workflow/archives/manifest.json"),
        MANIFEST.replace(
            ".workflow/.archives/WFS-cart",
            ".workflow/archives/WFS-cart"
        ),
        "as the migration left it"
    );
    assert!(repo.exists(".workflow/active/WFS-login/.summaries/IMPL-1.1-summary.md"));
    assert_eq!(
        repo.read(".workflow/active/WFS-login/scratch.tmp"),
        "ignored\n",
        "the ignored file came back with the session"
    );
    assert!(!repo.exists(".workflow/archives/WFS-login"));
}

#[test]
fn a_malformed_project_file_is_named_with_its_line_and_nothing_changes() {
    let repo = migrated();
    repo.write(
        ".workflow/project.json",
        "{\n  \"project_name\": \"shop\",\n  \"features\": [\n}\n",
    );
    repo.commit_all("broken");
    let before = repo.fingerprint();
    let run = repo.wf(&["session", "complete", "WFS-login"]).expect(1);
    assert!(
        run.stderr.contains(".workflow/project.json does not parse")
            && run.stderr.contains("line 4"),
        "{}",
        run.stderr
    );
    assert!(before == repo.fingerprint());
}

#[test]
fn an_interrupted_ccw_archival_is_reported_and_finished() {
    let repo = migrated();
    repo.write(".workflow/active/WFS-login/.archiving", "");
    let run = repo.wf(&["session", "complete", "WFS-login"]).expect(0);
    assert!(
        run.stderr
            .contains(".archiving says an earlier archival was interrupted"),
        "{}",
        run.stderr
    );
    assert!(!repo.exists(".workflow/archives/WFS-login/.archiving"));
    assert_eq!(repo.status(), "");
}

#[test]
fn other_local_changes_and_ambiguity_refuse_a_completion() {
    let repo = migrated();
    repo.write(".workflow/project.json", "{}\n");
    let run = repo.wf(&["session", "complete", "WFS-login"]).expect(1);
    assert!(
        run.stderr.contains(".workflow/project.json (modified)"),
        "{}",
        run.stderr
    );
    repo.git(&["checkout", "--", ".workflow/project.json"]);
    let run = repo.wf(&["session", "complete"]).expect(1);
    assert!(
        run.stderr
            .contains("2 sessions are active: WFS-login, WFS-paused-work"),
        "{}",
        run.stderr
    );
    let run = repo.wf(&["session", "complete", "WFS-cart"]).expect(1);
    assert!(
        run.stderr.contains("WFS-cart is already archived"),
        "{}",
        run.stderr
    );
    let run = repo.wf(&["session", "complete", "../etc"]).expect(2);
    assert!(run.stderr.contains("is not a session id"), "{}", run.stderr);
    let bad = repo.scratch().join("bad.yml");
    std::fs::write(&bad, "successes: nope\n").unwrap();
    let run = repo
        .wf(&[
            "session",
            "complete",
            "WFS-login",
            "--lessons",
            bad.to_str().unwrap(),
        ])
        .expect(1);
    assert!(
        run.stderr.contains("`successes` must be a list of strings"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_a_project_file_the_feature_is_skipped_with_a_warning() {
    let repo = migrated();
    repo.git(&["rm", "-q", ".workflow/project.json"]);
    repo.git(&["commit", "-q", "-m", "no project"]);
    let run = repo
        .wf(&["session", "complete", "WFS-paused-work", "--json"])
        .expect(0);
    assert!(
        run.stderr
            .contains("neither .workflow/project-tech.json nor .workflow/project.json exists"),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(report["feature"].is_null() && report["development"].is_null());
    assert_eq!(report["entry"]["metrics"]["tasks_completed"], 0);
    assert!(repo.exists(".workflow/archives/WFS-paused-work/workflow-session.json"));
}

#[test]
fn a_dry_run_completion_changes_nothing() {
    let repo = migrated();
    repo.write(".workflow/active/WFS-login/notes.md", "uncommitted\n");
    let before = repo.fingerprint();
    let run = repo
        .wf(&["session", "complete", "WFS-login", "--dry-run"])
        .expect(0);
    assert!(
        run.stdout
            .contains("would complete WFS-login -> .workflow/archives/WFS-login/"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rename  .workflow/active/WFS-login/IMPL_PLAN.md -> .workflow/archives/WFS-login/IMPL_PLAN.md"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "would first record the uncommitted work of .workflow/active/WFS-login/ in a commit of its own:\n  create  .workflow/active/WFS-login/notes.md\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "rename  .workflow/active/WFS-login/notes.md -> .workflow/archives/WFS-login/notes.md"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("modify  .workflow/archives/manifest.json"),
        "a file that exists is modified, not created: {}",
        run.stdout
    );
    assert!(before == repo.fingerprint(), "a dry run changed a file");
}

#[test]
fn a_completion_killed_after_its_commit_is_finished_with_its_untracked_files() {
    let repo = migrated();
    repo.write(".workflow/active/WFS-login/notes.md", "uncommitted\n");
    let run = repo.wf_with(
        &["session", "complete", "WFS-login"],
        &[("GIT_WORKFLOW_FAULT", "after-ref")],
    );
    assert_eq!(run.code, None, "killed");
    assert!(repo.exists(".workflow/active/WFS-login/notes.md"));
    let status = repo.wf(&["status"]).expect(0);
    assert!(
        status.stderr.contains("finished an interrupted operation"),
        "{}",
        status.stderr
    );
    assert!(
        !repo.exists(".workflow/active/WFS-login"),
        "the session folder is gone"
    );
    assert_eq!(
        repo.read(".workflow/archives/WFS-login/notes.md"),
        "uncommitted\n"
    );
    assert_eq!(repo.status(), "");
}
