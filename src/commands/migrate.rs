//! `git workflow migrate [--dry-run] [--only NAME] [--adopt]`: every pending migration,
//! each as its own commit (SPEC §3).

use anyhow::Result;
use serde::Serialize;

use super::{Ctx, report_recovery, unknown_migration};
use crate::error;
use crate::layout;
use crate::migrations::{self, Failure, Item, Migration, Outcome, adopt};
use crate::plan::{self, Base, Guard, Plan};
use crate::repo::{Repo, Snapshot};
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

/// One migration (or the adopt step) as planned or carried out.
#[derive(Debug, Serialize)]
struct Step {
    name: String,
    status: &'static str,
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
    let repo = Repo::discover()?;
    let (_guard, recovered) = Guard::for_run(&repo, args.dry_run)?;
    report_recovery(ctx, &repo, &recovered);
    let mut base = plan::preflight(&repo, args.detach_ok)?;
    let mut report = Report {
        dry_run: args.dry_run,
        adopt: None,
        migrations: Vec::new(),
    };
    match tracking(&repo, &base)? {
        Tracking::Absent => {
            ctx.out
                .line("nothing to migrate: there is no .workflow/ in this repository");
            ctx.out.json(&report);
            return Ok(());
        }
        Tracking::Untracked { ignored } if !args.adopt => return Err(untracked(ignored)),
        Tracking::Untracked { .. } => {
            let step = run_adopt(&repo, &mut base, args.dry_run, ctx)?;
            report.adopt = Some(step);
            if args.dry_run {
                ctx.out.line("dry run: nothing was changed; the migrations are planned once .workflow/ is adopted");
                ctx.out.json(&report);
                return Ok(());
            }
        }
        Tracking::Tracked => {}
    }
    plan::require_clean_workflow(&repo)?;
    let outcomes = plan_all(&repo, &base, selected, ctx)?;
    let refused = outcomes.iter().any(|(_, o)| !o.failures.is_empty());
    for (migration, outcome) in outcomes {
        let step = if refused || args.dry_run || outcome.is_nothing_to_do() {
            let head = repo.snapshot(Some(base.commit))?;
            show_plan(migration, &outcome, refused, args.dry_run, &head, ctx)
        } else {
            carry_out(&repo, &mut base, migration, outcome, ctx)?
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
        .any(|s| s.status != "nothing to do");
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

fn tracking(repo: &Repo, base: &Base) -> Result<Tracking> {
    if repo
        .snapshot(Some(base.commit))?
        .exists(layout::WORKFLOW_DIR)
    {
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
fn run_adopt(repo: &Repo, base: &mut Base, dry_run: bool, ctx: &Ctx) -> Result<Step> {
    let plan = adopt::plan(repo)?;
    let head = repo.snapshot(Some(base.commit))?;
    let mut step = step_for("adopt", &plan, plan.actions.len(), &head);
    if dry_run {
        step.status = "planned";
        ctx.out.line(format!(
            "adopt: would commit .workflow/ as it is ({} files)",
            plan.actions.len()
        ));
        ctx.out.actions(&step.actions);
        return Ok(step);
    }
    let commit = plan::execute(repo, base, &plan)?;
    base.commit = commit;
    step.status = "committed";
    step.commit = Some(commit.to_string());
    ctx.out.line(format!(
        "[{} {}] {}",
        base.branch(),
        repo.short_id(commit),
        plan.subject
    ));
    Ok(step)
}

/// Plans every selected migration against `HEAD` before any commits, so that one
/// refusal stops them all with nothing changed.
fn plan_all(
    repo: &Repo,
    base: &Base,
    selected: Vec<&'static Migration>,
    ctx: &Ctx,
) -> Result<Vec<(&'static Migration, Outcome)>> {
    let snapshot = repo.snapshot(Some(base.commit))?;
    selected
        .into_iter()
        .map(|m| Ok((m, (m.plan)(&snapshot, &ctx.now)?)))
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
        "nothing to do"
    } else if !outcome.failures.is_empty() {
        "refused"
    } else if refused {
        "not run"
    } else {
        "planned"
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
        eprintln!("error: cannot migrate {}: {}", failure.path, failure.reason);
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
    repo: &Repo,
    base: &mut Base,
    migration: &Migration,
    outcome: Outcome,
    ctx: &Ctx,
) -> Result<Step> {
    let before = base.commit;
    let commit = plan::execute(repo, base, &outcome.plan)?;
    base.commit = commit;
    for item in &outcome.items {
        match item.to.as_str() {
            "" => ctx.out.line(format!("removed {}", item.from)),
            to => ctx.out.line(format!("migrated {} -> {to}", item.name)),
        }
    }
    warn_all(ctx, &outcome.plan.warnings);
    let mut step = step_for(
        migration.name,
        &outcome.plan,
        outcome.processed,
        &repo.snapshot(Some(before))?,
    );
    step.status = "committed";
    step.migrated = outcome.items.len();
    step.items = outcome.items;
    step.commit = Some(commit.to_string());
    ctx.out.line(format!(
        "{}: processed {}, migrated {}, failed 0",
        migration.name, step.processed, step.migrated
    ));
    ctx.out.line(format!(
        "[{} {}] {}",
        base.branch(),
        repo.short_id(commit),
        outcome.plan.subject
    ));
    Ok(step)
}

/// The report of one step; `head` tells a `create` from a `modify`.
fn step_for(name: &str, plan: &Plan, processed: usize, head: &Snapshot<'_>) -> Step {
    Step {
        name: name.into(),
        status: "nothing to do",
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
