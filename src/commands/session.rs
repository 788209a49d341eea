//! `git workflow session start|list|complete`: Claude-Code-Workflow sessions
//! (SPEC §1.3, §4.2).

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

use super::Ctx;
use super::runner::Runner;
use crate::dialects::ccw;
use crate::dialects::ccw::complete::{self, CompletionInput};
use crate::dialects::ccw::sessions::{self, Listed, State};
use crate::error;
use crate::repo::Repo;
use crate::report::{self, ActionLine};

/// Arguments of `session`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with sessions.
    #[command(subcommand)]
    pub action: Action,
}

/// The session subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create .workflow/sessions/WFS-<slug>/ for new work (writes files, commits nothing).
    Start {
        /// What the session is for; its slug names the session.
        description: String,
    },
    /// List active, old-layout and archived sessions with task progress.
    List,
    /// Archive a session as one commit: archive folder, manifest entry, project.json feature.
    Complete {
        /// The session (WFS-…); by default the only active one.
        id: Option<String>,
        /// Also print the metrics, the feature and the lessons.
        #[arg(long)]
        detailed: bool,
        /// Lessons learned: a YAML or JSON file with successes, challenges, watch_patterns.
        #[arg(long, value_name = "FILE")]
        lessons: Option<PathBuf>,
        /// Print what would be committed, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Allow the commits on a detached HEAD.
        #[arg(long)]
        detach_ok: bool,
    },
}

#[derive(Debug, Serialize)]
struct CompleteReport {
    dry_run: bool,
    session_id: String,
    archive_path: String,
    entry: Value,
    feature: Option<Value>,
    /// What the record commit before the completion holds, when there is one.
    recorded: Vec<ActionLine>,
    actions: Vec<ActionLine>,
    warnings: Vec<String>,
    commit: Option<String>,
}

/// Runs `session`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.action {
        Action::Start { description } => start(&description, ctx),
        Action::List => list(ctx),
        Action::Complete {
            id,
            detailed,
            lessons,
            dry_run,
            detach_ok,
        } => complete(id.as_deref(), detailed, lessons, (dry_run, detach_ok), ctx),
    }
}

fn start(description: &str, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    let started = sessions::start(&repo, description, &ctx.now)?;
    ctx.out.line(format!(
        "started {} in {}",
        started.session_id, started.path
    ));
    if started.created_project {
        ctx.out.line(format!("created {}", ccw::PROJECT_JSON));
    }
    ctx.out.json(&started);
    Ok(())
}

fn list(ctx: &Ctx) -> Result<()> {
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

fn complete(
    id: Option<&str>,
    detailed: bool,
    lessons: Option<PathBuf>,
    (dry_run, detach_ok): (bool, bool),
    ctx: &Ctx,
) -> Result<()> {
    let lessons = read_lessons(lessons)?;
    let mut runner = Runner::start(ctx, dry_run, detach_ok)?;
    let repo = runner.repo();
    let folder = sessions::choose(repo, id)?;
    let head = runner.head()?;
    let input = CompletionInput::read(
        repo,
        &folder,
        runner.base().commit.to_string(),
        lessons,
        ctx.now_seconds,
    )?;
    let done = complete::plan_complete(&head, &input)?;
    runner.require_clean([&done.plan.clean])?;
    let in_head = |path: &str| head.exists(path);
    let recorded = done
        .plan
        .record
        .as_ref()
        .map(|r| report::action_lines(&r.actions, &in_head))
        .unwrap_or_default();
    let mut report = CompleteReport {
        dry_run,
        session_id: done.session_id.clone(),
        archive_path: done.archive_path.clone(),
        entry: done.entry.clone(),
        feature: done.feature.clone(),
        recorded,
        actions: report::action_lines(&done.plan.actions, &in_head),
        warnings: done.plan.warnings.clone(),
        commit: None,
    };
    for w in &done.plan.warnings {
        ctx.out.warn(w);
    }
    if dry_run {
        if !report.recorded.is_empty() {
            ctx.out.line(format!(
                "would first record the uncommitted work of {folder}/ in a commit of its own:"
            ));
            ctx.out.actions(&report.recorded);
        }
        ctx.out.line(format!(
            "would complete {} -> {}/",
            done.session_id, done.archive_path
        ));
        ctx.out.actions(&report.actions);
    } else {
        drop(head);
        let commit = runner.land(&done.plan, |_| {
            ctx.out.line(format!(
                "completed {} -> {}/",
                done.session_id, done.archive_path
            ));
            Ok(())
        })?;
        report.commit = Some(commit.to_string());
    }
    if detailed {
        print_details(ctx, &report);
    }
    if dry_run {
        ctx.out
            .line("dry run: nothing was changed; run it without --dry-run to commit");
    }
    ctx.out.json(&report);
    Ok(())
}

/// `--lessons FILE`, read before anything else so a bad file changes nothing.
fn read_lessons(path: Option<PathBuf>) -> Result<Value> {
    let Some(path) = path else {
        return ccw::files::read_lessons(b"{}");
    };
    let bytes =
        std::fs::read(&path).with_context(|| format!("reading --lessons {}", path.display()))?;
    ccw::files::read_lessons(&bytes).map_err(|e| {
        error::refused(
            format!("--lessons {}: {e}", path.display()),
            "give successes, challenges and watch_patterns as lists of strings (YAML or JSON)",
        )
    })
}

fn print_details(ctx: &Ctx, report: &CompleteReport) {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    ctx.out
        .line(format!("metrics: {}", pretty(&report.entry["metrics"])));
    ctx.out.line(format!("tags: {}", report.entry["tags"]));
    match &report.feature {
        Some(feature) => ctx.out.line(format!("feature: {}", pretty(feature))),
        None => ctx.out.line("feature: not recorded (no project.json)"),
    }
    ctx.out
        .line(format!("lessons: {}", pretty(&report.entry["lessons"])));
}
