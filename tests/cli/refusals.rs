//! Every precondition of SPEC §3 refuses with its reason and its fix, and changes
//! nothing.

use crate::support::TestRepo;
use std::fs;

/// Runs `migrate`, expects exit `code`, and checks that no file changed.
#[track_caller]
fn refuses(repo: &TestRepo, args: &[&str], code: i32, words: &[&str]) -> String {
    let before = repo.fingerprint();
    let run = repo.wf(args).expect(code);
    for w in words {
        assert!(
            run.stderr.contains(w),
            "stderr lacks {w:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("hint: "),
        "no fix given:\n{}",
        run.stderr
    );
    assert!(before == repo.fingerprint(), "a refusal changed a file");
    run.stderr
}

#[test]
fn a_modified_tracked_file_under_workflow_is_refused() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write(".workflow/index.yml", "versions: [edited]\n");
    refuses(
        &repo,
        &["migrate"],
        1,
        &[
            ".workflow/index.yml (modified)",
            "git stash -u -- .workflow",
        ],
    );
}

#[test]
fn an_untracked_file_under_workflow_is_refused() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write(
        ".workflow/versions/v001/task_sessions/new.yml",
        "task_id: new\n",
    );
    refuses(
        &repo,
        &["migrate"],
        1,
        &["task_sessions/new.yml (untracked)"],
    );
}

#[test]
fn a_staged_change_under_workflow_is_refused() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write(".workflow/index.yml", "versions: [staged]\n");
    repo.git(&["add", ".workflow/index.yml"]);
    refuses(
        &repo,
        &["migrate", "--dry-run"],
        1,
        &[".workflow/index.yml (staged)"],
    );
}

#[test]
fn an_untracked_workflow_needs_adopt_which_commits_it_first() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    refuses(
        &repo,
        &["migrate"],
        1,
        &[".workflow/ is not tracked by git", "--adopt"],
    );
    let before = repo.rev("HEAD");
    let run = repo.wf(&["migrate", "--adopt"]).expect(0);
    assert!(
        run.stdout
            .contains("workflow: adopt .workflow/ as it is (1 file)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        repo.rev("HEAD~2"),
        before,
        "adopt and migrate are two commits"
    );
    let ops = repo.git(&[
        "log",
        "--format=%(trailers:key=Workflow-Operation,valueonly)",
        "-2",
    ]);
    assert_eq!(
        ops.split_whitespace().collect::<Vec<_>>(),
        ["migrate", "adopt"]
    );
    assert_eq!(repo.status(), "");
}

#[test]
fn an_ignored_workflow_is_refused_and_can_be_adopted() {
    let repo = TestRepo::with_commit();
    repo.write(".gitignore", ".workflow/\n");
    repo.commit_all("ignore state");
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    refuses(&repo, &["migrate"], 1, &[".workflow/ is ignored by git"]);
    repo.wf(&["migrate", "--adopt"]).expect(0);
    let tracked = repo.git(&["ls-files", ".workflow"]);
    assert!(
        tracked.contains(".workflow/versions/v001/task_sessions/t/session.yml"),
        "{tracked}"
    );
    assert_eq!(repo.status(), "");
}

#[test]
fn adopt_refuses_symlinks_under_workflow() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    std::os::unix::fs::symlink("/etc/passwd", repo.path().join(".workflow/leak.yml")).unwrap();
    refuses(
        &repo,
        &["migrate", "--adopt"],
        1,
        &[".workflow/leak.yml is a symbolic link"],
    );
}

#[test]
fn adopt_refuses_a_workflow_folder_that_is_a_symlink() {
    let repo = TestRepo::with_commit();
    let elsewhere = repo.scratch().join("elsewhere");
    fs::create_dir_all(elsewhere.join("versions/v001/task_sessions")).unwrap();
    fs::write(
        elsewhere.join("versions/v001/task_sessions/t.yml"),
        "task_id: t\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, repo.path().join(".workflow")).unwrap();
    refuses(
        &repo,
        &["migrate", "--adopt"],
        1,
        &[".workflow is a symbolic link"],
    );
    assert!(elsewhere.join("versions/v001/task_sessions/t.yml").exists());
}

#[test]
fn a_merge_in_progress_is_refused() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("README.md", "side\n");
    repo.commit_all("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "main\n");
    repo.commit_all("main");
    assert_ne!(repo.git_run(&["merge", "-q", "side"]).code, Some(0));
    refuses(&repo, &["migrate"], 1, &["a merge is in progress"]);
}

#[test]
fn an_unborn_branch_is_refused() {
    let repo = TestRepo::new();
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    refuses(&repo, &["migrate"], 1, &["main has no commits yet"]);
}

#[test]
fn a_detached_head_is_refused_unless_allowed() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.git(&["checkout", "-q", "--detach"]);
    let before = repo.rev("HEAD");
    refuses(&repo, &["migrate"], 1, &["HEAD is detached", "--detach-ok"]);
    repo.wf(&["migrate", "--detach-ok"]).expect(0);
    assert_eq!(repo.rev("HEAD~1"), before);
    assert_eq!(repo.rev("main"), before, "no branch moved");
    assert_eq!(repo.status(), "");
}

