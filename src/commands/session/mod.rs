//! `git workflow session start|list|complete`: Claude-Code-Workflow sessions
//! (SPEC §1.3, §4.2), one file per subcommand.

mod complete;
mod list;
mod start;

use anyhow::Result;
use std::path::PathBuf;

use super::Ctx;

/// Arguments of `session`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with sessions.
    #[command(subcommand)]
    pub action: Action,
}

/// The session subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create .workflow/active/WFS-<slug>/ (or sessions/, as workflow.ccw.layout says) for new work (writes files, commits nothing).
    Start {
        /// What the session is for; its slug names the session.
        description: String,
        /// The session id to use instead of one made from the description (WFS-<letters, digits, ->).
        #[arg(long, value_name = "WFS-ID")]
        id: Option<String>,
    },
    /// List active, old-layout and archived sessions with task progress.
    List,
    /// Archive a session as one commit: archive folder, manifest entry, project files.
    Complete {
        /// The session (WFS-…); by default the only active one.
        id: Option<String>,
        /// Also print the metrics, the feature and the lessons.
        #[arg(long)]
        detailed: bool,
        /// Lessons learned: a YAML or JSON file with successes, challenges, watch_patterns.
        #[arg(long, value_name = "FILE")]
        lessons: Option<PathBuf>,
        /// Print what would be committed, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Allow the commits on a detached HEAD.
        #[arg(long)]
        detach_ok: bool,
    },
}

/// Runs `session`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.action {
        Action::Start { description, id } => start::run(&description, id.as_deref(), ctx),
        Action::List => list::run(ctx),
        Action::Complete {
            id,
            detailed,
            lessons,
            dry_run,
            detach_ok,
        } => complete::run(id.as_deref(), detailed, lessons, (dry_run, detach_ok), ctx),
    }
}
