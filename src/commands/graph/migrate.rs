//! `git workflow graph migrate [FILE…]`: v01 graphs to the current schema in one
//! commit (GRAPH.md §7), or the diff of it with `--dry-run`.

use anyhow::Result;
use serde::Serialize;

use crate::commands::Ctx;
use crate::commands::runner::Runner;
use crate::config;
use crate::dialects::agentrelay::{migrate, migration};
use crate::error;
use crate::repo::Repo;

/// What became of one graph file, in the words `--json` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum FileStatus {
    /// Already current.
    Unchanged,
    /// Migrated (or would be, in a dry run).
    Migrated,
    /// Cannot be migrated as it is.
    Refused,
}

#[derive(Debug, Serialize)]
struct MigrateFile {
    path: String,
    status: FileStatus,
    actions: Vec<migrate::Change>,
    errors: Vec<String>,
    #[serde(skip)]
    new_text: Option<String>,
    #[serde(skip)]
    notes: Vec<String>,
    #[serde(skip)]
    old_text: String,
}

/// Runs `graph migrate`.
pub(super) fn run(files: &[String], dry_run: bool, detach_ok: bool, ctx: &Ctx) -> Result<()> {
    let mut runner = Runner::start(ctx, dry_run, detach_ok)?;
    let paths = graph_paths(runner.repo(), files)?;
    if !files.is_empty() {
        runner.allow_named(&paths);
    }
    let planned = migration::plan(&runner.head()?, &paths)?;
    runner.require_clean([&planned.clean])?;
    let reports: Vec<MigrateFile> = planned.files.into_iter().map(file_report).collect();
    for r in &reports {
        if dry_run && let Some(text) = &r.new_text {
            ctx.out
                .line(migrate::unified_diff(&r.path, &r.old_text, text).trim_end());
        }
    }
    for r in &reports {
        for c in &r.actions {
            ctx.out.line(format!("{}: {}", r.path, c.line()));
        }
        for n in &r.notes {
            ctx.out.line(format!("{}: note: {n}", r.path));
        }
        for e in &r.errors {
            ctx.out.problem(format!("{}: refused: {e}", r.path));
        }
    }
    let refused = reports
        .iter()
        .filter(|r| r.status == FileStatus::Refused)
        .count();
    let mut commit = None;
    if let Some(plan) = planned.plan.as_ref().filter(|_| !dry_run) {
        commit = Some(runner.land(plan, |_| Ok(()))?.to_string());
    }
    ctx.out
        .json(&serde_json::json!({ "files": reports, "commit": commit, "dry_run": dry_run }));
    if refused > 0 {
        return Err(error::refused(
            format!(
                "{refused} graph file(s) cannot be migrated (reasons above); nothing was changed"
            ),
            "edit those files by hand as the reasons say, then run `git workflow graph migrate` again",
        ));
    }
    if planned.plan.is_none() {
        ctx.out.line("nothing to migrate");
    } else if dry_run {
        ctx.out
            .line("dry run: nothing was changed; run it without --dry-run to commit");
    }
    Ok(())
}

/// The report of one file, as `--json` prints it.
fn file_report(file: migration::FileMigration) -> MigrateFile {
    let mut report = MigrateFile {
        path: file.path,
        status: FileStatus::Unchanged,
        actions: vec![],
        errors: vec![],
        new_text: None,
        notes: vec![],
        old_text: file.old,
    };
    match file.outcome {
        migrate::Outcome::Unchanged => {}
        migrate::Outcome::Refused(errors) => {
            report.status = FileStatus::Refused;
            report.errors = errors;
        }
        migrate::Outcome::Migrated {
            text,
            changes,
            notes,
        } => {
            report.status = FileStatus::Migrated;
            report.actions = changes;
            report.new_text = Some(text);
            report.notes = notes;
        }
    }
    report
}

/// The files to migrate, as repository paths: the ones named, or the tracked files
/// matching `git config workflow.graphs`.
fn graph_paths(repo: &Repo, files: &[String]) -> Result<Vec<String>> {
    if files.is_empty() {
        let globs = config::graph_globs(repo)?;
        let tracked = repo.index_under("", false)?;
        let found: Vec<String> = tracked
            .changed
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| globs.matches(p))
            .collect();
        if found.is_empty() {
            return Err(error::usage(
                "no graph files named, and none tracked match `git config workflow.graphs`",
                "name the files (`git workflow graph migrate graphs/a.yaml`) or set workflow.graphs",
            ));
        }
        return Ok(found);
    }
    files
        .iter()
        .map(|f| {
            let full = std::fs::canonicalize(f).map_err(|e| {
                error::refused(
                    format!("cannot read {f}: {e}"),
                    "name an existing graph file",
                )
            })?;
            let top = std::fs::canonicalize(repo.workdir())?;
            full.strip_prefix(&top)
                .map(|p| p.to_string_lossy().into_owned())
                .map_err(|_| {
                    error::refused(
                        format!("{f} is outside this repository"),
                        "name a graph file inside the work tree",
                    )
                })
        })
        .collect()
}
