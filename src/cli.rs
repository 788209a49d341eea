//! The clap tree: the one definition that feeds `--help`, the man page and completions.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

use crate::commands::{
    check, completions, graph, hooks, log, migrate, rollback, session, status, task, version,
};

/// `git workflow`: keep a repository's `.workflow/` folder in its current layout, one
/// reviewable, revertable commit at a time.
#[derive(Debug, Parser)]
#[command(
    name = "git-workflow",
    bin_name = "git workflow",
    version,
    about = "Migrate, complete and roll back the .workflow/ state of AI-agent workflow systems, one git commit at a time",
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if started in <DIR> (like `git -C`); may be given more than once.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dirs: Vec<PathBuf>,
    /// Print one JSON document on stdout instead of the human report.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command; each lives in its own file under `commands/`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what .workflow/ holds, pending migrations, and any interrupted operation.
    Status(status::Args),
    /// Run every pending migration, each as its own commit.
    Migrate(migrate::Args),
    /// Undo one operation commit with a commit that reverts it exactly.
    Rollback(rollback::Args),
    /// List the operations this tool committed, newest first.
    Log(log::Args),
    /// Start, list and complete Claude-Code-Workflow sessions.
    Session(session::Args),
    /// Create versions of the versioned task-session workflow.
    Version(version::Args),
    /// Start, show and log task sessions.
    Task(task::Args),
    /// Check the layout rules over what is being committed, the tracked tree, or a range.
    Check(check::Args),
    /// Check agentrelay task-graph files exactly as agentrelay would.
    Graph(graph::Args),
    /// Install, remove or inspect the pre-commit hook that runs `check --staged`.
    Hooks(hooks::Args),
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions(completions::Args),
    /// Print the man page (roff); install.sh puts it where `git workflow --help` finds it.
    #[command(hide = true)]
    Man(completions::ManArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
