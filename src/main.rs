//! The `git-workflow` binary: parse, run, map errors to exit codes. Nothing else.

use clap::{CommandFactory, Parser};
use git_workflow::report::{Colour, json_error, paint};
use git_workflow::{cli::Cli, commands, error};

/// Whether `--json` is on the command line, before clap could parse it (a usage
/// error still owes a JSON reader a document on stdout).
fn asked_for_json() -> bool {
    std::env::args().skip(1).any(|a| a == "--json")
}

/// clap's error in one line, without its usage block and tip.
fn usage_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

fn main() {
    commands::completions::open_man_page(&std::env::args().collect::<Vec<_>>(), Cli::command);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() && asked_for_json() {
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
        eprintln!("{}: {}", paint("error", Colour::Red), messages[0]);
        for cause in &messages[1..] {
            eprintln!("  caused by: {cause}");
        }
        if let Some(hint) = hint {
            eprintln!("hint: {hint}");
        }
        std::process::exit(error::exit_code(&err));
    }
}
