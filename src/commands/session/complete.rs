//! `git workflow session complete [ID]`: archive a session as one commit (SPEC §4.2),
//! on top of a record of its folder when it holds uncommitted work.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

use crate::commands::Ctx;
use crate::commands::runner::Runner;
use crate::dialects::ccw::complete::{self, CompletionInput};
use crate::dialects::ccw::files;
use crate::dialects::ccw::sessions;
use crate::error;
use crate::report::{self, ActionLine};

#[derive(Debug, Serialize)]
struct CompleteReport {
    dry_run: bool,
    session_id: String,
    archive_path: String,
    entry: Value,
    feature: Option<Value>,
    development: Option<Value>,
    /// What the record commit before the completion holds, when there is one.
    recorded: Vec<ActionLine>,
    actions: Vec<ActionLine>,
    warnings: Vec<String>,
    commit: Option<String>,
}

/// Runs `session complete`.
pub(super) fn run(
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
        development: done.development.clone(),
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
        return files::read_lessons(b"{}");
    };
    let bytes =
        std::fs::read(&path).with_context(|| format!("reading --lessons {}", path.display()))?;
    files::read_lessons(&bytes).map_err(|e| {
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
    if let Some(entry) = &report.development {
        ctx.out
            .line(format!("development_index entry: {}", pretty(entry)));
    }
    match &report.feature {
        Some(feature) => ctx.out.line(format!("feature: {}", pretty(feature))),
        None => ctx.out.line("feature: not recorded (no project.json)"),
    }
    ctx.out
        .line(format!("lessons: {}", pretty(&report.entry["lessons"])));
}
