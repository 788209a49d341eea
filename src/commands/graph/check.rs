//! `git workflow graph check FILE…`: agentrelay's verdict on each file, its order,
//! its operational settings, the tasks that can never run, and the migrate hint.

use anyhow::Result;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::commands::Ctx;
use crate::dialects::agentrelay::check::{self, GraphError};
use crate::dialects::agentrelay::yaml::Value;
use crate::dialects::agentrelay::{migrate, plan};
use crate::error;

#[derive(Debug, Serialize)]
pub(super) struct FileReport {
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

/// Runs `graph check`.
pub(super) fn run(files: &[String], ctx: &Ctx) -> Result<()> {
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

pub(super) fn check_file(path: &str) -> FileReport {
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

pub(super) fn print(ctx: &Ctx, report: &FileReport) {
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
