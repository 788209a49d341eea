//! SPEC §1.3, §3, §4.2, §6.1: CCW's three layouts as real repositories hold them,
//! with the target layout (`workflow.ccw.layout`) deciding where sessions go, and
//! CCW 7's own content (`WFR-*` runs, lite sessions, issues) left byte for byte.

use crate::support::TestRepo;
use serde_json::{Value, json};

/// A repository on the seed-era `sessions/` layout beside CCW 7's other content:
/// a CJK session, a workflow-player run, lite sessions, issues, a team folder.
fn seed_era_with_ccw7_content() -> TestRepo {
    let repo = TestRepo::with_commit();
    let s = ".workflow/sessions/WFS-user-auth";
    repo.write(
        &format!("{s}/workflow-session.json"),
        "{\n  \"session_id\": \"WFS-user-auth\",\n  \"project\": \"用户认证\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-10-09\"\n}",
    );
    repo.write(
        &format!("{s}/IMPL_PLAN.md"),
        "# 用户认证\n\n## 概述\n\n实现登录与注册。\n",
    );
    repo.write(
        &format!("{s}/.task/IMPL-core-001.json"),
        "{\"id\": \"IMPL-core-001\", \"status\": \"completed\"}",
    );
    repo.write(".workflow/sessions/WFR-run-1/state.json", "{\"step\": 3}");
    repo.write(".workflow/sessions/state.json", "{\"last\": \"WFR-run-1\"}");
    repo.write(
        ".workflow/.lite-plan/quick-fix/plan.json",
        "{\"t\": \"轻量\"}",
    );
    repo.write(".workflow/.lite-fix/typo/fix.json", "{}");
    repo.write(".workflow/issues/ISS-1.json", "{\"title\": \"问题\"}");
    repo.write(".workflow/.team/roster.md", "- ada\n");
    repo.commit_all("seed-era CCW state");
    repo
}

/// The blob id of every path outside the CCW session folders.
fn untouched(repo: &TestRepo) -> Vec<String> {
    repo.git(&["ls-tree", "-r", "HEAD", ".workflow"])
        .lines()
        .filter(|l| !l.contains("/WFS-"))
        .map(str::to_string)
        .collect()
}

#[test]
fn sessions_move_to_active_and_ccw7_content_stays_byte_for_byte() {
    let repo = seed_era_with_ccw7_content();
    let before = untouched(&repo);
    let status = repo.wf(&["status"]).expect(0).stdout;
    assert!(
        status.contains("CCW sessions (target layout: active/"),
        "{status}"
    );
    assert!(
        status.contains("  sessions: 1 active (not the target layout)"),
        "{status}"
    );
    assert!(status.contains("ccw-active-dir"), "{status}");
    let run = repo.wf(&["migrate"]).expect(0);
    assert!(
        run.stdout
            .contains("migrated WFS-user-auth -> .workflow/active/WFS-user-auth/"),
        "{}",
        run.stdout
    );
    assert_eq!(
        untouched(&repo),
        before,
        "WFR-*, state.json, lite sessions, issues: same blobs"
    );
    let renames = repo.git(&["show", "-M", "--name-status", "--format=", "HEAD"]);
    assert!(renames.lines().all(|l| l.starts_with("R100")), "{renames}");
    repo.wf(&["check", "--all"]).expect(0);
    assert!(
        repo.wf(&["migrate"])
            .expect(0)
            .stdout
            .contains("nothing to migrate")
    );
}

#[test]
fn the_seed_era_layout_stays_where_it_is_when_the_repository_says_so() {
    let repo = seed_era_with_ccw7_content();
    repo.git(&["config", "workflow.ccw.layout", "sessions"]);
    let status = repo.wf(&["status"]).expect(0).stdout;
    assert!(status.contains("pending migrations: none"), "{status}");
    repo.wf(&["check", "--all"]).expect(0);
}

#[test]
fn check_calls_sessions_superseded_when_the_target_is_active() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/sessions/WFS-new/workflow-session.json", "{}");
    repo.write(".workflow/sessions/WFR-run-2/state.json", "{}");
    repo.git(&["add", "-A"]);
    let run = repo.wf(&["check", "--staged"]).expect(1);
    assert!(
        run.said().contains("[superseded-sessions-dir]"),
        "{}",
        run.said()
    );
    assert!(
        run.said().contains("sessions live in .workflow/active/"),
        "{}",
        run.said()
    );
    assert!(
        run.said()
            .contains("git config workflow.ccw.layout sessions"),
        "{}",
        run.said()
    );
    assert!(
        !run.said().contains("WFR-run-2"),
        "a workflow-player run is not a session"
    );
    repo.git(&["config", "workflow.ccw.layout", "sessions"]);
    repo.wf(&["check", "--staged"]).expect(0);
    repo.git(&["config", "workflow.ccw.layout", "active"]);
    repo.write(".workflow/WFS-old/workflow-session.json", "{}");
    repo.git(&["add", "-A"]);
    let run = repo.wf(&["check", "--staged"]).expect(1);
    assert!(
        run.said().contains("move it under .workflow/active/"),
        "{}",
        run.said()
    );
}

