//! `git workflow migrate [--dry-run] [--only NAME] [--adopt]`: every pending migration,
//! each as its own commit (SPEC §3).

use anyhow::Result;
use serde::Serialize;

use super::runner::Runner;
use super::{Ctx, unknown_migration};
use crate::config;
use crate::engine::{self, Action, MemTree, Plan, Tracking, Tree, WithFolder};
use crate::error;
use crate::layout;
use crate::migrations::{self, Failure, Item, Migration, Outcome, adopt};
use crate::repo::Snapshot;
use crate::report::{self, ActionLine};

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print exactly what a real run would do, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run only the migration called NAME (see `git workflow status`).
    #[arg(long, value_name = "NAME")]
    pub only: Option<String>,
    /// When .workflow/ is untracked or ignored, first commit it as it is, in its own commit.
    #[arg(long)]
    pub adopt: bool,
    /// Allow the commits on a detached HEAD.
    #[arg(long)]
    pub detach_ok: bool,
}

/// The `--json` document.
#[derive(Debug, Serialize)]
struct Report {
    dry_run: bool,
    adopt: Option<Step>,
    migrations: Vec<Step>,
}

/// What became of one migration (or the adopt step), in the words `--json` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Status {
    /// Nothing of its old layout is there.
    #[serde(rename = "nothing to do")]
    NothingToDo,
    /// A dry run: it would commit.
    #[serde(rename = "planned")]
    Planned,
    /// Some of its items cannot be migrated as they are.
    #[serde(rename = "refused")]
    Refused,
    /// Another migration was refused, so none ran.
    #[serde(rename = "not run")]
    NotRun,
    /// Its commit was made.
    #[serde(rename = "committed")]
    Committed,
}

/// One migration (or the adopt step) as planned or carried out.
#[derive(Debug, Serialize)]
struct Step {
    name: String,
    status: Status,
    subject: String,
    processed: usize,
    migrated: usize,
    failed: usize,
    items: Vec<Item>,
    actions: Vec<ActionLine>,
    failures: Vec<Failure>,
    warnings: Vec<String>,
    commit: Option<String>,
}

/// Runs `migrate`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let selected = select(args.only.as_deref())?;
    let mut runner = Runner::start(ctx, args.dry_run, args.detach_ok)?;
    let mut report = Report {
        dry_run: args.dry_run,
        adopt: None,
        migrations: Vec::new(),
    };
    let tracking = Tracking::of(runner.repo(), &runner.head()?)?;
    match tracking {
        Tracking::Absent => {
            ctx.out
                .line("nothing to migrate: there is no .workflow/ in this repository");
            ctx.out.json(&report);
            return Ok(());
        }
        Tracking::Untracked { ignored } if !args.adopt => return Err(untracked(ignored)),
        Tracking::Untracked { .. } => {
            let adopt = adopt::plan(runner.repo())?;
            let head = runner.head()?;
            let adopted = adopted_tree(&head, &adopt);
            let outcomes = plan_all(&runner, &adopted, selected.clone(), ctx)?;
            let refused = outcomes.iter().any(|(_, o)| !o.failures.is_empty());
            if !refused && !args.dry_run {
                for (_, outcome) in &outcomes {
                    engine::refuse_work_tree_conflicts(runner.repo(), &adopted, &outcome.plan)?;
                }
            }
            if refused || args.dry_run {
                report.adopt = Some(show_adopt(&adopt, &head, refused, ctx));
                report.migrations = show_all(&outcomes, refused, args.dry_run, &adopted, ctx);
                drop(head);
                return finish(ctx, &report, refused);
            }
            drop(head);
            report.adopt = Some(commit_adopt(&mut runner, &adopt)?);
        }
        Tracking::Tracked => {}
    }
    let head = runner.head()?;
    let outcomes = plan_all(&runner, &head, selected, ctx)?;
    drop(head);
    runner.require_clean(outcomes.iter().map(|(_, o)| &o.plan.clean))?;
    let refused = outcomes.iter().any(|(_, o)| !o.failures.is_empty());
    for (migration, outcome) in outcomes {
        let step = if refused || args.dry_run || outcome.is_nothing_to_do() {
            let head = runner.head()?;
            show_plan(migration, &outcome, refused, args.dry_run, &head, ctx)
        } else {
            carry_out(&mut runner, migration, outcome, ctx)?
        };
        report.migrations.push(step);
    }
    finish(ctx, &report, refused)
}

