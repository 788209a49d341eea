//! Real data, round three (issue 34): what twenty-seven public repositories and their
//! users showed, each case built the way those repositories hold it and driven
//! through the real binary and real git; JSON positions compared with what node's
//! own `JSON.parse` reports on the same bytes.

use crate::support::{TestRepo, hermetic};
use serde_json::Value;
use std::process::Command;

const A: &str = ".workflow/active/WFS-a";
const B: &str = ".workflow/active/WFS-b";

/// A JSON file as a test reads it: its byte-order mark dropped, and the lone
/// surrogates these tests write (which serde refuses) read as `?`.
fn json(text: &str) -> Value {
    let mut text = text.trim_start_matches('\u{FEFF}').to_string();
    for lone in ["\\ud83d", "\\udc00", "\\ud800"] {
        text = text.replace(lone, "?");
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn last_entry(repo: &TestRepo) -> Value {
    let manifest = json(&repo.read(".workflow/archives/manifest.json"));
    let list = match &manifest {
        Value::Array(list) => list.clone(),
        other => other["archives"].as_array().unwrap().clone(),
    };
    list.last().unwrap().clone()
}

/// The tree `git write-tree` writes from the index, one `ls-tree -r` line per file,
/// asserted to list exactly what `git ls-files -s` lists: a cache tree that vouches
/// for entries the index does not hold would make git write another tree.
fn tree_written_from_the_index(repo: &TestRepo) -> Vec<String> {
    let staged: Vec<String> = repo
        .git(&["ls-files", "-s"])
        .lines()
        .map(|l| l.replacen(" 0\t", "\t", 1).replacen(' ', " blob ", 1))
        .collect();
    let tree = repo.git(&["write-tree"]);
    let written: Vec<String> = repo
        .git(&["ls-tree", "-r", tree.trim()])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(written, staged, "the index's cache tree tells the truth");
    written
}

/// A session with one completed task and one summary, as CCW 7 leaves it.
fn session(repo: &TestRepo, folder: &str, session_json: &str) {
    repo.write(&format!("{folder}/workflow-session.json"), session_json);
    repo.write(
        &format!("{folder}/IMPL_PLAN.md"),
        "# 用户登录 API\n\nAdd the login api with tests.\n",
    );
    repo.write(
        &format!("{folder}/.task/IMPL-1.json"),
        "{\"id\": \"IMPL-1\", \"status\": \"completed\"}",
    );
    repo.write(
        &format!("{folder}/.summaries/IMPL-1-summary.md"),
        "完成。\n",
    );
}

#[test]
fn byte_order_marks_and_lone_surrogates_complete_as_check_reads_them() {
    let repo = TestRepo::with_commit();
    let bom = "\u{FEFF}";
    session(
        &repo,
        A,
        &format!(
            "{bom}{{\n  \"session_id\": \"WFS-a\",\n  \"description\": \"cut emoji \\ud83d\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-12-16T10:00:00.000Z\"\n}}"
        ),
    );
    repo.write(
        ".workflow/archives/manifest.json",
        &format!(
            "{bom}[\n  {{\n    \"session_id\": \"WFS-old\",\n    \"description\": \"\\udc00 half\",\n    \"archived_at\": \"2025-12-01T00:00:00.000Z\",\n    \"metrics\": {{\"tasks_completed\": 1}}\n  }}\n]"
        ),
    );
    repo.write(
        ".workflow/project-tech.json",
        &format!("{bom}{{\n  \"project_name\": \"p \\ud800\",\n  \"statistics\": {{}}\n}}"),
    );
    repo.write(
        ".workflow/project.json",
        &format!(
            "{bom}{{\n  \"project_name\": \"p\",\n  \"features\": [],\n  \"statistics\": {{\"total_sessions\": 0, \"last_updated\": \"2025-12-01T00:00:00\"}}\n}}"
        ),
    );
    repo.commit_all("state with byte-order marks");
    repo.wf(&["check", "--all"]).expect(0);
    repo.wf(&["session", "list"]).expect(0);
    repo.wf(&["session", "complete", "WFS-a"]).expect(0);
    for path in [
        ".workflow/archives/WFS-a/workflow-session.json",
        ".workflow/archives/manifest.json",
        ".workflow/project-tech.json",
        ".workflow/project.json",
    ] {
        let text = repo.read(path);
        assert!(text.starts_with(bom), "{path} keeps its byte-order mark");
    }
    let session = repo.read(".workflow/archives/WFS-a/workflow-session.json");
    assert!(
        session.contains("cut emoji \\ud83d"),
        "escape kept: {session}"
    );
    assert!(session.contains("\"status\": \"completed\""), "{session}");
    assert_eq!(last_entry(&repo)["session_id"], "WFS-a");
    let tech = json(&repo.read(".workflow/project-tech.json"));
    assert_eq!(
        tech["development_index"]["enhancement"][0]["sessionId"],
        "WFS-a"
    );
    let project = json(&repo.read(".workflow/project.json"));
    assert_eq!(project["statistics"]["total_sessions"], 1);
    repo.wf(&["rollback"]).expect(0);
    assert!(
        repo.read(&format!("{A}/workflow-session.json"))
            .starts_with(bom)
    );
}

#[test]
fn an_ignored_session_is_counted_and_its_uncommitted_files_are_named() {
    let repo = TestRepo::with_commit();
    repo.seed_project();
    repo.commit_all("ccw state");
    repo.write(".gitignore", ".workflow/\n");
    repo.commit_all("ignore agent state");
    session(
        &repo,
        A,
        "{\n  \"session_id\": \"WFS-a\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-12-16T10:00:00\"\n}",
    );
    let list = repo.wf(&["session", "list"]).expect(0).stdout;
    assert!(list.contains("tasks 1/1"), "{list}");
    let run = repo.wf(&["session", "complete"]).expect(0);
    let entry = last_entry(&repo);
    assert_eq!(entry["metrics"]["tasks_completed"], 1, "{entry}");
    assert_eq!(entry["metrics"]["summaries_generated"], 1, "{entry}");
    assert_eq!(
        entry["tags"],
        serde_json::json!(["auth", "api", "test"]),
        "{entry}"
    );
    let project = json(&repo.read(".workflow/project.json"));
    assert_eq!(project["features"][0]["title"], "用户登录 API");
    assert!(
        run.stderr.contains(
            "3 files of .workflow/active/WFS-a/ are ignored by .gitignore and never committed"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(".workflow/active/WFS-a/IMPL_PLAN.md"),
        "{}",
        run.stderr
    );
    assert!(
        repo.exists(".workflow/archives/WFS-a/IMPL_PLAN.md"),
        "moved with the folder"
    );
    assert!(!repo.exists(A));
}

#[test]
fn another_sessions_uncommitted_work_neither_blocks_nor_joins_a_completion() {
    let repo = TestRepo::with_commit();
    session(
        &repo,
        A,
        "{\"session_id\": \"WFS-a\", \"status\": \"active\"}",
    );
    session(
        &repo,
        B,
        "{\"session_id\": \"WFS-b\", \"status\": \"active\"}",
    );
    repo.commit_all("two sessions");
    repo.write(
        &format!("{B}/IMPL_PLAN.md"),
        "# b, rewritten by its agent\n",
    );
    repo.write(&format!("{B}/.task/IMPL-2.json"), "{\"id\": \"IMPL-2\"}");
    repo.git(&["add", &format!("{B}/.task/IMPL-2.json")]);
    let before = repo.status();
    repo.wf(&["session", "complete", "WFS-a"]).expect(0);
    assert_eq!(repo.status(), before, "WFS-b's work is as it was");
    let committed = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(!committed.contains("WFS-b"), "{committed}");
    assert!(
        repo.git(&["diff", "--cached", "--name-only"])
            .contains("IMPL-2.json"),
        "still staged"
    );
    let written = tree_written_from_the_index(&repo);
    assert!(
        written
            .iter()
            .any(|l| l.ends_with(&format!("{B}/.task/IMPL-2.json"))),
        "{written:?}"
    );

    repo.write(".workflow/archives/manifest.json", "[]\n");
    repo.write(
        &format!("{B}/workflow-session.json"),
        "{\"status\": \"active\"}",
    );
    let head = repo.rev("HEAD");
    let run = repo.wf(&["session", "complete", "WFS-b"]).expect(1);
    assert!(
        run.stderr
            .contains(".workflow/archives/manifest.json (modified)"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), head);
}

#[test]
fn an_ignored_manifest_that_was_never_committed_is_not_replaced() {
    let repo = TestRepo::with_commit();
    session(
        &repo,
        A,
        "{\"session_id\": \"WFS-a\", \"status\": \"active\"}",
    );
    repo.commit_all("session");
    repo.write(".gitignore", ".workflow/archives/manifest.json\n");
    repo.commit_all("ignore the manifest");
    repo.write(
        ".workflow/archives/manifest.json",
        "[{\"session_id\": \"WFS-by-ccw\"}]",
    );
    let run = repo.wf(&["session", "complete", "--dry-run"]).expect(1);
    assert!(
        run.stderr
            .contains(".workflow/archives/manifest.json (ignored and never committed)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("git add -f .workflow/archives/manifest.json"),
        "{}",
        run.stderr
    );
    assert!(
        repo.read(".workflow/archives/manifest.json")
            .contains("WFS-by-ccw")
    );
}

#[test]
fn a_marked_old_layout_session_is_shown_active() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-x/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(".workflow/.active-WFS-x", "");
    repo.write(
        ".workflow/WFS-y/workflow-session.json",
        "{\"status\": \"paused\"}",
    );
    repo.commit_all("old layout");
    let list: Value = json(&repo.wf(&["session", "list", "--json"]).expect(0).stdout);
    let state = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["session_id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("WFS-x"), "active, old layout");
    assert_eq!(state("WFS-y"), "inactive, old layout");
    let status = repo.wf(&["status"]).expect(0).stdout;
    assert!(status.contains("active, old layout"), "{status}");
    let status: Value = json(&repo.wf(&["status", "--json"]).expect(0).stdout);
    assert_eq!(
        status["ccw"]["sessions"]["old"]["active, old layout"], 1,
        "{status}"
    );
}

#[test]
fn a_manifest_mixing_schemas_gets_an_entry_in_its_last_entrys_keys_and_scale() {
    let repo = TestRepo::with_commit();
    session(
        &repo,
        A,
        "{\"session_id\": \"WFS-a\", \"status\": \"active\", \"created_at\": \"2025-12-16\"}",
    );
    repo.write(
        &format!("{A}/.task/IMPL-2.json"),
        "{\"id\": \"IMPL-2\", \"status\": \"pending\"}",
    );
    repo.write(
        ".workflow/archives/manifest.json",
        "{\n  \"archives\": [\n    {\n      \"session_id\": \"WFS-old\",\n      \"metrics\": {\n        \"tasks_completed\": 3,\n        \"success_rate\": 1.0\n      }\n    }\n  ]\n}",
    );
    repo.commit_all("mixed manifest");
    repo.wf(&["session", "complete"]).expect(0);
    let metrics = last_entry(&repo)["metrics"].clone();
    assert_eq!(metrics["tasks_completed"], 2, "{metrics}");
    assert_eq!(
        metrics["success_rate"], 0.5,
        "a fraction, as the file writes it"
    );
    assert!(metrics.get("task_count").is_none(), "{metrics}");
}

#[test]
fn timestamps_keep_the_files_own_offset() {
    let repo = TestRepo::with_commit();
    session(
        &repo,
        A,
        "{\n  \"session_id\": \"WFS-a\",\n  \"status\": \"active\",\n  \"created_at\": \"2026-01-02T11:04:05+08:00\"\n}",
    );
    repo.commit_all("session in +08:00");
    repo.wf(&["session", "complete"]).expect(0);
    let session = json(&repo.read(".workflow/archives/WFS-a/workflow-session.json"));
    assert_eq!(session["completed_at"], "2025-12-16T20:00:00+08:00");
    assert_eq!(session["archived_at"], "2025-12-16T20:00:00+08:00");
}

/// Where node's `JSON.parse` stops on `bytes`, as `line L column C` counted from 1
/// in UTF-16 code units (its `position`, or the end when it ran out of input).
fn node_position(repo: &TestRepo, bytes: &[u8]) -> String {
    let file = repo.scratch().join("probe.json");
    std::fs::write(&file, bytes).unwrap();
    let script = r#"
const text = require('fs').readFileSync(process.argv[1], 'utf8');
try { JSON.parse(text); console.log('valid'); } catch (e) {
  const m = /at position (\d+)/.exec(e.message);
  const at = m ? Number(m[1]) : text.length;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1) + 1;
  console.log(`line ${line} column ${column}`);
}"#;
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&file)
        .output()
        .expect("node runs (the CI installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn json_error_positions_are_the_ones_json_parse_reports() {
    let repo = TestRepo::with_commit();
    let padding = "  \"k\": \"value\",\n".repeat(3);
    let cases: Vec<(&str, String)> = vec![
        (
            "a control character in a string",
            format!("{{\n{padding}  \"a\": \"line\nbreak\"\n}}"),
        ),
        (
            "a missing comma",
            format!("{{\n{padding}  \"a\": 1\n  \"b\": 2\n}}"),
        ),
        (
            "a missing bracket after CJK and an emoji",
            format!("{{\n{padding}  \"标题😀\": [1, 2\n}}"),
        ),
        (
            "an emoji before a missing bracket",
            "{\n  \"😀\": [1, 2 \"x\"]\n}".to_string(),
        ),
        ("the end of the text", format!("{{\n{padding}  \"a\": 1")),
        ("a tab in a string", "{\"a\": \"x\ty\"}".to_string()),
    ];
    for (n, (what, text)) in cases.iter().enumerate() {
        let path = format!(".workflow/active/WFS-case{n}/workflow-session.json");
        repo.write(&path, text);
        let expected = node_position(&repo, text.as_bytes());
        assert!(expected.starts_with("line"), "{what}: node says {expected}");
        repo.git(&["add", "-A"]);
        let run = repo.wf(&["check", "--staged"]).expect(1);
        let said = run.said();
        let ours = said
            .lines()
            .find(|l| l.starts_with(&path))
            .unwrap_or_else(|| panic!("{what}: {said}"));
        assert!(
            ours.contains(&format!("at {expected} [malformed-state]")),
            "{what}: node says {expected}, we say {ours}"
        );
        repo.git(&["rm", "-q", "--cached", &path]);
        std::fs::remove_file(repo.path().join(&path)).unwrap();
    }
}

#[test]
fn an_inactive_old_session_without_its_file_stays_inactive_after_migrate() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/WFS-idle/IMPL_PLAN.md", "# idle\n");
    repo.write(".workflow/WFS-busy/IMPL_PLAN.md", "# busy\n");
    repo.write(".workflow/.active-WFS-busy", "");
    repo.commit_all("old layout");
    let run = repo.wf(&["migrate"]).expect(0);
    let log = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        log.contains("a new one says \"paused\""),
        "{log}\n{}",
        run.stdout
    );
    let written = json(&repo.read(".workflow/active/WFS-idle/workflow-session.json"));
    assert_eq!(written["status"], "paused");
    assert!(!repo.exists(".workflow/active/WFS-busy/workflow-session.json"));
    let list = repo.wf(&["session", "list"]).expect(0).stdout;
    let idle = list.lines().find(|l| l.starts_with("WFS-idle")).unwrap();
    assert!(idle.contains("paused"), "{list}");
    repo.wf(&["rollback"]).expect(0);
    assert!(!repo.exists(".workflow/WFS-idle/workflow-session.json"));
}

#[test]
fn a_description_in_chinese_gets_a_dated_id_or_the_one_asked_for() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["session", "start", "实现用户登录"]).expect(0);
    assert!(
        run.stdout
            .contains("started WFS-session-2025-12-16 in .workflow/active/WFS-session-2025-12-16/"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("--id WFS-<name>"), "{}", run.stderr);
    let session = json(&repo.read(".workflow/active/WFS-session-2025-12-16/workflow-session.json"));
    assert_eq!(session["description"], "实现用户登录");
    let again = repo.wf(&["session", "start", "修复缺陷"]).expect(0);
    assert!(
        again.stdout.contains("WFS-session-2025-12-16-2"),
        "{}",
        again.stdout
    );
    let chosen = repo
        .wf(&["session", "start", "实现用户登录", "--id", "WFS-login"])
        .expect(0);
    assert!(
        chosen.stdout.contains("started WFS-login in"),
        "{}",
        chosen.stdout
    );
    assert!(chosen.stderr.is_empty(), "{}", chosen.stderr);
    let taken = repo
        .wf(&["session", "start", "x", "--id", "WFS-LOGIN"])
        .expect(1);
    assert!(taken.stderr.contains("exists already"), "{}", taken.stderr);
    let bad = repo
        .wf(&["session", "start", "x", "--id", "WFS-a/b"])
        .expect(2);
    assert!(bad.stderr.contains("--id WFS-a/b"), "{}", bad.stderr);
    let sessions = std::fs::read_dir(repo.path().join(".workflow/active"))
        .unwrap()
        .count();
    assert_eq!(sessions, 3, "the refused ids wrote nothing");
}