/// A CCW 7 repository: a session in `active/` with a review, `project-tech.json`
/// with a `development_index`, a CCW 7 manifest.
fn ccw7() -> TestRepo {
    let repo = TestRepo::with_commit();
    let s = ".workflow/active/WFS-fix-login";
    repo.write(
        &format!("{s}/workflow-session.json"),
        "{\n  \"session_id\": \"WFS-fix-login\",\n  \"type\": \"workflow\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-12-15T12:00:00.000Z\",\n  \"description\": \"Fix the login bug 修复\",\n  \"tags\": [\"auth\"]\n}",
    );
    repo.write(
        &format!("{s}/IMPL_PLAN.md"),
        "# Fix login\n\n## Context\n\nThe token expired early.\n",
    );
    repo.write(
        &format!("{s}/.task/IMPL-1.json"),
        "{\"id\": \"IMPL-1\", \"status\": \"completed\"}",
    );
    repo.write(
        &format!("{s}/.task/IMPL-2.json"),
        "{\"id\": \"IMPL-2\", \"status\": \"completed\"}",
    );
    repo.write(&format!("{s}/.summaries/IMPL-1-summary.md"), "done\n");
    repo.write(
        &format!("{s}/.review/dimensions/security.json"),
        "{\"findings\": [{\"id\": 1}, {\"id\": 2}]}",
    );
    repo.write(
        &format!("{s}/.review/dimensions/style.json"),
        "{\"findings\": []}",
    );
    repo.write(
        ".workflow/project-tech.json",
        "{\n  \"project_name\": \"shop\",\n  \"development_index\": {\n    \"feature\": [],\n    \"enhancement\": [],\n    \"bugfix\": [],\n    \"refactor\": [],\n    \"docs\": []\n  },\n  \"statistics\": {\n    \"total_sessions\": 7\n  }\n}",
    );
    repo.write(
        ".workflow/archives/manifest.json",
        "[\n  {\n    \"session_id\": \"WFS-cart\",\n    \"archived_at\": \"2025-12-01T10:00:00.000Z\",\n    \"metrics\": {\"tasks_completed\": 1}\n  }\n]",
    );
    repo.commit_all("ccw 7 state");
    repo
}

#[test]
fn completion_records_what_ccw7_archive_records() {
    let repo = ccw7();
    let run = repo.wf(&["session", "complete", "--json"]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let expected = json!({"title": "Fix the login bug 修复", "sessionId": "WFS-fix-login", "type": "bugfix", "tags": ["auth"], "archivedAt": "2025-12-16T12:00:00.000Z"});
    assert_eq!(report["development"], expected);
    let tech: Value = serde_json::from_str(&repo.read(".workflow/project-tech.json")).unwrap();
    assert_eq!(tech["development_index"]["bugfix"], json!([expected]));
    assert!(
        repo.read(".workflow/project-tech.json")
            .contains("\"statistics\": {\n    \"total_sessions\": 7\n  }"),
        "statistics untouched"
    );
    let manifest: Value =
        serde_json::from_str(&repo.read(".workflow/archives/manifest.json")).unwrap();
    let entry = &manifest[1];
    assert_eq!(
        entry["metrics"],
        json!({"duration_hours": 24.0, "tasks_completed": 2, "summaries_generated": 1, "review_metrics": {"dimensions_analyzed": 2, "total_findings": 2}})
    );
    assert_eq!(entry["archived_at"], "2025-12-16T12:00:00.000Z");
    assert_eq!(entry["archive_path"], ".workflow/archives/WFS-fix-login");
    let session: Value =
        serde_json::from_str(&repo.read(".workflow/archives/WFS-fix-login/workflow-session.json"))
            .unwrap();
    assert_eq!(session["status"], "completed");
    assert_eq!(session["archived_at"], "2025-12-16T12:00:00.000Z");
    assert!(
        !repo.exists(".workflow/active/WFS-fix-login"),
        "no folder left for CCW to see"
    );
    assert_eq!(repo.status(), "");
}

#[test]
fn a_date_only_start_counts_from_midnight_utc() {
    let repo = seed_era_with_ccw7_content();
    repo.git(&["config", "workflow.ccw.layout", "sessions"]);
    repo.wf(&["session", "complete"]).expect(0);
    let manifest: Value =
        serde_json::from_str(&repo.read(".workflow/archives/manifest.json")).unwrap();
    assert_eq!(
        manifest[0]["metrics"]["duration_hours"], 1644.0,
        "2025-10-09T00:00Z to 2025-12-16T12:00Z"
    );
    assert_eq!(manifest[0]["description"], "用户认证");
}

#[test]
fn a_versions_folder_of_another_tool_is_left_alone() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/versions/v0.8-login/changes/a.md", "notes\n");
    repo.commit_all("another tool");
    let status = repo.wf(&["status"]).expect(0).stdout;
    assert!(
        status.contains("unknown layout (.workflow/versions/ holds no vNNN folder"),
        "{status}"
    );
    assert!(!status.contains("versioned task sessions"), "{status}");
    let run = repo.wf(&["version", "create", "login"]).expect(1);
    assert!(
        run.said()
            .contains("holds v0.8-login/, not versions of this workflow"),
        "{}",
        run.said()
    );
    assert!(!repo.exists(".workflow/versions/v001"));
}

#[test]
fn a_lone_surrogate_from_ccw_is_valid_and_errors_count_characters() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/active/WFS-a/.task/IMPL-1.json",
        "{\"title\": \"cut \\ud83d\"}",
    );
    repo.git(&["add", "-A"]);
    repo.wf(&["check", "--staged"]).expect(0);
    repo.write(
        ".workflow/active/WFS-a/bad.json",
        "{\n  \"标题\": [1,, 2]\n}",
    );
    repo.git(&["add", "-A"]);
    let run = repo.wf(&["check", "--staged"]).expect(1);
    let said = format!("{}{}", run.stdout, run.said());
    assert!(said.contains("at line 2 column 12"), "{said}");
}
