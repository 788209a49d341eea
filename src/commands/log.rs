//! `git workflow log`: the operations this tool committed, newest first, read from the
//! `Workflow-*` trailers of the history (there is no other database).

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::engine::history;
use crate::formats;
use crate::repo::Repo;

/// Arguments of `log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show at most N operations.
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    pub max_count: Option<usize>,
}

#[derive(Debug, Serialize)]
struct Entry {
    commit: String,
    date: String,
    operation: String,
    subject: String,
    trailers: Vec<(String, String)>,
    reverts: Option<String>,
    rolled_back_by: Option<String>,
}

/// Runs `log`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover_history()?;
    let entries: Vec<Entry> = history::read(&repo)?
        .into_iter()
        .take(args.max_count.unwrap_or(usize::MAX))
        .map(|op| Entry {
            commit: op.id.to_string(),
            date: formats::timestamp(op.time),
            operation: op.operation.to_string(),
            subject: op.subject,
            trailers: op.trailers,
            reverts: op.reverts.map(|id| id.to_string()),
            rolled_back_by: op.rolled_back_by.map(|id| id.to_string()),
        })
        .collect();
    if entries.is_empty() {
        ctx.out
            .line("no operations yet: `git workflow migrate` makes the first");
    }
    for e in &entries {
        let mark = match &e.rolled_back_by {
            Some(by) => format!("  (rolled back by {})", &by[..7]),
            None => String::new(),
        };
        ctx.out.line(format!(
            "{} {} {:<9} {}{mark}",
            &e.commit[..7],
            e.date,
            e.operation,
            e.subject
        ));
    }
    ctx.out.json(&entries);
    Ok(())
}
