//! `git workflow session start [--id WFS-ID] DESCRIPTION`: a new CCW session
//! folder, written the way CCW writes one; nothing is committed.

use anyhow::Result;

use crate::commands::Ctx;
use crate::config;
use crate::dialects::ccw::sessions;
use crate::repo::Repo;

/// Runs `session start`.
pub(super) fn run(description: &str, id: Option<&str>, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    crate::engine::verify::refuse_linked_workflow(&repo)?;
    let target = config::ccw_layout(&repo)?;
    let started = sessions::start(&repo, description, id, ctx.now_seconds, target)?;
    if let Some(why) = &started.named_by {
        ctx.out.warn(why);
    }
    ctx.out.line(format!(
        "started {} in {}",
        started.session_id, started.path
    ));
    ctx.out.json(&started);
    Ok(())
}
