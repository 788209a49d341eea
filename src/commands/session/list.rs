//! `git workflow session list`: every CCW session in the work tree, in every layout,
//! with its task progress and the other places its id is found.

use anyhow::Result;

use crate::commands::Ctx;
use crate::dialects::ccw;
use crate::dialects::ccw::sessions::{self, Listed, State};
use crate::repo::Repo;

/// Runs `session list`.
pub(super) fn run(ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    let found = sessions::list(&repo)?;
    if found.is_empty() {
        ctx.out
            .line("no sessions (`git workflow session start <description>` begins one)");
    }
    for s in &found {
        ctx.out.line(describe(s));
    }
    ctx.out.json(&found);
    Ok(())
}

fn describe(s: &Listed) -> String {
    let place = match s.state {
        State::Active if s.path.starts_with(ccw::ACTIVE_DIR) => {
            "active (in active/, CCW's next layout)".to_string()
        }
        State::OldLayout => "active, old layout (`git workflow migrate` moves it)".to_string(),
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
