//! `git workflow log`: the operations this tool committed, newest first, read from the
//! `Workflow-*` trailers of the history (there is no other database).

use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;

use super::Ctx;
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
    rolled_back_by: Option<String>,
}

const OPERATION: &str = "Workflow-Operation";
const REVERTS: &str = "Workflow-Reverts";

/// Runs `log`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    let commits = repo.commits_with_trailer(OPERATION)?;
    let reverted_by: HashMap<String, String> = commits
        .iter()
        .filter_map(|c| {
            let target = c.trailers.iter().find(|(k, _)| k == REVERTS)?;
            Some((target.1.clone(), c.id.to_string()))
        })
        .collect();
    let entries: Vec<Entry> = commits
        .into_iter()
        .take(args.max_count.unwrap_or(usize::MAX))
        .map(|c| Entry {
            rolled_back_by: reverted_by.get(&c.id.to_string()).cloned(),
            commit: c.id.to_string(),
            date: formats::timestamp(c.time),
            operation: c
                .trailers
                .iter()
                .find(|(k, _)| k == OPERATION)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            subject: c.subject,
            trailers: c.trailers,
        })
        .collect();
    if entries.is_empty() {
        ctx.out
            .line("no operations yet: `git workflow migrate` makes the first");
    }
    for e in &entries {
        let short = &e.commit[..e.commit.len().min(7)];
        let mark = match &e.rolled_back_by {
            Some(by) => format!("  (rolled back by {})", &by[..by.len().min(7)]),
            None => String::new(),
        };
        ctx.out.line(format!(
            "{short} {} {:<9} {}{mark}",
            e.date, e.operation, e.subject
        ));
    }
    ctx.out.json(&entries);
    Ok(())
}
