//! `git workflow session start DESCRIPTION`: a new CCW session folder, written the
//! way CCW writes one; nothing is committed.

use anyhow::Result;

use crate::commands::Ctx;
use crate::dialects::ccw;
use crate::dialects::ccw::sessions;
use crate::repo::Repo;

/// Runs `session start`.
pub(super) fn run(description: &str, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    let started = sessions::start(&repo, description, &ctx.now)?;
    ctx.out.line(format!(
        "started {} in {}",
        started.session_id, started.path
    ));
    if started.created_project {
        ctx.out.line(format!("created {}", ccw::PROJECT_JSON));
    }
    ctx.out.json(&started);
    Ok(())
}
