//! `--adopt` (SPEC §3): a `.workflow/` that git does not track yet is committed as it
//! stands in the work tree, in its own commit, before anything migrates it.
//!
//! This is the one planner that reads the work tree, because what it commits is the
//! work tree.

use crate::engine::history::Kind;
use crate::engine::{Action, Plan};
use crate::layout;
use crate::repo::Repo;
use anyhow::Result;

/// Plans the commit of every file under `.workflow/`: all of them when the folder
/// itself is ignored (adopting it is the point), else those git would not ignore.
/// Symbolic links and names that are not UTF-8 are refused.
pub fn plan(repo: &Repo) -> Result<Plan> {
    let take_ignored = repo.is_ignored(layout::WORKFLOW_DIR)?;
    let actions: Vec<Action> = repo
        .work_tree_files(layout::WORKFLOW_DIR, take_ignored)?
        .into_iter()
        .map(|f| Action::Write {
            path: f.path,
            bytes: f.bytes,
            executable: f.executable,
        })
        .collect();
    let n = actions.len();
    Ok(Plan {
        operation: Kind::Adopt,
        subject: format!(
            "workflow: adopt .workflow/ as it is ({n} file{})",
            if n == 1 { "" } else { "s" }
        ),
        body: vec![
            "Commit the untracked .workflow/ unchanged, so that the migrations after".into(),
            "this commit are reviewable and revertable on their own.".into(),
        ],
        actions,
        ..Plan::default()
    })
}