#[test]
fn adopt_then_a_refused_migration_commits_nothing() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-twice/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(
        ".workflow/active/WFS-twice/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    let head = repo.rev("HEAD");
    let dry = repo.wf(&["migrate", "--adopt", "--dry-run"]).expect(1);
    assert!(
        dry.stderr.contains("WFS-twice is in two places"),
        "{}",
        dry.stderr
    );
    let run = repo.wf(&["migrate", "--adopt", "--json"]).expect(1);
    assert_eq!(repo.rev("HEAD"), head, "no adopt commit either");
    assert!(
        run.stderr.contains("WFS-twice is in two places"),
        "{}",
        run.stderr
    );
    let report = json(&run.stdout);
    assert_eq!(report["adopt"]["status"], "not run", "{report}");
    assert!(report["adopt"]["commit"].is_null());
    assert!(repo.status().contains("?? .workflow/"), "{}", repo.status());
}

#[test]
fn adopting_a_session_file_git_lfs_would_store_as_a_pointer_commits_nothing() {
    let repo = TestRepo::with_commit();
    repo.git(&["lfs", "install", "--local"]);
    repo.write(
        ".gitattributes",
        ".workflow/**/*.yml filter=lfs diff=lfs merge=lfs -text\n",
    );
    repo.commit_all("track state with lfs");
    repo.write(
        ".workflow/versions/v001/task_sessions/task_a.yml",
        "task_id: task_a\nstatus: pending\n",
    );
    let head = repo.rev("HEAD");
    let run = repo.wf(&["migrate", "--adopt"]).expect(1);
    assert!(
        run.stderr.contains("is committed as a git-lfs pointer"),
        "{}",
        run.stderr
    );
    assert!(!run.said().contains("adopt: committed"), "{}", run.said());
    assert_eq!(repo.rev("HEAD"), head, "the adopt commit was not made");
}

