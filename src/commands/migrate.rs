//! `git workflow migrate [--dry-run] [--only NAME] [--adopt]`: every pending migration,
//! each as its own commit (SPEC §3).

use anyhow::Result;
use serde::Serialize;

use super::runner::Runner;
use super::{Ctx, unknown_migration};
use crate::config;
use crate::engine::Plan;
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
    match tracking(&runner)? {
        Tracking::Absent => {
            ctx.out
                .line("nothing to migrate: there is no .workflow/ in this repository");
            ctx.out.json(&report);
            return Ok(());
        }
        Tracking::Untracked { ignored } if !args.adopt => return Err(untracked(ignored)),
        Tracking::Untracked { .. } => {
            let step = run_adopt(&mut runner, ctx)?;
            report.adopt = Some(step);
            if args.dry_run {
                ctx.out.line("dry run: nothing was changed; the migrations are planned once .workflow/ is adopted");
                ctx.out.json(&report);
                return Ok(());
            }
        }
        Tracking::Tracked => {}
    }
    let outcomes = plan_all(&runner, selected, ctx)?;
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
            .line("nothing to migrate: .workflow/ is already in the current layout");
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

/// Whether `.workflow/` is in `HEAD`, only in the work tree, or nowhere.
enum Tracking {
    Tracked,
    Untracked { ignored: bool },
    Absent,
}

fn tracking(runner: &Runner<'_>) -> Result<Tracking> {
    let repo = runner.repo();
    if runner.head()?.exists(layout::WORKFLOW_DIR) {
        return Ok(Tracking::Tracked);
    }
    if std::fs::symlink_metadata(repo.workdir().join(layout::WORKFLOW_DIR)).is_err() {
        return Ok(Tracking::Absent);
    }
    Ok(Tracking::Untracked {
        ignored: repo.is_ignored(layout::WORKFLOW_DIR)?,
    })
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

/// Commits the untracked `.workflow/` as it is (or shows that it would).
fn run_adopt(runner: &mut Runner<'_>, ctx: &Ctx) -> Result<Step> {
    let plan = adopt::plan(runner.repo())?;
    let mut step = step_for("adopt", &plan, plan.actions.len(), &runner.head()?);
    if runner.dry_run() {
        step.status = Status::Planned;
        ctx.out.line(format!(
            "adopt: would commit .workflow/ as it is ({} files)",
            plan.actions.len()
        ));
        ctx.out.actions(&step.actions);
        return Ok(step);
    }
    let commit = runner.land(&plan, |_| Ok(()))?;
    step.status = Status::Committed;
    step.commit = Some(commit.to_string());
    Ok(step)
}

/// Plans every selected migration against `HEAD` before any commits, so that one
/// refusal stops them all with nothing changed.
fn plan_all(
    runner: &Runner<'_>,
    selected: Vec<&'static Migration>,
    ctx: &Ctx,
) -> Result<Vec<(&'static Migration, Outcome)>> {
    let snapshot = runner.head()?;
    let settings = migrations::Settings {
        now: ctx.now.clone(),
        ccw: config::ccw_layout(runner.repo())?,
    };
    selected
        .into_iter()
        .map(|m| Ok((m, (m.plan)(&snapshot, &settings)?)))
        .collect()
}

/// Prints a plan that is not carried out: a dry run, a refusal, or nothing to do.
fn show_plan(
    migration: &Migration,
    outcome: &Outcome,
    refused: bool,
    dry_run: bool,
    head: &Snapshot<'_>,
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
            "{}: would migrate {} item(s)",
            migration.name,
            outcome.items.len()
        ));
        ctx.out.actions(&step.actions);
    }
    for failure in &outcome.failures {
        eprintln!(
            "error: cannot migrate {}: {}",
            layout::quote(&failure.path),
            layout::escape_controls(&failure.reason)
        );
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
fn step_for(name: &str, plan: &Plan, processed: usize, head: &Snapshot<'_>) -> Step {
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
