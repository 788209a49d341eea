//! `git workflow graph check|plan|migrate`: agentrelay's task graphs (GRAPH.md), one
//! file per subcommand.

mod check;
mod migrate;
mod plan;

use anyhow::Result;

use super::Ctx;

/// Arguments of `graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with task graphs.
    #[command(subcommand)]
    pub action: Action,
}

/// The graph subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Validate task-graph files exactly as agentrelay's builder does.
    Check {
        /// The graph files, checked one by one in this order.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Rewrite v01 task graphs to the current schema as one commit (rollback undoes it).
    Migrate {
        /// The graph files (default: the tracked files matching `git config workflow.graphs`).
        #[arg(value_name = "FILE")]
        files: Vec<String>,
        /// Print the diff and the report, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Allow the commit on a detached HEAD.
        #[arg(long)]
        detach_ok: bool,
    },
    /// Simulate how agentrelay's orchestrator would schedule a graph, step by step.
    Plan {
        /// The graph file.
        file: String,
        /// Attempts running at once (default: the file's max_concurrency, else 1).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        concurrency: Option<u64>,
        /// Attempts per task (default: the file's max_task_attempts, else 1).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        attempts: Option<u64>,
        /// Make every attempt of TASK fail (repeatable).
        #[arg(long, value_name = "TASK")]
        fail: Vec<String>,
        /// One attempt of TASK takes N steps (repeatable), as TASK=N.
        #[arg(long, value_name = "TASK=N")]
        duration: Vec<String>,
        /// text, json, mermaid or dot.
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json", "mermaid", "dot"])]
        format: String,
    },
}

/// Runs `graph`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.action {
        Action::Check { files } => check::run(&files, ctx),
        Action::Migrate {
            files,
            dry_run,
            detach_ok,
        } => migrate::run(&files, dry_run, detach_ok, ctx),
        Action::Plan {
            file,
            concurrency,
            attempts,
            fail,
            duration,
            format,
        } => {
            let format = if ctx.out.is_json() {
                "json".to_string()
            } else {
                format
            };
            plan::run(&file, concurrency, attempts, &fail, &duration, &format, ctx)
        }
    }
}
