//! The pre-commit hook, driven by real `git commit`.

use crate::support::TestRepo;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const FLAT: &str = ".workflow/versions/v001/task_sessions/stale.yml";

fn write_hook(path: &Path, body: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn stage_flat(repo: &TestRepo) {
    repo.write(FLAT, "task_id: stale\n");
    repo.git(&["add", FLAT]);
}

#[test]
fn a_commit_with_a_flat_session_is_stopped_with_the_path_and_the_fix() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["hooks", "install"]).expect(0);
    assert!(run.stdout.contains("installed"), "{}", run.stdout);
    let before = repo.rev("HEAD");
    stage_flat(&repo);
    let commit = repo.git_run(&["commit", "-q", "-m", "stale"]);
    assert_ne!(commit.code, Some(0));
    assert!(
        commit.stderr.contains(FLAT) && commit.stderr.contains("fix: "),
        "{}",
        commit.stderr
    );
    assert_eq!(repo.rev("HEAD"), before);
}

#[test]
fn git_workflow_skip_lets_one_commit_through() {
    let repo = TestRepo::with_commit();
    repo.wf(&["hooks", "install"]).expect(0);
    stage_flat(&repo);
    let mut cmd = crate::support::hermetic("git", &repo.home());
    let out = cmd
        .current_dir(repo.path())
        .env("GIT_WORKFLOW_SKIP", "1")
        .args(["commit", "-q", "-m", "on purpose"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unrelated_commit_in_an_old_repository_passes() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["hooks", "install"]).expect(0);
    repo.write("README.md", "more\n");
    repo.git(&["commit", "-q", "-a", "-m", "unrelated"]);
}

#[test]
fn commit_a_and_partial_commits_are_checked_on_what_they_commit() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/project.json", "{\"project_name\": \"x\"}\n");
    repo.commit_all("state");
    repo.wf(&["hooks", "install"]).expect(0);
    repo.write(".workflow/project.json", "{broken\n");
    let all = repo.git_run(&["commit", "-q", "-a", "-m", "everything"]);
    assert_ne!(all.code, Some(0), "commit -a includes the broken file");
    assert!(
        all.stderr.contains(".workflow/project.json does not parse"),
        "{}",
        all.stderr
    );
    repo.seed_project();
    repo.git(&["add", ".workflow/project.json"]);
    repo.write("README.md", "partial\n");
    repo.git(&["commit", "-q", "-m", "only the readme", "README.md"]);
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=", "HEAD"]),
        "README.md\n"
    );
}

#[test]
fn an_existing_hook_runs_first_and_its_failure_still_blocks() {
    let repo = TestRepo::with_commit();
    let hooks = repo.path().join(".git/hooks");
    let original = "#!/bin/sh\necho custom hook ran\n[ ! -e block ] || exit 7\n";
    write_hook(&hooks.join("pre-commit"), original);
    let run = repo.wf(&["hooks", "install"]).expect(0);
    assert!(run.stdout.contains("pre-commit.legacy"), "{}", run.stdout);
    repo.write("block", "");
    repo.git(&["add", "block"]);
    let blocked = repo.git_run(&["commit", "-q", "-m", "blocked"]);
    assert_ne!(blocked.code, Some(0));
    assert!(
        blocked.stderr.contains("custom hook ran"),
        "git sends a hook's output to stderr: {}",
        blocked.stderr
    );
    repo.git(&["rm", "-q", "--cached", "block"]);
    fs::remove_file(repo.path().join("block")).unwrap();
    stage_flat(&repo);
    let stopped = repo.git_run(&["commit", "-q", "-m", "stale"]);
    assert_ne!(stopped.code, Some(0));
    assert!(
        stopped.stderr.contains("custom hook ran") && stopped.stderr.contains(FLAT),
        "{}",
        stopped.stderr
    );
    let run = repo.wf(&["hooks", "uninstall"]).expect(0);
    assert!(run.stdout.contains("earlier hook again"));
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        original,
        "restored byte for byte"
    );
    assert_eq!(
        fs::metadata(hooks.join("pre-commit"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o755
    );
    assert!(!hooks.join("pre-commit.legacy").exists());
}

#[test]
fn install_is_idempotent_and_uninstall_touches_only_ours() {
    let repo = TestRepo::with_commit();
    repo.wf(&["hooks", "install"]).expect(0);
    let hook = repo.path().join(".git/hooks/pre-commit");
    let first = fs::read(&hook).unwrap();
    let run = repo.wf(&["hooks", "install"]).expect(0);
    assert!(run.stdout.contains("already installed"));
    assert_eq!(fs::read(&hook).unwrap(), first);
    assert!(!first.contains(&b'\r'), "LF line endings");
    assert!(first.starts_with(b"#!/bin/sh\n"));
    let status = repo.wf(&["hooks", "status"]).expect(0);
    assert!(
        status.stdout.contains("pre-commit: ours, calling "),
        "{}",
        status.stdout
    );
    repo.wf(&["hooks", "uninstall"]).expect(0);
    assert!(!hook.exists());
    write_hook(&hook, "#!/bin/sh\nexit 0\n");
    let run = repo.wf(&["hooks", "uninstall"]).expect(0);
    assert!(run.stdout.contains("not installed"));
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\nexit 0\n");
}

#[test]
fn a_foreign_hook_and_a_legacy_hook_together_are_not_overwritten() {
    let repo = TestRepo::with_commit();
    let hooks = repo.path().join(".git/hooks");
    write_hook(&hooks.join("pre-commit"), "#!/bin/sh\necho mine\n");
    write_hook(&hooks.join("pre-commit.legacy"), "#!/bin/sh\necho older\n");
    let run = repo.wf(&["hooks", "install"]).expect(1);
    assert!(
        run.stderr.contains("pre-commit.legacy already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit.legacy")).unwrap(),
        "#!/bin/sh\necho older\n"
    );
}

