//! `git workflow completions <shell>` and the man page: both generated from the one
//! clap definition in `cli.rs` (handed in by the dispatcher), so they never drift
//! from `--help`.

use anyhow::Result;
use std::io::Write;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell on stdout; `cmd` is the whole clap tree.
/// Each also completes `git workflow …`, the way that shell's git completion asks
/// for an external command's completions.
pub fn run(args: Args, cmd: clap::Command) -> Result<()> {
    let mut cmd = cmd.bin_name("git-workflow").display_name("git-workflow");
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "git-workflow", &mut out);
    match args.shell {
        clap_complete::Shell::Bash => {
            // The subcommands keep the display name `git workflow`, which
            // clap_complete turns into case labels the word loop never builds.
            let text =
                String::from_utf8_lossy(&out).replace("git__subcmd__workflow", "git__workflow");
            out = text.into_bytes();
            out.extend_from_slice(BASH_UNDER_GIT.as_bytes());
        }
        clap_complete::Shell::Fish => out.extend_from_slice(FISH_UNDER_GIT.as_bytes()),
        _ => {}
    }
    emit(&out)
}

/// git's bash completion calls `_git_workflow` for `git workflow …`: hand the words
/// from `workflow` on to clap's function, as if `git-workflow` had been typed.
const BASH_UNDER_GIT: &str = r#"
# `git workflow <TAB>`: git's completion calls _git_workflow.
_git_workflow() {
    local start=${__git_cmd_idx:-1}
    local COMP_WORDS=("git-workflow" "${COMP_WORDS[@]:start+1}")
    local COMP_CWORD=$((COMP_CWORD - start))
    _git__workflow git-workflow "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// fish's git completion knows nothing of `git workflow`: complete its words as
/// the same line typed with `git-workflow` would be.
const FISH_UNDER_GIT: &str = r#"
# `git workflow <TAB>`: the completions of the same words after git-workflow.
complete -c git -n '__fish_seen_subcommand_from workflow' -f -a '(complete -C (string join -- " " git-workflow (commandline -opc)[3..] (commandline -ct)))'
"#;

/// Arguments of `man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write every page (git-workflow.1 and one per subcommand, such as
    /// git-workflow-migrate.1) into this folder instead of printing git-workflow.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// Prints `git-workflow(1)` in roff, or writes it and one page per subcommand
/// (`git-workflow-migrate(1)`, `git-workflow-session-complete(1)`, …) into a
/// folder: what `git workflow --help` and `git workflow migrate --help` open once
/// `install.sh` has put them where `man` looks.
pub fn man(args: ManArgs, cmd: clap::Command) -> Result<()> {
    let mut cmd = cmd.name("git-workflow");
    cmd.build();
    let Some(dir) = args.dir else {
        return emit(&page(&cmd, "git-workflow", &[])?);
    };
    std::fs::create_dir_all(&dir)?;
    for (name, path) in pages(&cmd) {
        let sub = path
            .iter()
            .fold(&cmd, |c, p| c.find_subcommand(p).expect("listed"));
        std::fs::write(dir.join(format!("{name}.1")), page(sub, &name, &path)?)?;
    }
    Ok(())
}

/// Every page's name and subcommand path: `git-workflow`, `git-workflow-migrate`,
/// `git-workflow-session-start`, … (help and hidden commands left out).
fn pages(cmd: &clap::Command) -> Vec<(String, Vec<String>)> {
    let mut out = vec![("git-workflow".to_string(), Vec::new())];
    let mut stack: Vec<(String, Vec<String>, &clap::Command)> =
        vec![("git-workflow".into(), Vec::new(), cmd)];
    while let Some((name, path, cmd)) = stack.pop() {
        for sub in cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            let mut sub_path = path.clone();
            sub_path.push(sub.get_name().to_string());
            let sub_name = format!("{name}-{}", sub.get_name());
            out.push((sub_name.clone(), sub_path.clone()));
            stack.push((sub_name, sub_path, sub));
        }
    }
    out.sort();
    out
}

/// One page: clap's sections with the SYNOPSIS as git's pages write it (`-C <dir>`
/// first), then EXIT STATUS and FILES.
fn page(cmd: &clap::Command, name: &str, path: &[String]) -> Result<Vec<u8>> {
    let words = path.join(" ");
    let usage = cmd.clone().render_usage().to_string();
    let rest = usage
        .trim_start_matches("Usage: ")
        .trim_start_matches("git workflow")
        .trim_start_matches(&format!(" {words}"))
        .trim();
    let synopsis = format!("git workflow [-C <dir>]... [--json] [-q] {words} {rest}");
    let cmd = cmd
        .clone()
        .name(name.to_string())
        .bin_name("git workflow")
        .version(env!("CARGO_PKG_VERSION"))
        .override_usage(synopsis.split_whitespace().collect::<Vec<_>>().join(" "));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    if let Some(lines) = examples(&words) {
        out.extend_from_slice(b".SH EXAMPLES\n");
        for line in lines {
            out.extend_from_slice(
                format!(".TP\n\\fB{}\\fR\n{}\n", line.0.replace('-', "\\-"), line.1).as_bytes(),
            );
        }
    }
    out.extend_from_slice(EXIT_AND_FILES.as_bytes());
    Ok(ascii_roff(&String::from_utf8_lossy(&out)).into_bytes())
}

