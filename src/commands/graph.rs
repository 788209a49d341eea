//! `git workflow graph check FILE…`: agentrelay's verdict on task-graph files
//! (GRAPH.md §4).

use anyhow::Result;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Ctx;
use crate::error;
use crate::graph::check::{self, GraphError};
use crate::graph::yaml::Value;

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
    let Action::Check { files } = args.action;
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
    let verdict = match std::fs::read(path) {
        Ok(bytes) => check::check(path, &String::from_utf8_lossy(&bytes)),
        Err(e) => check::Verdict {
            error: Some(GraphError {
                location: None,
                message: format!("cannot read {path}: {e}"),
            }),
            ..Default::default()
        },
    };
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
        warnings: verdict.warnings.clone(),
        hint: None,
        workstreams: verdict.workstreams,
    }
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
