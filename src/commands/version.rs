//! `git workflow version create <feature> [--parent vNNN]` (SPEC §2).

use anyhow::Result;

use super::Ctx;
use crate::dialects::guardrail::versions as task_sessions;
use crate::repo::Repo;

/// Arguments of `version`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with versions.
    #[command(subcommand)]
    pub action: Action,
}

/// The version subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create the next versions/vNNN/ with its record, tasks/, task_sessions/ and an index.yml entry.
    Create {
        /// The feature this version delivers.
        feature: String,
        /// The version this one builds on.
        #[arg(long, value_name = "vNNN")]
        parent: Option<String>,
    },
}

/// Runs `version`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let Action::Create { feature, parent } = args.action;
    let repo = Repo::discover()?;
    crate::engine::verify::refuse_linked_workflow(&repo)?;
    let created =
        task_sessions::create_version(&repo, &feature, parent.as_deref(), ctx.now_seconds)?;
    ctx.out
        .line(format!("created {} in {}", created.version, created.path));
    ctx.out.json(&created);
    Ok(())
}
