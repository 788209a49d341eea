//! SPEC §6.2 with the hook managers people use, each the real tool (installed by
//! `scripts/test.sh`): the pre-commit framework, prek, husky, lefthook. `hooks install`
//! never chains behind a manager's hook; it says how to add the check that tool's
//! way, and following those words verbatim makes the tool run the check. No
//! sequence of installs by either side makes the shim run itself.

use crate::support::{Run, TestRepo};
use std::fs;

/// PATH with this binary's folder first, as a user who installed it has.
fn path_with_binary() -> String {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_git-workflow"));
    let dir = bin.parent().unwrap().display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

/// `program args…` in the repository with the binary on PATH, killed after a minute
/// (a shim that ran itself would otherwise never end).
fn run(repo: &TestRepo, program: &str, args: &[&str]) -> Run {
    let mut all = vec!["60", program];
    all.extend_from_slice(args);
    repo.run_env("timeout", &all, &[("PATH", &path_with_binary())], &[])
}

/// A flat task session: what the check rejects.
fn stage_flat_session(repo: &TestRepo) {
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    repo.git(&["add", "-A"]);
}

/// Stages a flat task session and commits it, the way the user would: the
/// manager's hook must run the check and refuse, naming the rule.
fn flat_session_commit_is_refused(repo: &TestRepo) -> Run {
    stage_flat_session(repo);
    let blocked = run(repo, "git", &["commit", "-q", "-m", "flat"]);
    assert_ne!(blocked.code, Some(0), "{}", blocked.said());
    assert!(
        blocked.said().contains("flat-task-session"),
        "{}",
        blocked.said()
    );
    blocked
}

/// The hook text the manager wrote, read back.
fn hook_text(repo: &TestRepo) -> String {
    fs::read_to_string(repo.path().join(".git/hooks/pre-commit")).unwrap_or_default()
}

/// The snippet a refusal's hint gives, as the user would paste it: the lines
/// after the first.
fn snippet(said: &str) -> String {
    let hint = said.split("hint: ").nth(1).expect("a hint");
    hint.lines().skip(1).map(|l| format!("{l}\n")).collect()
}

#[test]
fn the_pre_commit_framework_first_gets_its_own_config_entry_and_runs_the_check() {
    let repo = TestRepo::with_commit();
    repo.write(".pre-commit-config.yaml", "repos: []\n");
    repo.commit_all("pre-commit config");
    run(&repo, "pre-commit", &["install"]).expect(0);
    let theirs = hook_text(&repo);
    let refused = run(&repo, "git-workflow", &["hooks", "install"]).expect(1);
    assert!(
        refused
            .said()
            .contains("is the pre-commit framework's hook"),
        "{}",
        refused.said()
    );
    assert_eq!(hook_text(&repo), theirs, "their hook untouched");
    assert!(!repo.exists(".git/hooks/pre-commit.legacy"));
    let status = run(&repo, "git-workflow", &["hooks", "status"]).expect(0);
    assert!(
        status.stdout.contains("the pre-commit framework's hook"),
        "{}",
        status.stdout
    );
    repo.write(
        ".pre-commit-config.yaml",
        &format!("repos:\n{}", snippet(&refused.said())),
    );
    repo.git(&["add", "-A"]);
    run(&repo, "git", &["commit", "-q", "-m", "add the check"]).expect(0);
    let blocked = flat_session_commit_is_refused(&repo);
    assert_eq!(blocked.code, Some(1), "{}", blocked.said());
    let skipped = repo.run_env(
        "git",
        &["commit", "-q", "-m", "flat, skipped"],
        &[("PATH", &path_with_binary()), ("GIT_WORKFLOW_SKIP", "1")],
        &[],
    );
    assert_eq!(
        skipped.code,
        Some(0),
        "GIT_WORKFLOW_SKIP=1 works under pre-commit: {}",
        skipped.said()
    );
}

#[test]
fn ours_first_then_pre_commit_install_and_reinstalls_never_loop() {
    let repo = TestRepo::with_commit();
    repo.write(".pre-commit-config.yaml", "repos: []\n");
    repo.commit_all("pre-commit config");
    run(&repo, "git-workflow", &["hooks", "install"]).expect(0);
    run(&repo, "pre-commit", &["install"]).expect(0);
    assert!(
        repo.exists(".git/hooks/pre-commit.legacy"),
        "pre-commit kept ours (migration mode)"
    );
    let refused = run(&repo, "git-workflow", &["hooks", "install"]).expect(1);
    assert!(
        refused
            .said()
            .contains("our earlier hook is kept behind it"),
        "{}",
        refused.said()
    );
    run(&repo, "pre-commit", &["install"]).expect(0);
    let blocked = flat_session_commit_is_refused(&repo);
    assert_eq!(blocked.code, Some(1), "{}", blocked.said());
    assert_eq!(
        blocked.said().matches("[flat-task-session]").count(),
        1,
        "the check ran once: {}",
        blocked.said()
    );
    repo.git(&["reset", "-q"]);
    repo.write("notes.md", "unrelated\n");
    repo.git(&["add", "notes.md"]);
    run(&repo, "git", &["commit", "-q", "-m", "unrelated"]).expect(0);
    run(&repo, "pre-commit", &["uninstall"]).expect(0);
    let status = run(&repo, "git-workflow", &["hooks", "status"]).expect(0);
    assert!(
        status.stdout.contains("pre-commit: ours"),
        "pre-commit gave ours back: {}",
        status.stdout
    );
}

#[test]
fn prek_gets_the_same_config_entry() {
    let repo = TestRepo::with_commit();
    repo.write(".pre-commit-config.yaml", "repos: []\n");
    repo.commit_all("config");
    run(&repo, "prek", &["install"]).expect(0);
    let refused = run(&repo, "git-workflow", &["hooks", "install"]).expect(1);
    assert!(
        refused.said().contains("is prek's hook"),
        "{}",
        refused.said()
    );
    repo.write(
        ".pre-commit-config.yaml",
        &format!("repos:\n{}", snippet(&refused.said())),
    );
    repo.git(&["add", "-A"]);
    run(&repo, "git", &["commit", "-q", "-m", "add the check"]).expect(0);
    flat_session_commit_is_refused(&repo);
}

#[test]
fn lefthook_gets_its_own_command() {
    let repo = TestRepo::with_commit();
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    hello:\n      run: echo hello\n",
    );
    repo.commit_all("lefthook");
    run(&repo, "lefthook", &["install"]).expect(0);
    let refused = run(&repo, "git-workflow", &["hooks", "install"]).expect(1);
    assert!(
        refused.said().contains("is lefthook's hook"),
        "{}",
        refused.said()
    );
    repo.write(
        "lefthook.yml",
        &snippet(&refused.said())
            .lines()
            .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
            .collect::<String>(),
    );
    run(&repo, "lefthook", &["install"]).expect(0);
    flat_session_commit_is_refused(&repo);
}