#[test]
fn one_id_in_two_places_is_refused_with_or_without_the_id() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/sessions/WFS-x/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(
        ".workflow/active/WFS-x/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.commit_all("one id twice");
    let without = repo.wf(&["session", "complete"]).expect(1);
    let with = repo.wf(&["session", "complete", "WFS-x"]).expect(1);
    for run in [&without, &with] {
        assert!(
            run.stderr.contains(
                "WFS-x is in 2 places: .workflow/active/WFS-x/ and .workflow/sessions/WFS-x/"
            ),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("WFS-x, WFS-x"), "{}", run.stderr);
    }
}

#[test]
fn a_migrated_session_leaves_no_empty_folder_behind_either_way() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-x/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(".workflow/.active-WFS-x", "");
    repo.commit_all("old layout");
    for empty in [".process", ".summaries", ".task/sub"] {
        std::fs::create_dir_all(repo.path().join(".workflow/WFS-x").join(empty)).unwrap();
    }
    repo.wf(&["migrate"]).expect(0);
    assert!(
        !repo.exists(".workflow/WFS-x"),
        "no ghost in the old layout"
    );
    assert!(
        repo.exists(".workflow/active/WFS-x/.task/sub"),
        "moved as git mv moves it"
    );
    repo.wf(&["session", "complete", "--dry-run"]).expect(0);
    repo.wf(&["rollback"]).expect(0);
    assert!(
        !repo.exists(".workflow/active/WFS-x"),
        "no ghost in active/"
    );
    assert!(repo.exists(".workflow/WFS-x/.process"));
    let list = repo.wf(&["session", "list"]).expect(0).stdout;
    assert!(!list.contains("also at"), "{list}");
}