#[test]
fn every_mutating_command_refuses_a_detached_head_unless_allowed() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/active/WFS-auth/workflow-session.json",
        "{\"session_id\": \"WFS-auth\", \"status\": \"active\"}",
    );
    repo.write(
        "graphs/g.yaml",
        "name: build\ntmux_session: agents\ntasks:\n  - id: design\n",
    );
    repo.commit_all("session and graph");
    repo.git(&["config", "workflow.graphs", "graphs/*.yaml"]);
    repo.git(&["checkout", "-q", "--detach"]);
    let before = repo.rev("HEAD");
    let commands: [&[&str]; 3] = [
        &["session", "complete", "WFS-auth"],
        &["graph", "migrate", "graphs/g.yaml"],
        &["rollback"],
    ];
    for args in commands {
        refuses(&repo, args, 1, &["HEAD is detached", "--detach-ok"]);
    }
    repo.wf(&["session", "complete", "WFS-auth", "--detach-ok"])
        .expect(0);
    repo.wf(&["graph", "migrate", "graphs/g.yaml", "--detach-ok"])
        .expect(0);
    assert_eq!(repo.rev("HEAD~2"), before);
    assert_eq!(repo.rev("main"), before, "no branch moved");
    repo.wf(&["rollback", "--detach-ok"]).expect(0);
    assert_eq!(repo.status(), "");
}

#[test]
fn an_index_another_git_process_holds_is_refused_before_anything_changes_as_git_does() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let lock = repo.path().join(".git/index.lock");
    std::fs::write(&lock, "").unwrap();
    let before = repo.rev("HEAD");
    let git = repo.git_run(&["commit", "--allow-empty", "-q", "-m", "git itself"]);
    assert_ne!(git.code, Some(0), "git refuses too");
    assert!(git.stderr.contains("index.lock"), "{}", git.stderr);
    let stderr = refuses(
        &repo,
        &["migrate"],
        1,
        &[
            "index.lock exists: another git process",
            "wait for it to finish",
        ],
    );
    assert!(stderr.contains(&lock.display().to_string()), "{stderr}");
    assert_eq!(repo.rev("HEAD"), before, "no commit");
    std::fs::remove_file(&lock).unwrap();
    repo.wf(&["migrate"]).expect(0);
    assert!(!lock.exists(), "the lock is released");
    assert_eq!(repo.status(), "");
}

#[test]
fn local_edits_git_status_hides_are_refused_as_git_refuses_them() {
    for flag in ["--assume-unchanged", "--skip-worktree"] {
        let repo = TestRepo::with_commit();
        repo.flat_sessions();
        let path = ".workflow/versions/v001/task_sessions/task_review.yml";
        repo.git(&["update-index", flag, path]);
        repo.write(path, "task_id: task_review\nstatus: edited by hand\n");
        assert_eq!(repo.status(), "", "{flag}: git status shows nothing");
        repo.git(&["branch", "other", "HEAD~1"]);
        let git = repo.git_run(&["checkout", "-q", "other"]);
        if flag == "--skip-worktree" {
            assert_ne!(git.code, Some(0), "git refuses to overwrite it");
        }
        if git.code == Some(0) {
            repo.git(&["checkout", "-q", "main"]);
            repo.write(path, "task_id: task_review\nstatus: edited by hand\n");
        }
        let stderr = refuses(
            &repo,
            &["migrate"],
            1,
            &[
                path,
                "hidden by assume-unchanged or skip-worktree",
                "--no-assume-unchanged",
            ],
        );
        assert!(stderr.contains("would be overwritten"), "{flag}: {stderr}");
        assert_eq!(
            repo.read(path),
            "task_id: task_review\nstatus: edited by hand\n",
            "{flag}: the edit is still there"
        );
    }
}