/// Prints the closing line and the JSON document, and turns a refusal into exit 1.
fn finish(ctx: &Ctx, report: &Report, refused: bool) -> Result<()> {
    let pending = report
        .migrations
        .iter()
        .any(|s| s.status != Status::NothingToDo);
    if refused {
        ctx.out.json(report);
        return Err(error::refused(
            "some items cannot be migrated as they are (listed above); nothing was changed",
            "fix the files named above, commit, then run `git workflow migrate` again",
        ));
    }
    if !pending && report.adopt.is_none() {
        ctx.out
            .line("nothing to migrate: no migration finds anything to do in .workflow/");
    } else if report.dry_run {
        ctx.out.line(
            "dry run: nothing was changed; run `git workflow migrate` to carry out this plan",
        );
    }
    ctx.out.json(report);
    Ok(())
}

/// The migrations to run: all of them, or the one `--only` names.
fn select(only: Option<&str>) -> Result<Vec<&'static Migration>> {
    match only {
        None => Ok(migrations::ALL.iter().collect()),
        Some(name) => migrations::find(name)
            .map(|m| vec![m])
            .ok_or_else(|| unknown_migration(name)),
    }
}

fn untracked(ignored: bool) -> anyhow::Error {
    let how = if ignored {
        "ignored by git"
    } else {
        "not tracked by git"
    };
    error::refused(
        format!(".workflow/ is {how}: a migration commit could not be reviewed or reverted"),
        "run `git workflow migrate --adopt` to commit .workflow/ as it is first, then migrate it",
    )
}

/// `HEAD` as it will be once the adopt commit holds `.workflow/`: the migrations
/// are planned on it before that commit is made, so that a refusal changes nothing.
fn adopted_tree<'a>(head: &'a Snapshot<'_>, adopt: &Plan) -> WithFolder<'a> {
    let mut files = MemTree::new();
    for action in &adopt.actions {
        if let Action::Write {
            path,
            bytes,
            executable,
        } = action
        {
            files.insert(path, bytes.clone(), *executable);
        }
    }
    WithFolder {
        base: head,
        folder: layout::WORKFLOW_DIR,
        files,
    }
}

/// The adopt step as planned, not committed: a dry run, or a migration after it
/// refused.
fn show_adopt(plan: &Plan, head: &Snapshot<'_>, refused: bool, ctx: &Ctx) -> Step {
    let mut step = step_for("adopt", plan, plan.actions.len(), head);
    step.status = if refused {
        Status::NotRun
    } else {
        Status::Planned
    };
    if !refused {
        ctx.out.line(format!(
            "adopt: would commit .workflow/ as it is ({})",
            layout::count(plan.actions.len(), "file")
        ));
        ctx.out.actions(&step.actions);
    }
    step
}

/// Commits the untracked `.workflow/` as it is.
fn commit_adopt(runner: &mut Runner<'_>, plan: &Plan) -> Result<Step> {
    let mut step = step_for("adopt", plan, plan.actions.len(), &runner.head()?);
    let commit = runner.land(plan, |_| Ok(()))?;
    step.status = Status::Committed;
    step.commit = Some(commit.to_string());
    Ok(step)
}

