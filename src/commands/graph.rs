//! `git workflow graph check FILE…`: agentrelay's verdict on task-graph files
//! (GRAPH.md §4).

use anyhow::Result;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Ctx;
use super::runner::Runner;
use crate::config;
use crate::dialects::agentrelay::check::{self, GraphError};
use crate::dialects::agentrelay::yaml::Value;
use crate::dialects::agentrelay::{migrate, migration, plan};
use crate::error;
use crate::repo::Repo;

/// Arguments of `graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with task graphs.
    #[command(subcommand)]
    pub action: Action,
}

/// The graph subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Validate task-graph files exactly as agentrelay's builder does.
    Check {
        /// The graph files, checked one by one in this order.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Rewrite v01 task graphs to the current schema as one commit (rollback undoes it).
    Migrate {
        /// The graph files (default: the tracked files matching `git config workflow.graphs`).
        #[arg(value_name = "FILE")]
        files: Vec<String>,
        /// Print the diff and the report, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Allow the commit on a detached HEAD.
        #[arg(long)]
        detach_ok: bool,
    },
    /// Simulate how agentrelay's orchestrator would schedule a graph, step by step.
    Plan {
        /// The graph file.
        file: String,
        /// Attempts running at once (default: the file's max_concurrency, else 1).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        concurrency: Option<u64>,
        /// Attempts per task (default: the file's max_task_attempts, else 1).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        attempts: Option<u64>,
        /// Make every attempt of TASK fail (repeatable).
        #[arg(long, value_name = "TASK")]
        fail: Vec<String>,
        /// One attempt of TASK takes N steps (repeatable), as TASK=N.
        #[arg(long, value_name = "TASK=N")]
        duration: Vec<String>,
        /// text, json, mermaid or dot.
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json", "mermaid", "dot"])]
        format: String,
    },
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    valid: bool,
    errors: Vec<GraphError>,
    order: Option<Vec<String>>,
    operational: Map<String, Json>,
    warnings: Vec<String>,
    hint: Option<String>,
    #[serde(skip)]
    workstreams: usize,
}

/// Runs `graph`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.action {
        Action::Check { files } => check_files(&files, ctx),
        Action::Migrate {
            files,
            dry_run,
            detach_ok,
        } => migrate(&files, dry_run, detach_ok, ctx),
        Action::Plan {
            file,
            concurrency,
            attempts,
            fail,
            duration,
            format,
        } => {
            let format = if ctx.out.is_json() {
                "json".to_string()
            } else {
                format
            };
            plan(&file, concurrency, attempts, &fail, &duration, &format, ctx)
        }
    }
}

fn plan(
    file: &str,
    concurrency: Option<u64>,
    attempts: Option<u64>,
    fail: &[String],
    duration: &[String],
    format: &str,
    ctx: &Ctx,
) -> Result<()> {
    let report = check_file(file);
    let text = std::fs::read(file)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let verdict = check::check(file, &text);
    let (Some(graph), Some(order)) = (verdict.graph.as_ref(), verdict.order.as_ref()) else {
        print(ctx, &report);
        return Err(error::refused(
            format!("{file} is not a valid graph"),
            "fix the error above (`git workflow graph check`), then plan again",
        ));
    };
    let known = |t: &str| graph.tasks.iter().any(|task| task.id == t);
    let mut settings = plan::Settings {
        max_concurrency: concurrency.or(graph.max_concurrency).unwrap_or(1),
        max_task_attempts: attempts.or(graph.max_task_attempts).unwrap_or(1),
        ..Default::default()
    };
    for t in fail {
        if !known(t) {
            return Err(error::usage(
                format!("--fail {t}: there is no task {t} in {file}"),
                "name a task of the graph",
            ));
        }
        settings.fail.insert(t.clone());
    }
    for d in duration {
        let parsed = d
            .split_once('=')
            .and_then(|(t, n)| Some((t, n.parse::<u64>().ok().filter(|n| *n >= 1)?)));
        match parsed {
            Some((t, n)) if known(t) => {
                settings.duration.insert(t.to_string(), n);
            }
            _ => {
                return Err(error::usage(
                    format!("--duration {d}: expected TASK=N with a task of the graph and N ≥ 1"),
                    "for example --duration build=3",
                ));
            }
        }
    }
    let sim = plan::simulate(graph, order, &settings);
    for w in &sim.merged_at_start {
        ctx.out.warn(format!(
            "workstream '{w}' has no tasks; it is merged at start"
        ));
    }
    if ctx.out.is_json() {
        ctx.out.json(&sim);
        return Ok(());
    }
    let out = match format {
        "json" => format!("{}\n", serde_json::to_string_pretty(&sim)?),
        "mermaid" => plan::mermaid(&sim, graph, order),
        "dot" => plan::dot(&sim, graph, order),
        _ => plan::text(&sim, graph, verdict.workstreams),
    };
    ctx.out.problem(out.trim_end());
    Ok(())
}

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