#[test]
fn husky_gets_a_line_in_its_own_hook() {
    let repo = TestRepo::with_commit();
    repo.write("package.json", "{}\n");
    run(&repo, "husky", &[]).expect(0);
    repo.write(".husky/pre-commit", "");
    repo.commit_all("husky");
    let refused = run(&repo, "git-workflow", &["hooks", "install"]).expect(1);
    assert!(
        refused
            .said()
            .contains("add the check as a line of .husky/pre-commit"),
        "{}",
        refused.said()
    );
    let line = snippet(&refused.said());
    run(&repo, "sh", &["-c", line.trim()]).expect(0);
    flat_session_commit_is_refused(&repo);
}

#[test]
fn the_check_itself_honours_git_workflow_skip() {
    let repo = TestRepo::with_commit();
    stage_flat_session(&repo);
    repo.wf(&["check", "--staged"]).expect(1);
    let run = repo
        .wf_with(&["check", "--staged"], &[("GIT_WORKFLOW_SKIP", "1")])
        .expect(0);
    assert!(run.stderr.contains("GIT_WORKFLOW_SKIP=1"), "{}", run.stderr);
}

#[test]
fn this_repository_as_a_hook_source_checks_the_whole_tree_under_all_files() {
    let source = env!("CARGO_MANIFEST_DIR");
    let rev = std::process::Command::new("git")
        .args(["-C", source, "rev-parse", "HEAD"])
        .output()
        .unwrap();
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/old.yml",
        "task_id: old\n",
    );
    repo.write(
        ".pre-commit-config.yaml",
        &format!("repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n      - id: git-workflow-check-installed\n"),
    );
    repo.git(&["add", "-A"]);
    repo.run_env("git", &["commit", "-q", "-m", "old state"], &[], &[])
        .expect(0);
    run(&repo, "pre-commit", &["run"]).expect(0);
    let all = run(&repo, "pre-commit", &["run", "--all-files"]);
    assert_eq!(all.code, Some(1), "{}", all.said());
    assert!(
        all.said().contains("old.yml") && all.said().contains("flat-task-session"),
        "{}",
        all.said()
    );
}

#[test]
fn the_readme_gives_each_manager_the_words_hooks_install_gives() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let flat = |text: &str| {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let readme = flat(&readme);
    let repo = TestRepo::with_commit();
    repo.write(".pre-commit-config.yaml", "repos: []\n");
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    hello:\n      run: echo hello\n",
    );
    repo.commit_all("config");
    for (tool, args) in [
        ("pre-commit", &["install"][..]),
        ("lefthook", &["install", "--force"][..]),
    ] {
        run(&repo, tool, args).expect(0);
        let refused = run(&repo, "git-workflow", &["hooks", "install"]).expect(1);
        let words = flat(&snippet(&refused.said()));
        assert!(
            readme.contains(&words),
            "README.md lacks, verbatim:\n{words}"
        );
        fs::remove_file(repo.path().join(".git/hooks/pre-commit")).unwrap();
    }
    assert!(readme.contains("echo 'git-workflow check --staged' >> .husky/pre-commit"));
}
