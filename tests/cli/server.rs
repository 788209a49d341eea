//! The check on a real git server (SPEC §6.2): `hooks install --pre-receive` in a
//! bare repository, then real pushes over `git daemon` on the loopback address (or
//! `file://` when the daemon cannot start here).

use crate::support::{TestRepo, hermetic};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A `git daemon` serving `base` with pushes enabled, and its URL for `server.git`;
/// `None` when it does not come up.
fn daemon(repo: &TestRepo, base: &Path) -> Option<(Child, String)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = hermetic("git", &repo.home())
        .args([
            "daemon",
            "--reuseaddr",
            "--listen=127.0.0.1",
            "--enable=receive-pack",
            "--export-all",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", base.display()))
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, format!("git://127.0.0.1:{port}/server.git")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn pushes_are_checked_on_the_server_and_unrelated_history_passes() {
    let repo = TestRepo::with_commit();
    let base = repo.scratch();
    let server = base.join("server.git");
    repo.run_in(
        &base,
        "git",
        &["init", "-q", "--bare", "-b", "main", "server.git"],
    )
    .expect(0);
    repo.run_env(
        "git-workflow",
        &[
            "-C",
            &server.to_string_lossy(),
            "hooks",
            "install",
            "--pre-receive",
        ],
        &[],
        &[],
    )
    .expect(0);
    let running = daemon(&repo, &base);
    let url = match &running {
        Some((_, url)) => url.clone(),
        None => format!("file://{}", server.display()),
    };
    repo.git(&["remote", "add", "origin", &url]);
    repo.git(&["push", "-q", "origin", "main"]);

    std::os::unix::fs::symlink("README.md", repo.path().join("link")).unwrap();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1111111111111111111111111111111111111111,vendor/lib",
    ]);
    repo.commit_all("a symlink and a submodule, elsewhere");
    let pushed = repo.git_run(&["push", "origin", "main"]);
    assert_eq!(
        pushed.code,
        Some(0),
        "unrelated history passes: {}",
        pushed.stderr
    );

    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    repo.commit_all("a flat session");
    let refused = repo.git_run(&["push", "origin", "main"]);
    assert_ne!(refused.code, Some(0), "{}", refused.stderr);
    assert!(refused.stderr.contains("remote:"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("[flat-task-session]"),
        "the rule on the client's terminal: {}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("pre-receive hook declined"),
        "{}",
        refused.stderr
    );

    repo.git(&["checkout", "-q", "-b", "topic", "HEAD~1"]);
    repo.write("notes.md", "new branch\n");
    repo.commit_all("a new branch");
    let branch = repo.git_run(&["push", "origin", "topic"]);
    assert_eq!(
        branch.code,
        Some(0),
        "a new branch of unrelated work passes: {}",
        branch.stderr
    );
    if let Some((mut child, _)) = running {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[test]
fn a_pre_receive_hook_that_is_not_ours_is_refused_and_kept() {
    let repo = TestRepo::new();
    let base = repo.scratch();
    repo.run_in(&base, "git", &["init", "-q", "--bare", "server.git"])
        .expect(0);
    let hook = base.join("server.git/hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho theirs\n").unwrap();
    let server = base.join("server.git").to_string_lossy().into_owned();
    let run = repo
        .run_in(
            &base,
            "git-workflow",
            &["-C", &server, "hooks", "install", "--pre-receive"],
        )
        .expect(1);
    assert!(
        run.stderr.contains("pre-receive exists and is not ours"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho theirs\n"
    );
}
