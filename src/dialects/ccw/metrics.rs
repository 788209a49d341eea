//! The metrics of a completed session (SPEC §4.2 step 2), in the schema the
//! manifest already uses: CCW 7's `tasks_completed`, `summaries_generated`,
//! `review_metrics`, or the seed-era `task_count`, `success_rate`.

use serde_json::{Value, json};

use super::files;
use crate::dialects::ccw;
use crate::repo::WorkFile;

/// The manifest schema a new entry is written in: the file's last entry's, else
/// CCW 7's (SPEC §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `tasks_completed`, `summaries_generated`, `review_metrics`.
    Ccw7,
    /// `task_count`, `success_rate`.
    SeedEra,
}

impl Schema {
    /// The schema of the manifest whose last entry is `last`.
    pub fn of(last: Option<&Value>) -> Self {
        let metrics = last.and_then(|e| e.get("metrics"));
        match metrics {
            Some(m) if m.get("task_count").is_some() || m.get("success_rate").is_some() => {
                Self::SeedEra
            }
            _ => Self::Ccw7,
        }
    }
}

/// `task_count`, `success_rate`, `duration_hours` (SPEC §4.2, step 2). A task file
/// that does not parse is named in a warning and left out of the rate (never counted
/// as not done); a session without a readable start time gets no duration, and a
/// warning, rather than a silent 0.
pub fn metrics(
    folder: &str,
    files: &[WorkFile],
    facts: &files::SessionFacts,
    session_path: &str,
    schema: Schema,
    warnings: &mut Vec<String>,
) -> Value {
    let task_prefix = format!("{folder}/{}/", ccw::TASK_DIR);
    let task_files: Vec<&WorkFile> = files
        .iter()
        .filter(|f| {
            f.path.starts_with(&task_prefix)
                && f.path.ends_with(".json")
                && !f.path[task_prefix.len()..].contains('/')
        })
        .collect();
    let mut statuses = Vec::new();
    for task in &task_files {
        match files::task_status(&task.bytes) {
            Ok(status) => statuses.push(status),
            Err(e) => warnings.push(format!(
                "{} does not parse ({e}); it is counted as a task but left out of success_rate",
                task.path
            )),
        }
    }
    let done = statuses
        .iter()
        .filter(|s| s.as_deref() == Some("completed"))
        .count();
    let rate = if statuses.is_empty() {
        0.0
    } else {
        files::round1(done as f64 / statuses.len() as f64 * 100.0)
    };
    let duration = files::duration_hours(facts.started.as_deref(), &facts.completed);
    if duration.is_none() {
        let why = match &facts.started {
            Some(start) => format!("its start time {start:?} is not a timestamp"),
            None => "it has no created_at, started_at or timestamp".to_string(),
        };
        warnings.push(format!(
            "{session_path}: {why}, so duration_hours is left empty (null)"
        ));
    }
    if schema == Schema::SeedEra {
        return json!({
            "task_count": task_files.len(),
            "success_rate": rate,
            "duration_hours": duration,
        });
    }
    let summaries = format!("{folder}/.summaries/");
    let summaries = files
        .iter()
        .filter(|f| f.path.starts_with(&summaries) && f.path.ends_with(".md"))
        .filter(|f| !f.path[summaries.len()..].contains('/'))
        .count();
    let mut metrics = json!({
        "duration_hours": duration,
        "tasks_completed": task_files.len(),
        "summaries_generated": summaries,
    });
    if let Some(review) = review_metrics(folder, files) {
        metrics["review_metrics"] = review;
    }
    metrics
}

/// `dimensions_analyzed` (`.review/dimensions/*.json`) and `total_findings` (the
/// `findings` they list, or the `total_findings` they give), when the session was
/// reviewed (SPEC §1.3, CCW's `complete.md`).
fn review_metrics(folder: &str, files: &[WorkFile]) -> Option<Value> {
    let prefix = format!("{folder}/.review/dimensions/");
    let dimensions: Vec<&WorkFile> = files
        .iter()
        .filter(|f| f.path.starts_with(&prefix) && f.path.ends_with(".json"))
        .filter(|f| !f.path[prefix.len()..].contains('/'))
        .collect();
    if dimensions.is_empty() {
        return None;
    }
    let findings: u64 = dimensions
        .iter()
        .filter_map(|f| crate::formats::read_json(&f.bytes).ok())
        .map(|v| match (v.get("findings"), v.get("total_findings")) {
            (Some(Value::Array(list)), _) => list.len() as u64,
            (_, Some(n)) => n.as_u64().unwrap_or(0),
            _ => 0,
        })
        .sum();
    Some(json!({"dimensions_analyzed": dimensions.len(), "total_findings": findings}))
}