#[test]
fn a_branch_another_git_process_is_updating_is_refused_by_name_not_as_moved() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let lock = repo.path().join(".git/refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    let git = repo.git_run(&["commit", "--allow-empty", "-q", "-m", "git itself"]);
    assert_ne!(git.code, Some(0), "git refuses too");
    assert!(git.stderr.contains("main.lock"), "{}", git.stderr);
    let stderr = refuses(
        &repo,
        &["migrate"],
        1,
        &["main.lock exists: another git process is updating main"],
    );
    assert!(!stderr.contains("moved while"), "{stderr}");
    std::fs::remove_file(&lock).unwrap();
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(repo.status(), "");
}

#[test]
fn a_flat_file_beside_its_folder_refuses_everything_and_names_both() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.write(
        ".workflow/versions/v002/task_sessions/task_next/session.yml",
        "task_id: task_next\n",
    );
    repo.commit_all("half migrated by hand");
    let before = repo.rev("HEAD");
    let stderr = refuses(
        &repo,
        &["migrate"],
        1,
        &[
            "v002/task_sessions/task_next.yml",
            "v002/task_sessions/task_next/",
            "nothing was changed",
        ],
    );
    assert!(stderr.contains("merge them by hand"), "{stderr}");
    assert_eq!(
        repo.rev("HEAD"),
        before,
        "the other sessions were not migrated either"
    );
}

#[test]
fn a_session_that_does_not_parse_is_named() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/bad.yml",
        "task_id: [unclosed\n",
    );
    repo.commit_all("bad");
    refuses(
        &repo,
        &["migrate"],
        1,
        &["v001/task_sessions/bad.yml does not parse"],
    );
}

#[test]
fn ids_that_differ_only_by_case_are_refused() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/Task_A.yml",
        "task_id: Task_A\n",
    );
    repo.write(
        ".workflow/versions/v001/task_sessions/task_a.yml",
        "task_id: task_a\n",
    );
    repo.commit_all("case");
    refuses(
        &repo,
        &["migrate"],
        1,
        &["Task_A.yml and", "task_a.yml name the same task session"],
    );
}

#[test]
fn an_ignored_file_where_a_new_file_goes_is_not_overwritten() {
    let repo = TestRepo::with_commit();
    repo.write(".gitignore", "operations.log\n");
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    repo.commit_all("state");
    repo.write(
        ".workflow/versions/v001/task_sessions/t/operations.log",
        "precious\n",
    );
    refuses(
        &repo,
        &["migrate"],
        1,
        &["t/operations.log exists in the work tree but is not tracked"],
    );
    assert_eq!(
        repo.read(".workflow/versions/v001/task_sessions/t/operations.log"),
        "precious\n"
    );
}

/// The v001 task-session folder of [`session_with_ignored_names`].
const SESSIONS: &str = ".workflow/versions/v001/task_sessions";

/// A committed flat session `t.yml`, then a `.gitignore` hiding files of its names
/// (committed after it, or `git add -A` would have skipped it): migration moves
/// `t.yml` to `t/session.yml`, and its rollback restores `t.yml`.
fn session_with_ignored_names() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(&format!("{SESSIONS}/t.yml"), "task_id: t\n");
    repo.commit_all("state");
    repo.write(".gitignore", "session.yml\nt.yml\n");
    repo.commit_all("ignore");
    repo
}

#[test]
fn an_ignored_file_where_a_file_moves_to_is_not_overwritten() {
    let repo = session_with_ignored_names();
    repo.write(&format!("{SESSIONS}/t/session.yml"), "precious\n");
    let head = repo.rev("HEAD");
    refuses(
        &repo,
        &["migrate"],
        1,
        &["t/session.yml exists in the work tree but is not tracked"],
    );
    assert_eq!(repo.rev("HEAD"), head);
    assert_eq!(
        repo.read(&format!("{SESSIONS}/t/session.yml")),
        "precious\n"
    );
}

#[test]
fn an_ignored_file_where_a_rollback_restores_one_is_not_overwritten() {
    let repo = session_with_ignored_names();
    repo.wf(&["migrate", "-q"]).expect(0);
    repo.write(&format!("{SESSIONS}/t.yml"), "precious\n");
    let head = repo.rev("HEAD");
    refuses(
        &repo,
        &["rollback"],
        1,
        &["t.yml exists in the work tree but is not tracked"],
    );
    assert_eq!(repo.rev("HEAD"), head);
}

