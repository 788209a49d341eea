//! `git workflow rollback [COMMIT] [--dry-run]`: undo one operation commit with a
//! commit that reverts it exactly, or refuse and say why (SPEC §5).

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use super::runner::Runner;
use crate::dialects::ccw::complete;
use crate::engine::Action;
use crate::engine::history;
use crate::engine::rollback;
use crate::report::{self, ActionLine};

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
    let mut runner = Runner::start(ctx, args.dry_run, args.detach_ok)?;
    let (repo, head) = (runner.repo(), runner.base().commit);
    let ops = history::read(repo)?;
    let target = rollback::choose(repo, head, &ops, args.commit.as_deref())?;
    let plan = rollback::plan(
        repo,
        head,
        target,
        &ops,
        &complete::moved_whole,
        runner.roots(),
    )?;
    runner.require_clean([&plan.clean])?;
    let mut report = Report {
        dry_run: args.dry_run,
        reverts: target.id.to_string(),
        subject: plan.subject.clone(),
        actions: report::action_lines(&plan.actions, &|_| true),
        commit: None,
    };
    let short = repo.short_id(target.id);
    if runner.dry_run() {
        ctx.out
            .line(format!("would roll back {short} {}", target.subject));
        ctx.out.actions(&report.actions);
        ctx.out.line(format!(
            "dry run: nothing was changed; run `git workflow rollback {short}` to carry it out"
        ));
    } else {
        let (restored, deleted) = counts(&plan.actions);
        let commit = runner.land(&plan, |_| {
            ctx.out.line(format!(
                "rolled back {short}: {restored} file(s) restored, {deleted} removed"
            ));
            Ok(())
        })?;
        report.commit = Some(commit.to_string());
    }
    ctx.out.json(&report);
    Ok(())
}

fn counts(actions: &[Action]) -> (usize, usize) {
    let deleted = actions
        .iter()
        .filter(|a| matches!(a, Action::Delete { .. }))
        .count();
    (actions.len() - deleted, deleted)
}
