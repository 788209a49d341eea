//! Hostile input (SPEC §7): each case gets a clear error naming the path, nothing in
//! the repository changes, and a canary file outside it stays as it was.

use crate::support::TestRepo;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

const DIR: &str = ".workflow/versions/v001/task_sessions";

/// A repository with a canary beside it; returns the canary's path.
fn repo_with_canary() -> (TestRepo, std::path::PathBuf) {
    let repo = TestRepo::with_commit();
    let canary = repo.scratch().join("canary.txt");
    std::fs::write(&canary, "do not touch\n").unwrap();
    (repo, canary)
}

/// Commits whatever the test wrote, runs `args`, and checks the refusal.
#[track_caller]
fn refused(repo: &TestRepo, canary: &std::path::Path, args: &[&str], words: &[&str]) {
    let before = repo.fingerprint();
    let head = repo.rev("HEAD");
    let run = repo.wf(args);
    assert!(
        matches!(run.code, Some(1) | Some(2)),
        "exit {:?}\n{}",
        run.code,
        run.stderr
    );
    for w in words {
        assert!(
            run.stderr.contains(w) || run.stdout.contains(w),
            "missing {w:?}:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(before == repo.fingerprint(), "a refusal changed a file");
    assert_eq!(repo.rev("HEAD"), head);
    assert_eq!(
        std::fs::read_to_string(canary).unwrap(),
        "do not touch\n",
        "the canary changed"
    );
}

fn alias_bomb() -> String {
    let mut lines = vec!["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]".to_string()];
    let names = "abcdefghi".as_bytes();
    for i in 1..names.len() {
        let (this, prev) = (names[i] as char, names[i - 1] as char);
        lines.push(format!(
            "{this}: &{this} [{}]",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    lines.join("\n") + "\n"
}

#[test]
fn bombs_deep_nesting_huge_and_malformed_state_files_are_refused_by_name() {
    let (repo, canary) = repo_with_canary();
    repo.write(&format!("{DIR}/bomb.yml"), &alias_bomb());
    repo.write(
        &format!("{DIR}/deep.yml"),
        &format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    repo.write(
        &format!("{DIR}/huge.yml"),
        &format!("a: {}\n", "x".repeat(20 * 1024 * 1024)),
    );
    repo.write(&format!("{DIR}/broken.yml"), "task_id: [\n");
    repo.commit_all("hostile");
    refused(
        &repo,
        &canary,
        &["migrate"],
        &[
            "bomb.yml does not parse",
            "deep.yml does not parse",
            "huge.yml does not parse",
            "over the 16 MiB limit",
            "broken.yml does not parse",
        ],
    );
    repo.write(
        "g/bomb.yaml",
        &format!("name: x\n{}tasks: [{{id: t}}]\n", alias_bomb()),
    );
    repo.write(
        "g/deep.yaml",
        &format!(
            "name: {}{}\ntasks: [{{id: t}}]\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    );
    let run = repo
        .wf(&["graph", "check", "g/bomb.yaml", "g/deep.yaml"])
        .expect(1);
    assert!(
        run.stdout
            .contains("g/bomb.yaml: Invalid YAML in g/bomb.yaml: aliases expand to more than"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "g/deep.yaml: Invalid YAML in g/deep.yaml: nesting deeper than 128 levels (line 1)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn symlinks_under_workflow_are_never_followed() {
    let (repo, canary) = repo_with_canary();
    std::fs::create_dir_all(repo.path().join(DIR)).unwrap();
    repo.write(&format!("{DIR}/real.yml"), "task_id: real\n");
    std::os::unix::fs::symlink(&canary, repo.path().join(DIR).join("outside.yml")).unwrap();
    std::os::unix::fs::symlink("real.yml", repo.path().join(DIR).join("inside.yml")).unwrap();
    repo.commit_all("links");
    refused(
        &repo,
        &canary,
        &["migrate"],
        &[
            "outside.yml is a symbolic link",
            "inside.yml is a symbolic link",
        ],
    );

    let (repo, canary) = repo_with_canary();
    repo.wf(&["session", "start", "linked"]).expect(0);
    repo.commit_all("session");
    std::os::unix::fs::symlink(
        &canary,
        repo.path().join(".workflow/active/WFS-linked/notes.md"),
    )
    .unwrap();
    refused(
        &repo,
        &canary,
        &["session", "complete", "WFS-linked"],
        &["notes.md is a symbolic link"],
    );
}

#[test]
fn names_with_control_characters_or_not_utf8_are_refused_by_name() {
    let (repo, canary) = repo_with_canary();
    repo.write(&format!("{DIR}/tab\there.yml"), "task_id: x\n");
    repo.commit_all("tab");
    refused(
        &repo,
        &canary,
        &["migrate"],
        &["contains a control character"],
    );

    let (repo, canary) = repo_with_canary();
    let dir = repo.path().join(DIR);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"bad-\xff.yml")), "task_id: x\n").unwrap();
    repo.commit_all("latin1");
    refused(&repo, &canary, &["migrate"], &["is not UTF-8"]);
}

#[test]
fn ids_that_would_leave_their_folder_are_refused_everywhere() {
    let (repo, canary) = repo_with_canary();
    repo.wf(&["version", "create", "v"]).expect(0);
    repo.commit_all("version");
    for bad in ["..", "../../outside", "/abs/path", "a/b", "ctl\u{7}x"] {
        refused(
            &repo,
            &canary,
            &[
                "task", "start", bad, "--type", "create", "--agent", "backend",
            ],
            &["task id"],
        );
        refused(
            &repo,
            &canary,
            &["task", "log", bad, "CREATE", "file", "x"],
            &["task id"],
        );
    }
    refused(
        &repo,
        &canary,
        &["session", "complete", "../../etc"],
        &["is not a session id"],
    );
}