#[test]
fn an_ignored_file_already_holding_what_goes_there_is_taken_as_it_is() {
    let repo = session_with_ignored_names();
    repo.write(&format!("{SESSIONS}/t/session.yml"), "task_id: t\n");
    repo.wf(&["migrate", "-q"]).expect(0);
    assert_eq!(
        repo.git(&["show", &format!("HEAD:{SESSIONS}/t/session.yml")]),
        "task_id: t\n"
    );
    repo.write(&format!("{SESSIONS}/t.yml"), "task_id: t\n");
    repo.wf(&["rollback", "-q"]).expect(0);
    assert_eq!(
        repo.git(&["show", &format!("HEAD:{SESSIONS}/t.yml")]),
        "task_id: t\n"
    );
    assert_eq!(repo.status(), "");
}

#[test]
fn a_second_run_while_one_holds_the_lock_is_told_the_repository_is_busy() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let lock = fs::File::create(repo.path().join(".git/git-workflow.lock")).unwrap();
    lock.try_lock().unwrap();
    let run = repo.wf(&["migrate"]).expect(1);
    assert!(run.stderr.contains("repository busy"), "{}", run.stderr);
    drop(lock);
    repo.wf(&["migrate"]).expect(0);
}

#[test]
fn outside_a_repository_and_in_a_bare_one_the_reason_is_given() {
    let repo = TestRepo::with_commit();
    let outside = repo.scratch().join("home");
    let run = repo
        .wf_in(
            &outside,
            &["migrate"],
            &[("GIT_CEILING_DIRECTORIES", &repo.scratch().to_string_lossy())],
        )
        .expect(1);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
    repo.git(&["clone", "-q", "--bare", ".", "../bare.git"]);
    let run = repo
        .wf_in(&repo.scratch().join("bare.git"), &["status"], &[])
        .expect(1);
    assert!(
        run.stderr.contains("is a bare repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_repository_without_workflow_has_nothing_to_migrate() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["migrate"]).expect(0);
    assert!(
        run.stdout
            .contains("nothing to migrate: there is no .workflow/")
    );
}

#[test]
fn a_bad_source_date_epoch_is_a_usage_error() {
    let repo = TestRepo::with_commit();
    let run = repo
        .wf_with(&["status"], &[("SOURCE_DATE_EPOCH", "yesterday")])
        .expect(2);
    assert!(run.stderr.contains("SOURCE_DATE_EPOCH"));
}

#[test]
fn usage_errors_give_a_json_reader_a_document_too() {
    let repo = TestRepo::with_commit();
    for args in [
        &["migrat", "--json"][..],
        &["migrate", "--bogus", "--json"][..],
    ] {
        let run = repo.wf(args).expect(2);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
        assert_eq!(doc["error"]["exit_code"], 2, "{args:?}");
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains(args[1].trim_start_matches('-'))
                || args[0] == "migrat"
        );
        assert!(
            run.stderr.contains("Usage:"),
            "the human message stays on stderr"
        );
    }
}

#[test]
fn an_index_git_cannot_read_is_refused_in_gits_words_and_its_fix_works() {
    let mut bad_signature = b"XXXX\0\0\0\x02\0\0\0\0".to_vec();
    bad_signature.resize(32, b'x');
    let mut bad_version = b"DIRC\0\0\0\x09\0\0\0\0".to_vec();
    bad_version.resize(32, b'x');
    for (bytes, words) in [
        (Vec::new(), "index file smaller than expected"),
        (bad_signature, "bad signature 0x58585858"),
        (bad_version, "bad index version 9"),
    ] {
        let repo = TestRepo::with_commit();
        repo.flat_sessions();
        fs::write(repo.path().join(".git/index"), &bytes).unwrap();
        let git = repo.git_run(&["status"]);
        assert_ne!(git.code, Some(0), "git refuses this index too");
        assert!(git.stderr.contains(words), "git says: {}", git.stderr);
        for args in [&["migrate"][..], &["check", "--staged"], &["status"]] {
            let stderr = refuses(&repo, args, 1, &[".git/index", words]);
            assert!(stderr.contains("git reset"), "{args:?}: {stderr}");
            assert!(!stderr.contains("no longer exists"), "{args:?}: {stderr}");
        }
        fs::remove_file(repo.path().join(".git/index")).unwrap();
        repo.git(&["reset", "-q"]);
        repo.wf(&["migrate"]).expect(0);
        assert_eq!(repo.status(), "");
    }
}
