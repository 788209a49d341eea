//! The metrics of a completed session (SPEC §4.2 step 2), in the schema the
//! manifest already uses: CCW 7's `tasks_completed`, `summaries_generated`,
//! `review_metrics`, or the seed-era `task_count`, `success_rate`.

use serde_json::{Value, json};

use super::files;
use crate::dialects::ccw;
use crate::repo::WorkFile;

/// The metrics a new entry holds, in the schema of the manifest's last entry (SPEC
/// §1.3, §4.2 step 2): the keys it has that a completion can count, in its order,
/// and `success_rate` on its scale. With no last entry, or none of those keys in
/// it, CCW 7's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    keys: Vec<&'static str>,
    /// `success_rate` as a fraction (`1.0` for all done), as some real manifests
    /// write it, rather than the seed era's percentage.
    fraction: bool,
}

/// Every metric a completion can count, CCW 7's first.
const KNOWN: [&str; 6] = [
    "duration_hours",
    "tasks_completed",
    "summaries_generated",
    "review_metrics",
    "task_count",
    "success_rate",
];

impl Schema {
    /// CCW 7's: `duration_hours`, `tasks_completed`, `summaries_generated`, and
    /// `review_metrics` when the session was reviewed.
    pub fn ccw7() -> Self {
        Self {
            keys: KNOWN[..4].to_vec(),
            fraction: false,
        }
    }

    /// The schema of the manifest whose last entry is `last`: CCW 7's when it holds
    /// any of CCW 7's metrics (with `success_rate` too when it has one, as real
    /// files mixing the two do), else the seed era's when it holds any of those;
    /// its own keys first, in its order.
    pub fn of(last: Option<&Value>) -> Self {
        let Some(metrics) = last
            .and_then(|e| e.get("metrics"))
            .and_then(Value::as_object)
        else {
            return Self::ccw7();
        };
        let has = |key: &str| metrics.contains_key(key);
        let family: Vec<&'static str> = if KNOWN[1..4].iter().any(|k| has(k)) {
            let rate = has("success_rate").then_some("success_rate");
            KNOWN[..4].iter().copied().chain(rate).collect()
        } else if has("task_count") || has("success_rate") {
            vec!["task_count", "success_rate", "duration_hours"]
        } else {
            return Self::ccw7();
        };
        let mut keys: Vec<&'static str> = metrics
            .keys()
            .filter_map(|k| family.iter().copied().find(|known| known == k))
            .collect();
        keys.extend(family.iter().filter(|k| !has(k)));
        let fraction = metrics
            .get("success_rate")
            .and_then(Value::as_f64)
            .is_some_and(|rate| rate > 0.0 && rate <= 1.0);
        Self { keys, fraction }
    }

    /// Whether the entry holds `success_rate`, which a task that does not parse is
    /// left out of.
    pub fn rates(&self) -> bool {
        self.keys.contains(&"success_rate")
    }
}

/// The metrics of SPEC §4.2 step 2 in `schema`. A task file that does not parse is
/// named in a warning and left out of the rate (never counted as not done); a
/// session without a readable start time gets no duration, and a warning, rather
/// than a silent 0.
pub fn metrics(
    folder: &str,
    files: &[&WorkFile],
    facts: &files::SessionFacts,
    session_path: &str,
    schema: &Schema,
    warnings: &mut Vec<String>,
) -> Value {
    let task_files = directly_in(folder, files, TASKS);
    let mut statuses = Vec::new();
    for task in &task_files {
        match files::task_status(&task.bytes) {
            Ok(status) => statuses.push(status),
            Err(e) if schema.rates() => warnings.push(format!(
                "{} does not parse ({e}); it is counted as a task but left out of success_rate",
                task.path
            )),
            Err(e) => warnings.push(format!(
                "{} does not parse ({e}); it is counted as a task",
                task.path
            )),
        }
    }
    let done = statuses
        .iter()
        .filter(|s| s.as_deref() == Some("completed"))
        .count();
    let share = if statuses.is_empty() {
        0.0
    } else {
        done as f64 / statuses.len() as f64
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
    let mut metrics = serde_json::Map::new();
    for key in &schema.keys {
        let value = match *key {
            "duration_hours" => json!(duration),
            "tasks_completed" | "task_count" => json!(task_files.len()),
            "summaries_generated" => json!(directly_in(folder, files, SUMMARIES).len()),
            "success_rate" if schema.fraction => json!(files::round2(share)),
            "success_rate" => json!(files::round1(share * 100.0)),
            _ => match review_metrics(folder, files) {
                Some(review) => review,
                None => continue,
            },
        };
        metrics.insert((*key).to_string(), value);
    }
    Value::Object(metrics)
}

/// Whether a completion reads `path` of the session folder `folder` (its plan, its
/// tasks, summaries and review dimensions): what it reads of the folder's ignored
/// files, which it counts but cannot commit (SPEC §4.2).
pub fn reads(folder: &str, path: &str) -> bool {
    path.strip_prefix(folder)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|rest| {
            rest == ccw::IMPL_PLAN
                || [TASKS, SUMMARIES, DIMENSIONS]
                    .iter()
                    .any(|&kind| is_a(rest, kind))
        })
}

/// A kind of file the metrics count: `(folder inside the session, extension)`.
type FileKind = (&'static str, &'static str);

/// Task files, `.task/*.json`.
const TASKS: FileKind = (".task/", ".json");
/// The agents' summaries, `.summaries/*.md`.
const SUMMARIES: FileKind = (".summaries/", ".md");
/// The review's dimensions, `.review/dimensions/*.json`.
const DIMENSIONS: FileKind = (".review/dimensions/", ".json");

/// Whether `rest`, a path inside a session folder, is a file of `kind` lying
/// directly in its folder.
fn is_a(rest: &str, (dir, ext): FileKind) -> bool {
    rest.strip_prefix(dir)
        .is_some_and(|name| name.ends_with(ext) && !name.contains('/'))
}

/// The files of `kind` directly in their folder of the session `folder`.
fn directly_in<'f>(folder: &str, files: &[&'f WorkFile], kind: FileKind) -> Vec<&'f WorkFile> {
    let inside = format!("{folder}/");
    files
        .iter()
        .copied()
        .filter(|f| {
            f.path
                .strip_prefix(&inside)
                .is_some_and(|rest| is_a(rest, kind))
        })
        .collect()
}
/// `dimensions_analyzed` (`.review/dimensions/*.json`) and `total_findings` (the
/// `findings` they list, or the `total_findings` they give), when the session was
/// reviewed (SPEC §1.3, CCW's `complete.md`).
fn review_metrics(folder: &str, files: &[&WorkFile]) -> Option<Value> {
    let dimensions = directly_in(folder, files, DIMENSIONS);
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