/// The page with the punctuation of the help texts in troff's own escapes, so that
/// `man` renders it in any locale (an ellipsis would be a warning under `C`).
fn ascii_roff(text: &str) -> String {
    text.replace('…', "...")
        .replace('→', "\\(->")
        .replace('—', "\\(em")
        .replace('–', "\\(en")
        .replace(['‘', '’'], "'")
        .replace(['“', '”'], "\"")
}

/// The examples a page shows, by its subcommand words.
fn examples(words: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match words {
        "" => &[
            (
                "git workflow status",
                "What .workflow/ holds and what is pending.",
            ),
            (
                "git workflow migrate && git push",
                "Migrate to the current layouts, one commit per migration.",
            ),
        ],
        "migrate" => &[
            (
                "git workflow migrate --dry-run",
                "Print the plan, change nothing.",
            ),
            (
                "git workflow migrate --only ccw-active-dir",
                "Run one migration.",
            ),
            (
                "git workflow migrate --adopt",
                "Commit an untracked .workflow/ as it is, then migrate it.",
            ),
        ],
        "rollback" => &[
            (
                "git workflow rollback",
                "Revert the newest operation that is still in effect.",
            ),
            (
                "git workflow rollback 1a2b3c4 --dry-run",
                "Show what reverting that operation would do.",
            ),
        ],
        "check" => &[
            (
                "git workflow check",
                "Check what the next commit adds or changes (the hook does this).",
            ),
            (
                "git workflow check --range origin/main..HEAD",
                "Check every commit of a branch, in CI.",
            ),
        ],
        "session complete" => &[(
            "git workflow session complete --detailed",
            "Archive the only active CCW session as one commit.",
        )],
        "hooks install" => &[
            (
                "git workflow hooks install",
                "Install the pre-commit hook (or say how, under a hook manager).",
            ),
            (
                "git workflow -C /srv/git/p.git hooks install --pre-receive",
                "Check every push on a server.",
            ),
        ],
        _ => return None,
    })
}

/// `git workflow <command> --help` opens that command's page, as `git help` does for
/// git's own commands, when stdout is a terminal, `help.format` is `man` (git's
/// default) and `man` has the page; otherwise clap's help is printed. Returns only
/// when the page was not opened.
pub fn open_man_page(args: &[std::ffi::OsString], tree: impl FnOnce() -> clap::Command) {
    use std::io::IsTerminal;
    if !args.iter().any(|a| a == "--help") || !std::io::stdout().is_terminal() {
        return;
    }
    let format = std::process::Command::new("git")
        .args(["config", "help.format"])
        .output();
    if format.is_ok_and(|o| !o.stdout.is_empty() && o.stdout.trim_ascii() != b"man") {
        return;
    }
    let mut cmd = tree();
    let mut name = String::from("git-workflow");
    let words = args.iter().skip(1).map(|a| a.to_string_lossy());
    for word in words.filter(|a| !a.starts_with('-')) {
        let Some(sub) = cmd.find_subcommand(word.as_ref()).cloned() else {
            break;
        };
        name.push('-');
        name.push_str(&word);
        cmd = sub;
    }
    let found = std::process::Command::new("man")
        .args(["-w", &name])
        .output();
    if found.is_ok_and(|o| o.status.success()) {
        use std::os::unix::process::CommandExt;
        let _ = std::process::Command::new("man").arg(&name).exec();
    }
}

/// What every page ends with: the exit codes of SPEC §2 and the files the tool
/// reads and writes.
const EXIT_AND_FILES: &str = r#".SH "EXIT STATUS"
.TP
0
Success, or nothing to do.
.TP
1
Refused: the thing checked is not acceptable (layout problems, a graph that fails its check, a repository not ready for the operation); nothing was changed.
.TP
2
The command line is wrong.
.TP
3
An operation failed and changed nothing, or was finished by its journal.
.SH FILES
.TP
\fI.workflow/\fR
The state folder every operation reads and commits.
.TP
\fI$GIT_DIR/git\-workflow.lock\fR, \fI$GIT_DIR/git\-workflow.journal\fR
The lock of a running operation, and the journal that finishes an interrupted one.
.TP
\fI$GIT_DIR/hooks/pre\-commit\fR (or \fBcore.hooksPath\fR)
The hook \fBgit workflow hooks install\fR writes.
.SH "SEE ALSO"
\fBgit\fR(1), \fBgit\-workflow\fR(1)
"#;

fn emit(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
