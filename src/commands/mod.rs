//! One file per command: its `Args` and its `run`, reading like the user's story.

pub mod check;
pub mod completions;
mod ctx;
pub mod graph;
pub mod hooks;
pub mod log;
pub mod migrate;
pub mod rollback;
pub mod runner;
pub mod session;
pub mod status;
pub mod task;
pub mod version;

use anyhow::Result;
use clap::CommandFactory;

pub use ctx::Ctx;

use crate::cli::{Cli, Command};
use crate::report::Out;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    for dir in &cli.dirs {
        std::env::set_current_dir(dir).map_err(|e| {
            crate::error::usage(
                format!("cannot change to {}: {e}", dir.display()),
                "check the path given to -C",
            )
        })?;
    }
    let ctx = Ctx::new(Out::new(cli.json, cli.quiet))?;
    match cli.command {
        Command::Status(args) => status::run(args, &ctx),
        Command::Migrate(args) => migrate::run(args, &ctx),
        Command::Rollback(args) => rollback::run(args, &ctx),
        Command::Log(args) => log::run(args, &ctx),
        Command::Session(args) => session::run(args, &ctx),
        Command::Version(args) => version::run(args, &ctx),
        Command::Task(args) => task::run(args, &ctx),
        Command::Check(args) => check::run(args, &ctx),
        Command::Graph(args) => graph::run(args, &ctx),
        Command::Hooks(args) => hooks::run(args, &ctx),
        Command::Completions(args) => completions::run(args, Cli::command()),
        Command::Man(args) => completions::man(args, Cli::command()),
    }
}

/// The error for a `--only` name that no migration has.
pub fn unknown_migration(name: &str) -> anyhow::Error {
    crate::error::usage(
        format!("there is no migration called '{name}'"),
        format!("pick one of: {}", crate::migrations::names()),
    )
}