#[test]
fn linked_worktrees_share_the_hook() {
    let repo = TestRepo::with_commit();
    repo.git(&["worktree", "add", "-q", "-b", "side", "../linked"]);
    let linked = repo.scratch().join("linked");
    repo.wf_in(&linked, &["hooks", "install"], &[]).expect(0);
    assert!(
        repo.path().join(".git/hooks/pre-commit").exists(),
        "installed in the common git dir"
    );
    fs::create_dir_all(linked.join(".workflow/versions/v001/task_sessions")).unwrap();
    fs::write(linked.join(FLAT), "task_id: stale\n").unwrap();
    let l = linked.to_str().unwrap();
    repo.git(&["-C", l, "add", FLAT]);
    let commit = repo.git_run(&["-C", l, "commit", "-q", "-m", "stale"]);
    assert_ne!(commit.code, Some(0));
    assert!(commit.stderr.contains(FLAT), "{}", commit.stderr);
}

#[test]
fn a_hooks_path_beside_the_work_tree_or_under_home_is_where_git_looks() {
    for (value, expected) in [
        ("../beside", "beside"),
        ("~", "home"),
        ("~/hooks", "home/hooks"),
    ] {
        let repo = TestRepo::with_commit();
        repo.git(&["config", "core.hooksPath", value]);
        let git_says = repo.git(&["rev-parse", "--git-path", "hooks"]);
        let run = repo.wf(&["hooks", "install"]).expect(0);
        let dir = repo.scratch().join(expected);
        assert!(dir.join("pre-commit").exists(), "{value}: {}", run.stdout);
        assert_eq!(
            std::fs::canonicalize(repo.path().join(git_says.trim())).unwrap(),
            std::fs::canonicalize(&dir).unwrap(),
            "{value}: the folder git runs hooks from"
        );
        stage_flat(&repo);
        assert_ne!(repo.git_run(&["commit", "-q", "-m", "stale"]).code, Some(0));
    }
}

#[test]
fn core_hooks_path_is_where_the_hook_goes() {
    let repo = TestRepo::with_commit();
    let outside = repo.scratch().join("shared-hooks");
    repo.git(&["config", "core.hooksPath", outside.to_str().unwrap()]);
    repo.wf(&["hooks", "install"]).expect(0);
    assert!(outside.join("pre-commit").exists());
    stage_flat(&repo);
    assert_ne!(repo.git_run(&["commit", "-q", "-m", "stale"]).code, Some(0));

    let repo = TestRepo::with_commit();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let run = repo.wf(&["hooks", "install"]).expect(1);
    assert!(
        run.stderr.contains("points into the work tree"),
        "{}",
        run.stderr
    );
    assert!(!repo.exists(".githooks/pre-commit"));
    repo.wf(&["hooks", "install", "--force"]).expect(0);
    assert!(repo.exists(".githooks/pre-commit"));
    stage_flat(&repo);
    assert_ne!(repo.git_run(&["commit", "-q", "-m", "stale"]).code, Some(0));

    repo.git(&["config", "core.hooksPath", ""]);
    let run = repo.wf(&["hooks", "install"]).expect(1);
    assert!(
        run.stderr.contains("core.hooksPath is set but empty"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_hook_fails_closed_when_the_binary_is_gone() {
    let repo = TestRepo::with_commit();
    let copy = repo.scratch().join("bin dir/it's git-workflow");
    fs::create_dir_all(copy.parent().unwrap()).unwrap();
    fs::copy(env!("CARGO_BIN_EXE_git-workflow"), &copy).unwrap();
    let out = crate::support::hermetic(&copy, &repo.home())
        .current_dir(repo.path())
        .args(["hooks", "install"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.write("README.md", "fine\n");
    repo.git(&[
        "commit",
        "-q",
        "-a",
        "-m",
        "path with spaces and quotes works",
    ]);
    fs::remove_file(&copy).unwrap();
    repo.write("README.md", "again\n");
    let commit = repo.git_run(&["commit", "-q", "-a", "-m", "no binary"]);
    assert_ne!(commit.code, Some(0), "fails closed");
    assert!(
        commit.stderr.contains("not installed") && commit.stderr.contains("GIT_WORKFLOW_SKIP=1"),
        "{}",
        commit.stderr
    );
}

#[test]
fn manual_prints_what_to_add_and_writes_nothing() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["hooks", "install", "--manual"]).expect(0);
    assert!(
        run.stdout.contains("check --staged || exit 1"),
        "{}",
        run.stdout
    );
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
}

#[test]
fn status_says_whether_the_hook_is_installed() {
    let repo = TestRepo::with_commit();
    assert!(
        repo.wf(&["status"])
            .expect(0)
            .stdout
            .contains("pre-commit hook: not installed")
    );
    repo.wf(&["hooks", "install"]).expect(0);
    assert!(
        repo.wf(&["status"])
            .expect(0)
            .stdout
            .contains("pre-commit hook: installed")
    );
}
