//! `git workflow session list`: every CCW session in the work tree, in every layout,
//! with its task progress and the other places its id is found.

use anyhow::Result;

use crate::commands::Ctx;
use crate::config;
use crate::dialects::ccw::sessions::{self, Listed, State};
use crate::layout::CcwLayout;
use crate::repo::Repo;

/// Runs `session list`.
pub(super) fn run(ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    crate::engine::verify::refuse_linked_workflow(&repo)?;
    let target = config::ccw_layout(&repo)?;
    let found = sessions::list(&repo)?;
    if found.is_empty() {
        ctx.out
            .line("no sessions (`git workflow session start <description>` begins one)");
    }
    for s in &found {
        ctx.out.line(describe(s, target));
    }
    ctx.out.json(&found);
    Ok(())
}

/// One line: id, state and layout (saying when it is not the target layout),
/// status, task progress, the other places of its id.
fn describe(s: &Listed, target: CcwLayout) -> String {
    let moves = "(`git workflow migrate` moves it)";
    let place = match s.state {
        State::Active if s.layout != target.name() => {
            format!(
                "active, in {}/, not the target {}/ {moves}",
                s.layout,
                target.name()
            )
        }
        State::Active => format!("active, in {}/", s.layout),
        State::OldLayout | State::OldLayoutInactive => format!("{} {moves}", s.state.words()),
        state => state.words().to_string(),
    };
    let mut line = format!(
        "{:<40} {place:<12} {:<10} tasks {}/{}",
        s.session_id,
        s.status.as_deref().unwrap_or("-"),
        s.tasks_done,
        s.tasks_total
    );
    if !s.also_at.is_empty() {
        line.push_str(&format!("  (also at {})", s.also_at.join(", ")));
    }
    line
}
