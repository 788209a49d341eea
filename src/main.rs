//! The `git-workflow` binary: parse, run, map errors to exit codes. Nothing else.

use clap::Parser;
use git_workflow::report::{Colour, json_error, paint};
use git_workflow::{cli::Cli, commands, error};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
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
