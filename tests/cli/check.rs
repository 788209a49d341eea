//! `git workflow check`: the layout rules over the index, the tree, and a range.

use crate::support::TestRepo;
use serde_json::Value;

const FLAT: &str = ".workflow/versions/v001/task_sessions/stale.yml";

#[test]
fn staged_reports_only_what_the_commit_adds_or_changes() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf(&["check"]).expect(0);
    assert_eq!(
        run.stdout, "",
        "an old repository can still commit unrelated work"
    );
    repo.write(FLAT, "task_id: stale\n");
    repo.git(&["add", FLAT]);
    let run = repo.wf(&["check", "--staged"]).expect(1);
    assert!(
        run.stdout
            .contains(&format!("{FLAT}: a flat task-session file")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("[flat-task-session]"));
    assert!(run.stdout.contains("  fix: "));
    assert_eq!(
        run.stdout.matches("[flat-task-session]").count(),
        1,
        "committed flat files are not reported"
    );
    assert!(run.stderr.contains("1 layout problem(s) found"));
}

#[test]
fn all_reports_every_tracked_path_and_json_lists_them() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let run = repo.wf(&["check", "--all", "--json"]).expect(1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["mode"], "all");
    let rules: Vec<&str> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["flat-task-session"; 4]);
    assert!(
        report["violations"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("git workflow migrate")
    );
    repo.wf(&["migrate"]).expect(0);
    let run = repo.wf(&["check", "--all"]).expect(0);
    assert!(run.stdout.contains("no layout problems"), "{}", run.stdout);
}

#[test]
fn every_rule_fires_and_each_can_be_switched_off() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/.active-WFS-login", "");
    repo.write(".workflow/WFS-login/IMPL_PLAN.md", "# Login\n");
    repo.write(".workflow/.archives/manifest.json", "[]\n");
    repo.write(
        ".workflow/versions/v001/task_sessions/half/session.yml",
        "task_id: half\n",
    );
    repo.write(".workflow/project.json", "{\"project_name\": \n");
    repo.write(FLAT, "task_id: stale\n");
    repo.git(&["add", "-A"]);
    let run = repo.wf(&["check"]).expect(1);
    for rule in [
        "active-marker",
        "legacy-session-dir",
        "legacy-archives",
        "incomplete-task-session",
        "malformed-state",
        "flat-task-session",
    ] {
        assert!(
            run.stdout.contains(&format!("[{rule}]")),
            "{rule} missing:\n{}",
            run.stdout
        );
        repo.git(&["config", &format!("workflow.check.{rule}"), "false"]);
    }
    assert!(
        run.stdout.contains(".workflow/project.json does not parse"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("half/ is a task session without task.yml, operations.log")
    );
    repo.wf(&["check"]).expect(0);
}

#[test]
fn quiet_still_shows_the_problems() {
    let repo = TestRepo::with_commit();
    repo.write(FLAT, "task_id: stale\n");
    repo.git(&["add", "-A"]);
    let run = repo.wf(&["check", "--quiet"]).expect(1);
    assert!(run.stdout.contains(FLAT), "{}", run.stdout);
}

#[test]
fn range_finds_a_violation_two_commits_back() {
    let repo = TestRepo::with_commit();
    let base = repo.rev("HEAD");
    repo.write(FLAT, "task_id: stale\n");
    repo.commit_all("an agent with a stale prompt");
    let bad = repo.rev("HEAD");
    repo.write("a.txt", "a\n");
    repo.commit_all("later one");
    repo.write("b.txt", "b\n");
    repo.commit_all("later two");
    let run = repo
        .wf(&["check", "--range", &format!("{base}..HEAD")])
        .expect(1);
    assert!(
        run.stdout.contains(&format!("{}: {FLAT}", &bad[..7])),
        "{}",
        run.stdout
    );
    let report: Value = serde_json::from_str(
        &repo
            .wf(&["check", "--range", &format!("{base}..HEAD"), "--json"])
            .expect(1)
            .stdout,
    )
    .unwrap();
    assert_eq!(
        report["violations"][0]["commit"].as_str(),
        Some(bad.as_str())
    );
    repo.wf(&["check", "--range", &format!("{bad}..HEAD")])
        .expect(0);
    repo.wf(&["check", "--range", "nope..HEAD"]).expect(2);
}

#[test]
fn a_pre_receive_hook_rejects_a_push_that_brings_old_layouts() {
    let repo = TestRepo::with_commit();
    let server = repo.scratch().join("server.git");
    repo.git(&["init", "-q", "--bare", server.to_str().unwrap()]);
    let hook = server.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nwhile read old new ref; do\n  '{}' check --range \"$old..$new\" || exit 1\ndone\n",
            env!("CARGO_BIN_EXE_git-workflow")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    repo.git(&["push", "-q", server.to_str().unwrap(), "main"]);
    repo.write(FLAT, "task_id: stale\n");
    repo.commit_all("stale");
    let push = repo.git_run(&["push", "-q", server.to_str().unwrap(), "main"]);
    assert_ne!(push.code, Some(0), "the push went through");
    assert!(push.stderr.contains(FLAT), "{}", push.stderr);
    let push = repo.git_run(&[
        "push",
        "-q",
        server.to_str().unwrap(),
        "main:refs/heads/new-branch",
    ]);
    assert_ne!(push.code, Some(0), "a new branch is checked too");
}
