//! The README's install lines, run as written: `./install.sh` into a PREFIX, with
//! `--repo`, honouring `CARGO_TARGET_DIR` (cargo install builds there and copies that
//! binary, never a stale one), and its refusals.

use crate::support::TestRepo;
use std::path::Path;

const SOURCE: &str = env!("CARGO_MANIFEST_DIR");

fn install_sh(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> crate::support::Run {
    let script = format!("{SOURCE}/install.sh");
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    let path = std::env::var("PATH").unwrap_or_default();
    let cargo_home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    let rustup_home = std::env::var("RUSTUP_HOME")
        .unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap_or_default()));
    let mut with = vec![
        ("PATH", path.as_str()),
        ("CARGO_HOME", cargo_home.as_str()),
        ("RUSTUP_HOME", rustup_home.as_str()),
    ];
    with.extend_from_slice(env);
    repo.run_env("sh", &all, &with, &[])
}

#[test]
fn install_sh_installs_everything_under_prefix_and_the_hook_with_repo() {
    let repo = TestRepo::with_commit();
    let prefix = repo.scratch().join("prefix");
    let prefix_s = prefix.to_string_lossy().into_owned();
    let target = format!("{SOURCE}/target/install-check");
    let env = [
        ("PREFIX", prefix_s.as_str()),
        ("CARGO_TARGET_DIR", target.as_str()),
    ];
    let work = repo.path().to_string_lossy().into_owned();
    let run = install_sh(&repo, &["--repo", &work], &env).expect(0);
    let bin = prefix.join("bin/git-workflow");
    assert!(
        run.stdout.contains(&format!(
            "installed {} (git-workflow {})",
            bin.display(),
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        run.stdout
    );
    for file in [
        "share/man/man1/git-workflow.1",
        "share/man/man1/git-workflow-migrate.1",
        "share/bash-completion/completions/git-workflow",
        "share/zsh/site-functions/_git-workflow",
        "share/fish/vendor_completions.d/git-workflow.fish",
    ] {
        assert!(prefix.join(file).is_file(), "{file}");
    }
    let hook = std::fs::read_to_string(repo.path().join(".git/hooks/pre-commit")).unwrap();
    assert!(hook.contains(&format!("bin='{}'", bin.display())), "{hook}");
    assert!(
        Path::new(&target).join("release/git-workflow").is_file(),
        "built where CARGO_TARGET_DIR says"
    );
}

#[test]
fn install_sh_explains_itself_and_refuses_without_a_c_compiler() {
    let repo = TestRepo::new();
    let help = install_sh(&repo, &["--help"], &[]).expect(0);
    assert!(
        help.stdout.starts_with("usage: ./install.sh [--repo DIR]"),
        "{}",
        help.stdout
    );
    let no_cc = install_sh(&repo, &[], &[("CC", "no-such-compiler")]).expect(1);
    assert!(
        no_cc
            .stderr
            .contains("no C compiler (no-such-compiler) found; libgit2 is built from source"),
        "{}",
        no_cc.stderr
    );
    let bad = install_sh(&repo, &["--bogus"], &[]).expect(2);
    assert!(
        bad.stderr.contains("unknown option --bogus"),
        "{}",
        bad.stderr
    );
}