/// Every planned migration shown, none carried out.
fn show_all(
    outcomes: &[(&'static Migration, Outcome)],
    refused: bool,
    dry_run: bool,
    tree: &dyn Tree,
    ctx: &Ctx,
) -> Vec<Step> {
    outcomes
        .iter()
        .map(|(migration, outcome)| show_plan(migration, outcome, refused, dry_run, tree, ctx))
        .collect()
}

/// Plans every selected migration against `HEAD` before any commits, so that one
/// refusal stops them all with nothing changed.
fn plan_all(
    runner: &Runner<'_>,
    snapshot: &dyn Tree,
    selected: Vec<&'static Migration>,
    ctx: &Ctx,
) -> Result<Vec<(&'static Migration, Outcome)>> {
    let settings = migrations::Settings {
        now: ctx.now.clone(),
        ccw: config::ccw_layout(runner.repo())?,
    };
    selected
        .into_iter()
        .map(|m| Ok((m, (m.plan)(snapshot, &settings)?)))
        .collect()
}

/// Prints a plan that is not carried out: a dry run, a refusal, or nothing to do.
fn show_plan(
    migration: &Migration,
    outcome: &Outcome,
    refused: bool,
    dry_run: bool,
    head: &dyn Tree,
    ctx: &Ctx,
) -> Step {
    let mut step = step_for(migration.name, &outcome.plan, outcome.processed, head);
    step.items = outcome.items.clone();
    step.failures = outcome.failures.clone();
    step.failed = outcome.failures.len();
    step.migrated = if refused { 0 } else { outcome.items.len() };
    step.status = if outcome.is_nothing_to_do() {
        Status::NothingToDo
    } else if !outcome.failures.is_empty() {
        Status::Refused
    } else if refused {
        Status::NotRun
    } else {
        Status::Planned
    };
    if outcome.is_nothing_to_do() {
        return step;
    }
    if dry_run && outcome.failures.is_empty() {
        ctx.out.line(format!(
            "{}: would migrate {}",
            migration.name,
            layout::count(outcome.items.len(), "item")
        ));
        ctx.out.actions(&step.actions);
    }
    for failure in &outcome.failures {
        report::to_stderr(&format!(
            "error: cannot migrate {}: {}",
            layout::quote(&failure.path),
            layout::escape_controls(&failure.reason)
        ));
    }
    warn_all(ctx, &outcome.plan.warnings);
    let verb = if dry_run { "would migrate" } else { "migrated" };
    ctx.out.line(format!(
        "{}: processed {}, {verb} {}, failed {}",
        migration.name, step.processed, step.migrated, step.failed
    ));
    step
}

/// Commits one migration and prints one line per migrated item and the summary.
fn carry_out(
    runner: &mut Runner<'_>,
    migration: &Migration,
    outcome: Outcome,
    ctx: &Ctx,
) -> Result<Step> {
    let mut step = step_for(
        migration.name,
        &outcome.plan,
        outcome.processed,
        &runner.head()?,
    );
    step.status = Status::Committed;
    step.migrated = outcome.items.len();
    let commit = runner.land(&outcome.plan, |_| {
        for item in &outcome.items {
            match item.to.as_str() {
                "" => ctx.out.line(format!("removed {}", item.from)),
                to => ctx.out.line(format!("migrated {} -> {to}", item.name)),
            }
        }
        warn_all(ctx, &outcome.plan.warnings);
        ctx.out.line(format!(
            "{}: processed {}, migrated {}, failed 0",
            migration.name, step.processed, step.migrated
        ));
        Ok(())
    })?;
    step.items = outcome.items;
    step.commit = Some(commit.to_string());
    Ok(step)
}

/// The report of one step; `head` tells a `create` from a `modify`.
fn step_for(name: &str, plan: &Plan, processed: usize, head: &dyn Tree) -> Step {
    Step {
        name: name.into(),
        status: Status::NothingToDo,
        subject: plan.subject.clone(),
        processed,
        migrated: 0,
        failed: 0,
        items: Vec::new(),
        actions: report::action_lines(&plan.actions, &|path| head.exists(path)),
        failures: Vec::new(),
        warnings: plan.warnings.clone(),
        commit: None,
    }
}

fn warn_all(ctx: &Ctx, warnings: &[String]) {
    for w in warnings {
        ctx.out.warn(w);
    }
}
