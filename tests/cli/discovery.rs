//! The repository is found as git finds it.

use crate::support::TestRepo;

#[test]
fn runs_from_any_subfolder() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let sub = repo.path().join(".workflow/versions/v001");
    repo.wf_in(&sub, &["migrate"], &[]).expect(0);
    assert_eq!(repo.status(), "");
    assert!(repo.exists(".workflow/versions/v001/task_sessions/task_design/session.yml"));
}

#[test]
fn dash_c_names_the_repository() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let path = repo.path();
    let run = repo
        .wf_in(
            &repo.scratch(),
            &["-C", path.to_str().unwrap(), "status"],
            &[],
        )
        .expect(0);
    assert!(
        run.stdout.contains("task-session-dirs: 4 item(s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn git_dir_and_git_work_tree_are_honoured() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let git_dir = repo.path().join(".git");
    let path = repo.path();
    repo.wf_in(
        &repo.scratch(),
        &["migrate"],
        &[
            ("GIT_DIR", git_dir.to_str().unwrap()),
            ("GIT_WORK_TREE", path.to_str().unwrap()),
        ],
    )
    .expect(0);
    assert_eq!(repo.status(), "");
    assert!(repo.exists(".workflow/versions/v002/task_sessions/task_next/operations.log"));
}

#[test]
fn a_linked_worktree_commits_on_its_own_branch() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let main_before = repo.rev("main");
    repo.git(&["worktree", "add", "-q", "-b", "feature", "../linked"]);
    let linked = repo.scratch().join("linked");
    repo.wf_in(&linked, &["migrate"], &[]).expect(0);
    assert_eq!(repo.rev("main"), main_before);
    assert_eq!(repo.rev("feature~1"), main_before);
    assert!(
        linked
            .join(".workflow/versions/v001/task_sessions/task_design/task.yml")
            .exists()
    );
    assert!(
        repo.exists(".workflow/versions/v001/task_sessions/task_design.yml"),
        "main's work tree untouched"
    );
    let status = repo.git_run(&["-C", linked.to_str().unwrap(), "status", "--porcelain"]);
    assert_eq!(status.stdout, "");
}

#[test]
fn version_and_help_need_no_repository() {
    let repo = TestRepo::new();
    let run = repo.wf_in(&repo.scratch(), &["--version"], &[]).expect(0);
    assert!(run.stdout.starts_with("git-workflow "), "{}", run.stdout);
    let run = repo.wf_in(&repo.scratch(), &["--help"], &[]).expect(0);
    assert!(run.stdout.contains("migrate"));
    repo.wf_in(&repo.scratch(), &["no-such-command"], &[])
        .expect(2);
}

#[test]
fn dash_c_takes_a_folder_whose_name_is_not_utf8_as_git_does() {
    use std::os::unix::ffi::OsStrExt;
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let odd = repo
        .scratch()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9-latin1"));
    std::fs::rename(repo.path(), &odd).unwrap();
    let run = |program: &str, args: &[&str]| {
        let out = crate::support::hermetic(program, &repo.home())
            .current_dir(repo.scratch())
            .arg("-C")
            .arg(&odd)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run("git", &["status", "--short"]).0, Some(0));
    let (code, stderr) = run(env!("CARGO_BIN_EXE_git-workflow"), &["status"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = run(env!("CARGO_BIN_EXE_git-workflow"), &["migrate", "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::rename(&odd, repo.path()).unwrap();
    assert_eq!(repo.status(), "");
    assert!(repo.exists(".workflow/versions/v001/task_sessions/task_design/session.yml"));
}
