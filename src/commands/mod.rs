//! One file per command: its `Args` and its `run`, reading like the user's story.

pub mod check;
pub mod completions;
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

use crate::cli::{Cli, Command};
use crate::formats;
use crate::report::Out;

/// What every command gets besides its own arguments.
pub struct Ctx {
    /// Where the report goes.
    pub out: Out,
    /// "Now" as SPEC §2 defines it, already formatted as a timestamp.
    pub now: String,
    /// The same moment in seconds, for files that write time their own way.
    pub now_seconds: i64,
}

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
    let now = now_seconds()?;
    let ctx = Ctx {
        out: Out::new(cli.json, cli.quiet),
        now: formats::timestamp(now),
        now_seconds: now,
    };
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

/// The system clock, or `SOURCE_DATE_EPOCH` when set, so that tests and reproducible
/// builds get the same files twice.
fn now_seconds() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse().map_err(|_| {
            crate::error::usage(
                format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds"),
                "unset it or set it to seconds since 1970, e.g. SOURCE_DATE_EPOCH=1765886400",
            )
        }),
        Err(_) => Ok(chrono::Utc::now().timestamp()),
    }
}

/// The error for a `--only` name that no migration has.
pub fn unknown_migration(name: &str) -> anyhow::Error {
    crate::error::usage(
        format!("there is no migration called '{name}'"),
        format!("pick one of: {}", crate::migrations::names()),
    )
}
