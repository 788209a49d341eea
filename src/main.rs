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
        if json {
            json_error(
                error::exit_code(&err),
                &format!("{err:#}"),
                error::hint(&err),
            );
        }
        eprintln!("{}: {err}", paint("error", Colour::Red));
        for cause in err.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        if let Some(hint) = error::hint(&err) {
            eprintln!("hint: {hint}");
        }
        std::process::exit(error::exit_code(&err));
    }
}
