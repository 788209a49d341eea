//! `git workflow rollback [COMMIT] [--dry-run]`: undo one operation commit with a
//! commit that reverts it exactly, or refuse and say why (SPEC §5).

use anyhow::Result;
use serde::Serialize;

use super::{Ctx, report_recovery};
use crate::history;
use crate::layout;
use crate::plan::{self, Action, Guard};
use crate::repo::Repo;
use crate::report::{self, ActionLine};
use crate::rollback;

/// Arguments of `rollback`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The operation to undo (hash, abbreviation, or a revision like HEAD~2); by
    /// default the newest one that is still in effect.
    #[arg(value_name = "COMMIT")]
    pub commit: Option<String>,
    /// Print the files that would come back and go away, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow the commit on a detached HEAD.
    #[arg(long)]
    pub detach_ok: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    dry_run: bool,
    reverts: String,
    subject: String,
    actions: Vec<ActionLine>,
    commit: Option<String>,
}

/// Runs `rollback`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    let (_guard, recovered) = Guard::for_run(&repo, args.dry_run)?;
    report_recovery(ctx, &repo, &recovered);
    let base = plan::preflight(&repo, args.detach_ok)?;
    let ops = history::read(&repo)?;
    let target = rollback::choose(&repo, base.commit, &ops, args.commit.as_deref())?;
    let plan = rollback::plan(&repo, base.commit, target, &ops)?;
    require_clean_paths(&repo, &plan.actions)?;
    let mut report = Report {
        dry_run: args.dry_run,
        reverts: target.id.to_string(),
        subject: plan.subject.clone(),
        actions: report::action_lines(&plan.actions, &|_| true),
        commit: None,
    };
    let short = repo.short_id(target.id);
    if args.dry_run {
        ctx.out
            .line(format!("would roll back {short} {}", target.subject));
        ctx.out.actions(&report.actions);
        ctx.out.line(format!(
            "dry run: nothing was changed; run `git workflow rollback {short}` to carry it out"
        ));
    } else {
        let commit = plan::execute(&repo, &base, &plan)?;
        report.commit = Some(commit.to_string());
        let (restored, deleted) = counts(&plan.actions);
        ctx.out.line(format!(
            "rolled back {short}: {restored} file(s) restored, {deleted} removed"
        ));
        ctx.out.line(format!(
            "[{} {}] {}",
            base.branch(),
            repo.short_id(commit),
            plan.subject
        ));
    }
    ctx.out.json(&report);
    Ok(())
}

/// `.workflow/` and every other path the rollback writes must have no local change.
fn require_clean_paths(repo: &Repo, actions: &[Action]) -> Result<()> {
    let mut paths: Vec<&str> = vec![layout::WORKFLOW_PATHSPEC];
    for action in actions {
        if let Action::Restore { path, .. } | Action::Delete { path } = action
            && !layout::is_under_workflow(path)
        {
            paths.push(path);
        }
    }
    plan::require_clean(repo, &paths)
}

fn counts(actions: &[Action]) -> (usize, usize) {
    let deleted = actions
        .iter()
        .filter(|a| matches!(a, Action::Delete { .. }))
        .count();
    (actions.len() - deleted, deleted)
}
