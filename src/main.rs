//! The `git-workflow` binary: parse, run, map errors to exit codes. Nothing else.

use clap::{CommandFactory, FromArgMatches};
use git_workflow::layout::escape_controls;
use git_workflow::report::{Colour, json_error, paint, to_stderr};
use git_workflow::{cli::Cli, commands, error};
use std::ffi::OsString;

/// Whether `--json` is on the command line, before clap could parse it (a usage
/// error still owes a JSON reader a document on stdout).
fn asked_for_json(args: &[OsString]) -> bool {
    args.iter().skip(1).any(|a| a == "--json")
}

/// The command line parsed by the clap tree, which is left alive until the process
/// ends: tearing the tree down is a tenth of the pre-commit hook's instructions on a
/// small repository, and nothing needs the memory back.
fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    let tree: &'static mut clap::Command = Box::leak(Box::new(Cli::command()));
    let mut matches = tree.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(tree))
}

/// clap's error in one line, without its usage block and tip.
fn usage_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    commands::completions::open_man_page(&args, Cli::command);
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() && asked_for_json(&args) {
                json_error(
                    2,
                    &usage_message(&e),
                    Some("`git workflow --help` lists the commands and options"),
                );
            }
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let json = cli.json;
    if let Err(err) = commands::run(cli) {
        let messages = error::messages(&err);
        let hint = error::hint(&err);
        if json {
            json_error(
                error::exit_code(&err),
                &messages.join(": "),
                hint.as_deref(),
            );
        }
        let safe = |text: &str| escape_controls(text).into_owned();
        to_stderr(&format!(
            "{}: {}",
            paint("error", Colour::Red),
            safe(&messages[0])
        ));
        for cause in &messages[1..] {
            to_stderr(&format!("  caused by: {}", safe(cause)));
        }
        if let Some(hint) = hint {
            to_stderr(&format!("hint: {}", safe(&hint)));
        }
        std::process::exit(error::exit_code(&err));
    }
}