#[test]
fn an_error_written_to_a_closed_stderr_exits_quietly() {
    let repo = TestRepo::with_commit();
    let binary = env!("CARGO_BIN_EXE_git-workflow");
    let script = "(sleep 0.5; exec \"$0\" session complete WFS-none) 2>&1 >/dev/null | true; echo \"exit ${PIPESTATUS[0]}\"";
    let out = hermetic("bash", &repo.home())
        .current_dir(repo.path())
        .args(["-c", script, binary])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        said.trim(),
        "exit 1",
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn words_say_what_happens() {
    let repo = TestRepo::with_commit();
    for args in [&["session", "--help"][..], &["session", "start", "--help"]] {
        let help = repo.wf(args).expect(0).stdout;
        assert!(!help.contains("sessions/WFS-<slug>/"), "{help}");
        assert!(help.contains("active/WFS-<slug>/"), "{help}");
    }
    repo.write(
        &format!("{A}/workflow-session.json"),
        "{\"status\": \"active\"}",
    );
    repo.commit_all("one file");
    repo.write(&format!("{A}/.task/IMPL-1.json"), "{\"id\": ");
    let run = repo.wf(&["session", "complete"]).expect(0);
    assert!(!run.stderr.contains("success_rate"), "{}", run.stderr);
    assert!(
        run.stderr.contains("it is counted as a task"),
        "{}",
        run.stderr
    );
    let body = repo.git(&["log", "-1", "--format=%B"]);
    assert!(body.contains("(2 files)"), "{body}");
    let record = repo.git(&["log", "-1", "--skip=1", "--format=%B"]);
    assert!(
        record.contains("Commit the 1 uncommitted change of"),
        "{record}"
    );
    repo.write(".workflow/maestro/sessions/s1/session.json", "{}");
    repo.commit_all("another tool's folder");
    let migrate = repo.wf(&["migrate"]).expect(0).stdout;
    assert!(!migrate.contains("current layout"), "{migrate}");
}

#[test]
fn a_file_committed_into_a_moved_folder_since_stays_tracked_through_a_rollback() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-a/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    repo.write(".workflow/.active-WFS-a", "");
    repo.commit_all("old layout");
    repo.wf(&["migrate"]).expect(0);
    let migration = repo.rev("HEAD");
    repo.write(
        ".workflow/active/WFS-a/.summaries/IMPL-2-summary.md",
        "done\n",
    );
    repo.commit_all("an agent's summary");
    repo.wf(&["rollback", &migration]).expect(0);
    assert!(repo.exists(".workflow/active/WFS-a/.summaries/IMPL-2-summary.md"));
    assert_eq!(repo.status(), "", "the summary is where git has it");
    tree_written_from_the_index(&repo);
    repo.write("README.md", "edited\n");
    repo.git(&["commit", "-q", "-a", "-m", "an edit"]);
    let files = repo.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(files.contains("README.md"), "{files}");
    assert!(files.contains("IMPL-2-summary.md"), "{files}");
}

