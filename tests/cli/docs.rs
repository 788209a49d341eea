//! The man pages: one per subcommand, generated from the clap tree, rendered by the
//! real `man`, and opened by `git workflow <command> --help` on a terminal as
//! `git help` opens git's own (driven under a pty with `script`).

use crate::support::TestRepo;
use std::fs;

/// Every page, written where `man` looks (`<dir>/man1`).
fn pages(repo: &TestRepo) -> std::path::PathBuf {
    let root = repo.scratch().join("man");
    let dir = root.join("man1");
    repo.wf(&["man", "--dir", &dir.to_string_lossy()]).expect(0);
    root
}

#[test]
fn every_subcommand_has_a_page_with_its_options_and_the_exit_codes() {
    let repo = TestRepo::with_commit();
    let root = pages(&repo);
    for page in [
        "git-workflow",
        "git-workflow-migrate",
        "git-workflow-session-complete",
        "git-workflow-hooks-install",
        "git-workflow-graph-check",
    ] {
        let path = root.join(format!("man1/{page}.1"));
        assert!(path.exists(), "{page}");
        let shown = repo.run_env(
            "man",
            &["-l", &path.to_string_lossy()],
            &[("MANPAGER", "cat"), ("MANWIDTH", "100")],
            &[],
        );
        assert_eq!(shown.code, Some(0), "{}", shown.stderr);
        assert!(
            shown.stderr.is_empty(),
            "renders without warnings: {}",
            shown.stderr
        );
        assert!(
            shown.stdout.contains("git workflow [-C <dir>]..."),
            "{page}: {}",
            shown.stdout
        );
        assert!(
            shown.stdout.contains("EXIT STATUS") && shown.stdout.contains("FILES"),
            "{page}"
        );
    }
    let migrate = fs::read_to_string(root.join("man1/git-workflow-migrate.1")).unwrap();
    for option in ["dry\\-run", "only", "adopt", "detach\\-ok", "EXAMPLES"] {
        assert!(migrate.contains(option), "{option} in {migrate}");
    }
}

#[test]
fn help_on_a_terminal_opens_the_commands_page_and_prints_clap_help_elsewhere() {
    let repo = TestRepo::with_commit();
    let root = pages(&repo);
    let bin = env!("CARGO_BIN_EXE_git-workflow");
    let manpath = root.to_string_lossy().into_owned();
    let env = [
        ("MANPATH", manpath.as_str()),
        ("MANPAGER", "cat"),
        ("MANWIDTH", "100"),
    ];
    let command = format!("'{bin}' migrate --help");
    let on_terminal = repo
        .run_env("script", &["-qec", &command, "/dev/null"], &env, &[])
        .expect(0);
    assert!(
        on_terminal.stdout.contains("git-workflow-migrate(1)"),
        "{}",
        on_terminal.stdout
    );
    let piped = repo
        .run_env(bin, &["migrate", "--help"], &env, &[])
        .expect(0);
    assert!(
        piped.stdout.starts_with("Run every pending migration"),
        "{}",
        piped.stdout
    );
    repo.git(&["config", "help.format", "html"]);
    let as_asked = repo
        .run_env("script", &["-qec", &command, "/dev/null"], &env, &[])
        .expect(0);
    assert!(
        !as_asked.stdout.contains("git-workflow-migrate(1)"),
        "help.format is respected"
    );
}

/// A repository with `n` flat task sessions, committed: thousands of paths to write.
fn many_sessions(n: usize) -> TestRepo {
    let repo = TestRepo::with_commit();
    for i in 0..n {
        repo.write(
            &format!(".workflow/versions/v001/task_sessions/t{i}.yml"),
            &format!("task_id: t{i}\n"),
        );
    }
    repo.commit_all("many sessions");
    repo
}

#[test]
fn long_work_shows_a_progress_bar_on_a_terminal_only() {
    let repo = many_sessions(400);
    let bin = env!("CARGO_BIN_EXE_git-workflow");
    let on_terminal = repo
        .run_env(
            "script",
            &["-qec", &format!("'{bin}' migrate"), "/dev/null"],
            &[("TERM", "xterm")],
            &[],
        )
        .expect(0);
    assert!(
        on_terminal.stdout.contains("writing the work tree ["),
        "{:?}",
        on_terminal.stdout
    );
    repo.wf(&["rollback", "-q"]).expect(0);
    let piped = repo.wf(&["migrate", "-q"]).expect(0);
    assert!(
        !piped.stderr.contains("writing the work tree"),
        "no bar when stderr is not a terminal"
    );
    repo.wf(&["rollback", "-q"]).expect(0);
    let json = repo
        .run_env(
            "script",
            &["-qec", &format!("'{bin}' migrate --json"), "/dev/null"],
            &[("TERM", "xterm")],
            &[],
        )
        .expect(0);
    assert!(
        !json.stdout.contains("writing the work tree"),
        "never in --json"
    );
}
