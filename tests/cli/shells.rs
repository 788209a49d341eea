//! Shell completions in the real shells, for `git workflow …` as git's users type
//! it and for `git-workflow …`: bash through git's own completion
//! (bash-completion's `__git_wrap__git_main`, which calls `_git_workflow`), fish
//! through `complete -C`, zsh through its own git completion driven under a pty
//! (`zpty`).

use crate::support::TestRepo;

/// The completion script for `shell`, written to a file.
fn script(repo: &TestRepo, shell: &str) -> String {
    let out = repo.wf(&["completions", shell]).expect(0).stdout;
    let path = repo.scratch().join(format!("completions.{shell}"));
    std::fs::write(&path, out).unwrap();
    path.to_string_lossy().into_owned()
}

/// What bash completes for these words (the last one being completed).
fn bash(repo: &TestRepo, words: &str) -> String {
    let file = script(repo, "bash");
    let body = format!(
        r#"source /usr/share/bash-completion/bash_completion
source /usr/share/bash-completion/completions/git
source '{file}'
COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=()
if [ "${{COMP_WORDS[0]}}" = git ]; then __git_wrap__git_main; else _git__workflow git-workflow "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"; fi
printf '%s\n' "${{COMPREPLY[@]}}""#
    );
    repo.run_env("bash", &["-c", &body], &[], &[])
        .expect(0)
        .stdout
}

#[test]
fn bash_completes_below_the_top_level_under_git_workflow_and_git_dash_workflow() {
    let repo = TestRepo::with_commit();
    assert_eq!(bash(&repo, "git workflow mig"), "migrate\n");
    assert_eq!(bash(&repo, "git workflow migrate --dr"), "--dry-run\n");
    assert!(bash(&repo, "git workflow session ''").contains("complete\n"));
    assert_eq!(bash(&repo, "git -C . workflow hooks i"), "install\n");
    assert_eq!(bash(&repo, "git-workflow session c"), "complete\n");
}

#[test]
fn fish_completes_git_workflow_as_git_dash_workflow() {
    let repo = TestRepo::with_commit();
    let file = script(&repo, "fish");
    let run = |line: &str| {
        let body = format!("source '{file}'; complete -C '{line}'");
        repo.run_env("fish", &["--no-config", "-c", &body], &[], &[])
            .expect(0)
            .stdout
    };
    assert!(
        run("git workflow mig").starts_with("migrate\t"),
        "{}",
        run("git workflow mig")
    );
    assert!(run("git workflow migrate --dr").starts_with("--dry-run\t"));
    assert!(run("git-workflow session c").starts_with("complete\t"));
}

#[test]
fn zsh_loads_the_function_its_git_completion_calls() {
    let repo = TestRepo::with_commit();
    let file = script(&repo, "zsh");
    let dir = repo.scratch().join("zfunc");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&file, dir.join("_git-workflow")).unwrap();
    let body = format!(
        "fpath=('{}' $fpath); autoload -U compinit; compinit -u -d '{}/zcompdump'; autoload -Uz _git-workflow; (( $+functions[_git-workflow] )) && print ok; print $_comps[git-workflow]",
        dir.display(),
        repo.scratch().display()
    );
    let run = repo
        .run_env("zsh", &["-f", "-c", &body], &[], &[])
        .expect(0);
    assert_eq!(run.stdout, "ok\n_git-workflow\n", "{}", run.stderr);
}

#[test]
fn zsh_completes_git_workflow_through_its_git_completion_under_a_pty() {
    let repo = TestRepo::with_commit();
    let file = script(&repo, "zsh");
    let dir = repo.scratch().join("zfunc-pty");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&file, dir.join("_git-workflow")).unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_git-workflow"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let driver = format!(
        r#"zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT='%% '; fpath=({dir} \$fpath); autoload -U compinit; compinit -u -d {dump}; PATH={bin_dir}:\$PATH"
zpty -w z "print READY"
zpty -r z junk '*READY*READY*'
zpty -w -n z $'git workflow mig\t'
zpty -r z out '*migrate*' && print completed-subcommand
zpty -w -n z $'\C-u'
zpty -w -n z $'git workflow migrate --dr\t'
zpty -r z out '*dry-run*' && print completed-option
zpty -d z
"#,
        dir = dir.display(),
        dump = repo.scratch().join("zcompdump-pty").display(),
    );
    let path = repo.scratch().join("driver.zsh");
    std::fs::write(&path, driver).unwrap();
    let run = repo.run_env(
        "timeout",
        &["30", "zsh", "-f", &path.to_string_lossy()],
        &[],
        &[],
    );
    assert_eq!(
        run.stdout, "completed-subcommand\ncompleted-option\n",
        "{}",
        run.stderr
    );
}