#[test]
fn rolling_back_a_record_moves_nothing_in_the_work_tree() {
    let repo = TestRepo::with_commit();
    repo.write(
        &format!("{A}/workflow-session.json"),
        "{\"status\": \"active\"}",
    );
    repo.write(&format!("{A}/drafts/notes/a.md"), "a note\n");
    repo.commit_all("session");
    std::fs::create_dir_all(repo.path().join(format!("{A}/old-drafts"))).unwrap();
    std::fs::rename(
        repo.path().join(format!("{A}/drafts/notes")),
        repo.path().join(format!("{A}/old-drafts/notes")),
    )
    .unwrap();
    repo.wf(&["session", "complete"]).expect(0);
    repo.wf(&["rollback"]).expect(0);
    repo.wf(&["rollback"]).expect(0);
    assert!(
        repo.exists(&format!("{A}/old-drafts/notes/a.md")),
        "{}",
        repo.status()
    );
    assert!(!repo.exists(&format!("{A}/drafts/notes/a.md")));
}

#[test]
fn an_ignored_session_file_where_the_migration_writes_one_is_refused_before_any_commit() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/WFS-idle/IMPL_PLAN.md", "# idle\n");
    repo.write(".gitignore", "workflow-session.json\n");
    repo.commit_all("old layout, session files ignored");
    repo.write(
        ".workflow/WFS-idle/workflow-session.json",
        "{\"status\": \"implementing\"}",
    );
    let head = repo.rev("HEAD");
    let run = repo.wf(&["migrate"]).expect(1);
    assert!(
        run.stderr.contains(
            ".workflow/WFS-idle/workflow-session.json is not committed (ignored or untracked)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), head);
    assert!(!repo.exists(".workflow/active"));
}

#[test]
fn adopting_into_a_folder_a_migration_would_mix_into_commits_nothing() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-a/workflow-session.json",
        "{\"status\": \"active\"}",
    );
    std::fs::create_dir_all(repo.path().join(".workflow/active/WFS-a")).unwrap();
    let head = repo.rev("HEAD");
    let run = repo.wf(&["migrate", "--adopt"]).expect(1);
    assert!(
        run.stderr
            .contains(".workflow/active/WFS-a/ exists already"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), head, "no adopt commit");
}

#[test]
fn a_manifest_untracked_by_hand_is_named_once_as_git_status_names_it() {
    let repo = TestRepo::with_commit();
    session(&repo, A, "{\"status\": \"active\"}");
    repo.write(".workflow/archives/manifest.json", "[]");
    repo.commit_all("session and manifest");
    repo.git(&["rm", "-q", "--cached", ".workflow/archives/manifest.json"]);
    repo.write(".gitignore", ".workflow/archives/manifest.json\n");
    let run = repo.wf(&["session", "complete"]).expect(1);
    assert!(
        run.stderr
            .contains("1 local change(s) that are not in HEAD would be overwritten:\n  .workflow/archives/manifest.json (staged)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("never committed"), "{}", run.stderr);
}
