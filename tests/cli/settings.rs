//! Settings are read as git reads them (issue 35): every way of setting a key that
//! `git config --get` sees, git-workflow sees, compared in the same repository
//! with the same environment: `git config` in each file, `git -c`,
//! `GIT_CONFIG_COUNT`, `GIT_CONFIG_GLOBAL`, `include.path`, and `includeIf` on the
//! conditions libgit2 evaluates and on one it does not.

use crate::support::TestRepo;
use std::fs;

const KEY: &str = "workflow.check.flat-task-session";
const FLAT: &str = ".workflow/versions/v001/task_sessions/stale.yml";

/// A repository whose next commit adds a flat task session, which the check
/// refuses while `KEY` is on.
fn staged_flat() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(FLAT, "task_id: stale\n");
    repo.git(&["add", FLAT]);
    repo
}

/// `PATH` with a folder holding `git-workflow` first, so that `git workflow …`
/// runs the binary under test, as it runs for a user.
fn path_with_binary(repo: &TestRepo) -> String {
    let bin = repo.scratch().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let link = bin.join("git-workflow");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_git-workflow"), &link).unwrap();
    }
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

/// What `git config --type=bool --get KEY` says and how `git workflow check --staged` exits,
/// both run through git with `git_args` before the subcommand and `env` set.
fn seen(repo: &TestRepo, git_args: &[&str], env: &[(&str, &str)]) -> (String, Option<i32>) {
    let path = path_with_binary(repo);
    let mut set = vec![("PATH", path.as_str())];
    set.extend_from_slice(env);
    let config: Vec<&str> = git_args
        .iter()
        .copied()
        .chain(["config", "--type=bool", "--get", KEY])
        .collect();
    let value = repo
        .run_env("git", &config, &set, &[])
        .stdout
        .trim()
        .to_string();
    let check: Vec<&str> = git_args
        .iter()
        .copied()
        .chain(["workflow", "check", "--staged"])
        .collect();
    (value, repo.run_env("git", &check, &set, &[]).code)
}

#[test]
fn each_way_of_setting_a_key_is_seen_as_git_config_sees_it() {
    let repo = staged_flat();
    assert_eq!(
        seen(&repo, &[], &[]),
        (String::new(), Some(1)),
        "on by default"
    );

    let off = || (String::from("false"), Some(0));
    let unset = |args: &[&str]| {
        let mut all = vec!["config"];
        all.extend_from_slice(args);
        all.extend(["--unset", KEY]);
        repo.git(&all);
    };

    repo.git(&["config", KEY, "false"]);
    assert_eq!(seen(&repo, &[], &[]), off(), "git config (local)");
    unset(&[]);

    repo.git(&["config", "--global", KEY, "no"]);
    assert_eq!(seen(&repo, &[], &[]), off(), "git config --global");
    unset(&["--global"]);

    let key_off = format!("{KEY}=false");
    assert_eq!(seen(&repo, &["-c", &key_off], &[]), off(), "git -c");

    let count = [
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", KEY),
        ("GIT_CONFIG_VALUE_0", "off"),
    ];
    assert_eq!(seen(&repo, &[], &count), off(), "GIT_CONFIG_COUNT");

    let global = repo.scratch().join("other.gitconfig");
    fs::write(&global, "[workflow \"check\"]\n\tflat-task-session = 0\n").unwrap();
    let global_env = [("GIT_CONFIG_GLOBAL", global.to_str().unwrap())];
    assert_eq!(seen(&repo, &[], &global_env), off(), "GIT_CONFIG_GLOBAL");

    repo.git(&["config", "include.path", global.to_str().unwrap()]);
    assert_eq!(seen(&repo, &[], &[]), off(), "include.path");
    repo.git(&["config", "--unset", "include.path"]);

    let gitdir = format!("includeIf.gitdir:{}/.path", repo.path().display());
    repo.git(&["config", "--global", &gitdir, global.to_str().unwrap()]);
    assert_eq!(seen(&repo, &[], &[]), off(), "includeIf gitdir:");
    repo.git(&["config", "--global", "--unset", &gitdir]);

    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://example.com/team/repo.git",
    ]);
    let remote = "includeIf.hasconfig:remote.*.url:https://example.com/team/**.path";
    repo.git(&["config", "--global", remote, global.to_str().unwrap()]);
    assert_eq!(seen(&repo, &[], &[]), off(), "includeIf hasconfig:remote");
    repo.git(&["config", "--global", "--unset", remote]);

    assert_eq!(seen(&repo, &[], &[]), (String::new(), Some(1)), "on again");
}

#[test]
fn a_value_git_refuses_as_a_boolean_is_refused_in_any_way_it_is_given() {
    let repo = staged_flat();
    let path = path_with_binary(&repo);
    let set = [("PATH", path.as_str())];
    let given = format!("{KEY}=maybe");
    let run = repo.run_env(
        "git",
        &["-c", &given, "workflow", "check", "--staged"],
        &set,
        &[],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains(KEY), "{}", run.stderr);
    assert!(run.stderr.contains("maybe"), "{}", run.stderr);
}

#[test]
fn a_string_setting_given_with_git_c_is_used() {
    let repo = TestRepo::with_commit();
    let path = path_with_binary(&repo);
    let set = [("PATH", path.as_str())];
    let args = [
        "-c",
        "workflow.ccw.layout=sessions",
        "workflow",
        "session",
        "start",
        "seed era",
    ];
    let run = repo.run_env("git", &args, &set, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains(".workflow/sessions/WFS-seed-era/"),
        "{}",
        run.stdout
    );
}