fn migrate(files: &[String], dry_run: bool, detach_ok: bool, ctx: &Ctx) -> Result<()> {
    let mut runner = Runner::start(ctx, dry_run, detach_ok)?;
    let paths = graph_paths(runner.repo(), files)?;
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

fn check_files(files: &[String], ctx: &Ctx) -> Result<()> {
    let reports: Vec<FileReport> = files.iter().map(|path| check_file(path)).collect();
    for report in &reports {
        print(ctx, report);
    }
    ctx.out.json(&serde_json::json!({ "files": reports }));
    let invalid = reports.iter().filter(|r| !r.valid).count();
    if invalid == 0 {
        return Ok(());
    }
    Err(error::refused(
        format!("{invalid} of {} graph file(s) invalid", reports.len()),
        "fix the first error of each file (the lines above), then run `git workflow graph check` again",
    ))
}

fn check_file(path: &str) -> FileReport {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned());
    let verdict = match &text {
        Ok(text) => check::check(path, text),
        Err(e) => check::Verdict {
            error: Some(GraphError {
                location: None,
                message: format!("cannot read {path}: {e}"),
            }),
            ..Default::default()
        },
    };
    let mut warnings = verdict.warnings.clone();
    if let (Some(graph), Some(order)) = (&verdict.graph, &verdict.order) {
        warnings.extend(never_runs(graph, order));
    }
    let migratable = verdict.error.is_some()
        && text
            .as_ref()
            .is_ok_and(|t| matches!(migrate::migrate(path, t), migrate::Outcome::Migrated { .. }));
    FileReport {
        path: path.to_string(),
        valid: verdict.error.is_none(),
        errors: verdict.error.clone().into_iter().collect(),
        order: verdict.order.clone(),
        operational: verdict
            .operational
            .iter()
            .map(|(k, v)| (k.clone(), json(v)))
            .collect(),
        warnings,
        hint: migratable.then(|| format!("git workflow graph migrate {path}")),
        workstreams: verdict.workstreams,
    }
}

/// Tasks the simulation with no failures leaves blocked or stalled (GRAPH.md §4.3).
fn never_runs(graph: &check::Graph, order: &[String]) -> Vec<String> {
    let settings = plan::Settings {
        max_concurrency: graph.max_concurrency.unwrap_or(1),
        max_task_attempts: graph.max_task_attempts.unwrap_or(1),
        ..Default::default()
    };
    let sim = plan::simulate(graph, order, &settings);
    let blocked = sim
        .steps
        .iter()
        .flat_map(|s| s.blocked.iter().map(|b| (b.task.clone(), b.reason.clone())));
    let stalled = sim
        .stalled
        .iter()
        .map(|s| (s.task.clone(), s.reason.clone()));
    blocked
        .chain(stalled)
        .map(|(task, reason)| format!("task '{task}' can never run: {reason}"))
        .collect()
}

fn print(ctx: &Ctx, report: &FileReport) {
    let path = &report.path;
    if report.valid {
        let tasks = report.order.as_ref().map_or(0, Vec::len);
        ctx.out.line(format!(
            "{path}: OK ({tasks} tasks, {} workstreams)",
            report.workstreams
        ));
        if !report.operational.is_empty() {
            let ops: Vec<String> = report
                .operational
                .iter()
                .map(|(k, v)| format!("{k}={}", flow(v)))
                .collect();
            ctx.out.line(format!("  operational: {}", ops.join(", ")));
        }
    }
    for e in &report.errors {
        let line = match &e.location {
            Some(at) => format!("{path}: Invalid graph schema at '{at}': {}", e.message),
            None => format!("{path}: {}", e.message),
        };
        ctx.out.problem(line);
    }
    if let Some(hint) = &report.hint {
        ctx.out.problem(format!("  hint: {hint}"));
    }
    for w in &report.warnings {
        ctx.out.line(format!("{path}: warning: {w}"));
    }
}

fn json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => i
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or_else(|_| Json::String(i.clone())),
        Value::Float(f) => f
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Json::String(f.clone()), Json::Number),
        Value::Str(s) | Value::Date(s) => Json::String(s.clone()),
        Value::Other(kind) => Json::String((*kind).into()),
        Value::Seq(items) => Json::Array(items.iter().map(|n| json(&n.value)).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.value.flow(), json(&v.value)))
                .collect(),
        ),
    }
}

/// A parsed value in YAML flow style.
fn flow(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
