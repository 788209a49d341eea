//! `graph check`: the verdict agentrelay's builder gives a task-graph file, with the
//! same first error (location and message), in the same phase order (GRAPH.md §1.2):
//! A parse, B operational keys, C the `model` override, D the schema and its
//! cross-references, E the graph checks; then the task order.

use super::yaml::{self, Node, Value};
use std::collections::{BTreeSet, HashMap, HashSet};

mod graph;
mod task;

use graph::{cross_references, graph_checks, task_order, workstreams};
use task::{TaskSpec, isolation, task};

/// One error: a schema error has a location, the graph checks have none.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GraphError {
    /// `tasks[2].dependencies[0]`, or `None`.
    pub location: Option<String>,
    /// The message after `': `, or the whole message when there is no location.
    pub message: String,
}

impl GraphError {
    /// The line agentrelay prints for it.
    pub fn display(&self) -> String {
        match &self.location {
            Some(at) => format!("Invalid graph schema at '{at}': {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// The verdict on one file.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// The first error (agentrelay stops at it too), if any.
    pub error: Option<GraphError>,
    /// Warnings; never make a file invalid.
    pub warnings: Vec<String>,
    /// The task order (§3.10) of a valid file.
    pub order: Option<Vec<String>>,
    /// The operational keys present, in file order, with their values.
    pub operational: Vec<(String, Value)>,
    /// How many tasks.
    pub tasks: usize,
    /// Declared workstreams, or 1 when none are declared.
    pub workstreams: usize,
    /// The parsed graph of a valid file, for `graph plan`.
    pub graph: Option<Graph>,
}

/// A valid graph, as scheduling needs it.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The trimmed name.
    pub name: String,
    /// Tasks in file order.
    pub tasks: Vec<Task>,
    /// Workstreams: the declared ones, or just `default`.
    pub workstreams: Vec<Workstream>,
    /// `fail_fast_on_workstream_error`.
    pub fail_fast_on_workstream_error: bool,
    /// `max_concurrency`, when set.
    pub max_concurrency: Option<u64>,
    /// `max_task_attempts`, when set.
    pub max_task_attempts: Option<u64>,
}

/// A task as scheduling needs it.
#[derive(Debug, Clone, Default)]
pub struct Task {
    /// Its id.
    pub id: String,
    /// Its dependencies, declared order.
    pub dependencies: Vec<String>,
    /// Its workstream.
    pub workstream: String,
}

/// A workstream as scheduling needs it.
#[derive(Debug, Clone, Default)]
pub struct Workstream {
    /// Its id.
    pub id: String,
    /// Its parent, if any.
    pub parent: Option<String>,
    /// Whether its PR merges itself.
    pub auto_merge: bool,
}

type Check<T> = Result<T, GraphError>;

fn at(location: impl Into<String>, message: impl Into<String>) -> GraphError {
    GraphError {
        location: Some(location.into()),
        message: message.into(),
    }
}

fn plain(message: impl Into<String>) -> GraphError {
    GraphError {
        location: None,
        message: message.into(),
    }
}

/// Checks one graph file's text; `path` names it in YAML errors.
pub fn check(path: &str, text: &str) -> Verdict {
    let mut verdict = Verdict::default();
    let root = match yaml::load(text) {
        Ok(root) => root,
        Err(e) => {
            verdict.error = Some(plain(format!("Invalid YAML in {path}: {e}")));
            return verdict;
        }
    };
    if let Err(e) = phases(root, &mut verdict) {
        verdict.error = Some(e);
        verdict.order = None;
        verdict.graph = None;
    }
    verdict
}

/// The schema keys of the top level (GRAPH.md §3.2).
pub const GRAPH_KEYS: &[&str] = &[
    "name",
    "tasks",
    "workstreams",
    "max_workstream_depth",
    "isolation",
];

/// The keys a task may have today (GRAPH.md §3.4).
pub const TASK_KEYS: &[&str] = &[
    "id",
    "role",
    "description",
    "dependencies",
    "inputs_from",
    "paths",
    "tagged_paths",
    "completion_gate",
    "max_gate_attempts",
    "primary_agent",
    "review",
    "workstream_id",
    "isolation",
];

/// The operational keys phase B removes, in agentrelay's order (GRAPH.md §2).
pub const OPERATIONAL: &[&str] = &[
    "keep_panes",
    "model",
    "tools",
    "anthropic_credential",
    "fail_fast_on_workstream_error",
    "fail_fast_on_internal_error",
    "max_concurrency",
    "max_task_attempts",
    "teardown_mode",
];

fn phases(mut root: Node, verdict: &mut Verdict) -> Check<()> {
    let mut graph = Graph::default();
    let mut model_forced_tasks = HashSet::new();
    if let Value::Map(entries) = &mut root.value {
        let operational = take_operational(entries);
        verdict.operational = operational
            .iter()
            .map(|(k, n)| (k.clone(), n.value.clone()))
            .collect();
        check_operational(&operational, verdict, &mut graph)?;
        if let Some(model) = operational
            .iter()
            .find(|(k, _)| k == "model")
            .map(|(_, n)| n.clone())
            && model.value != Value::Null
        {
            model_forced_tasks = apply_model(entries, &model);
        }
    }
    let entries = match &root.value {
        Value::Map(entries) => entries,
        _ => return Err(at("graph", "must be a mapping/object")),
    };
    unknown_keys(entries, "graph", GRAPH_KEYS)?;
    let name = required(&root, "name", "graph.name")?;
    graph.name = nes(name, "name")?;
    isolation(root.get("isolation"), "graph.isolation")?;
    let declared = workstreams(root.get("workstreams"))?;
    let max_depth = positive(
        root.get("max_workstream_depth"),
        "graph.max_workstream_depth",
    )?
    .unwrap_or(1);
    let tasks_node = required(&root, "tasks", "graph.tasks")?;
    let Value::Seq(items) = &tasks_node.value else {
        return Err(at("tasks", "must be a list"));
    };
    if items.is_empty() {
        return Err(at("tasks", "must contain at least one task"));
    }
    let mut tasks: Vec<TaskSpec> = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let task = task(item, i, model_forced_tasks.contains(&i))?;
        if !ids.insert(task.id.clone()) {
            return Err(at(
                format!("tasks[{i}].id"),
                format!("duplicate task id '{}'", task.id),
            ));
        }
        tasks.push(task);
    }
    cross_references(&tasks)?;
    let workstreams = declared.clone().unwrap_or_else(|| {
        vec![Workstream {
            id: "default".into(),
            parent: None,
            auto_merge: false,
        }]
    });
    graph_checks(&tasks, &workstreams, max_depth)?;
    verdict.tasks = tasks.len();
    verdict.workstreams = declared.as_ref().map_or(1, Vec::len);
    verdict.order = Some(task_order(&tasks));
    warn_about(
        &graph.name,
        &tasks,
        &workstreams,
        declared.is_some(),
        verdict,
    );
    graph.tasks = tasks
        .into_iter()
        .map(|t| Task {
            id: t.id,
            dependencies: t.dependencies,
            workstream: t.workstream,
        })
        .collect();
    graph.workstreams = workstreams;
    verdict.graph = Some(graph);
    Ok(())
}

/// Phase B removes the operational keys from the root, in file order.
fn take_operational(entries: &mut Vec<(Node, Node)>) -> Vec<(String, Node)> {
    let mut taken = Vec::new();
    entries.retain(|(k, v)| match &k.value {
        Value::Str(key) if OPERATIONAL.contains(&key.as_str()) => {
            taken.push((key.clone(), v.clone()));
            false
        }
        _ => true,
    });
    taken
}

fn check_operational(
    ops: &[(String, Node)],
    verdict: &mut Verdict,
    graph: &mut Graph,
) -> Check<()> {
    let get = |key: &str| {
        ops.iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| &n.value)
            .filter(|v| **v != Value::Null)
    };
    if let Some(tools) = get("tools") {
        let Value::Seq(items) = tools else {
            return Err(at("tools", "must be a list of strings"));
        };
        for item in items {
            match &item.value {
                Value::Str(t) if !t.is_empty() => {
                    if t != "pixi" {
                        verdict.warnings.push(format!(
                            "Unknown tool '{t}' declared in graph YAML. Known tools: pixi"
                        ));
                    }
                }
                _ => return Err(at("tools", "must be a list of strings")),
            }
        }
    }
    for key in [
        "fail_fast_on_workstream_error",
        "fail_fast_on_internal_error",
    ] {
        match get(key) {
            None => {}
            Some(Value::Bool(b)) if key == "fail_fast_on_workstream_error" => {
                graph.fail_fast_on_workstream_error = *b;
            }
            Some(Value::Bool(_)) => {}
            Some(_) => return Err(at(key, "must be a boolean")),
        }
    }
    for key in ["max_concurrency", "max_task_attempts"] {
        let value = match get(key) {
            None => continue,
            Some(Value::Bool(true)) => 1,
            Some(Value::Int(i)) if !i.starts_with('-') && i != "0" => {
                i.parse::<u64>().unwrap_or(u64::MAX)
            }
            Some(_) => return Err(at(key, "must be an integer >= 1")),
        };
        match key {
            "max_concurrency" => graph.max_concurrency = Some(value),
            _ => graph.max_task_attempts = Some(value),
        }
    }
    match get("teardown_mode") {
        None => Ok(()),
        Some(Value::Str(s)) if ["always", "never", "on_success"].contains(&s.as_str()) => Ok(()),
        Some(other) => Err(at(
            "teardown_mode",
            format!(
                "must be one of ['always', 'never', 'on_success'], got {}",
                other.repr()
            ),
        )),
    }
}

/// Phase C: the top-level model goes into every task's `primary_agent`. Returns the
/// tasks whose `primary_agent` was there but not a mapping (null included).
fn apply_model(entries: &mut [(Node, Node)], model: &Node) -> HashSet<usize> {
    let mut forced = HashSet::new();
    let Some((_, tasks)) = entries
        .iter_mut()
        .find(|(k, _)| k.value == Value::Str("tasks".into()))
    else {
        return forced;
    };
    let Value::Seq(items) = &mut tasks.value else {
        return forced;
    };
    for (i, item) in items.iter_mut().enumerate() {
        let line = item.line;
        let Value::Map(fields) = &mut item.value else {
            continue;
        };
        let key = |s: &str| Node {
            value: Value::Str(s.into()),
            line,
        };
        match fields
            .iter_mut()
            .find(|(k, _)| k.value == Value::Str("primary_agent".into()))
        {
            None => fields.push((
                key("primary_agent"),
                Node {
                    value: Value::Map(vec![(key("model"), model.clone())]),
                    line,
                },
            )),
            Some((_, agent)) => match &mut agent.value {
                Value::Map(agent_fields) => match agent_fields
                    .iter_mut()
                    .find(|(k, _)| k.value == Value::Str("model".into()))
                {
                    Some((_, m)) => *m = model.clone(),
                    None => agent_fields.push((key("model"), model.clone())),
                },
                _ => {
                    forced.insert(i);
                }
            },
        }
    }
    forced
}

fn warn_about(
    name: &str,
    tasks: &[TaskSpec],
    workstreams: &[Workstream],
    declared: bool,
    verdict: &mut Verdict,
) {
    if declared {
        for w in workstreams {
            if !tasks.iter().any(|t| t.workstream == w.id) {
                verdict.warnings.push(format!(
                    "workstream '{}' has no tasks; agentrelay aborts a fresh run at start-up on an internal assertion in that case",
                    w.id
                ));
            }
        }
    }
    if name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        verdict.warnings.push(format!(
            "graph name '{name}' is not usable as one path component; agentrelay keeps run state under .workflow/<name>/"
        ));
    }
}

/// `contains unknown key(s): …`, every key not allowed, sorted by code point.
fn unknown_keys(entries: &[(Node, Node)], loc: &str, allowed: &[&str]) -> Check<()> {
    let mut unknown: Vec<String> = entries
        .iter()
        .filter_map(|(k, _)| match &k.value {
            Value::Str(s) if allowed.contains(&s.as_str()) => None,
            Value::Str(s) => Some(s.clone()),
            other => Some(other.repr()),
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    Err(at(
        loc,
        format!("contains unknown key(s): {}", unknown.join(", ")),
    ))
}

fn required<'n>(node: &'n Node, key: &str, loc: &str) -> Check<&'n Node> {
    node.get(key).ok_or_else(|| at(loc, "is required"))
}

/// A non-empty string, trimmed as Python trims.
fn nes(node: &Node, loc: &str) -> Check<String> {
    let Value::Str(s) = &node.value else {
        return Err(at(loc, "must be a string"));
    };
    let trimmed = py_trim(s);
    if trimmed.is_empty() {
        return Err(at(loc, "must be a non-empty string"));
    }
    Ok(trimmed.to_string())
}

fn optional_nes(node: Option<&Node>, loc: &str) -> Check<Option<String>> {
    match node {
        None => Ok(None),
        Some(n) if n.value == Value::Null => Ok(None),
        Some(n) => nes(n, loc).map(Some),
    }
}

fn enumeration(node: Option<&Node>, loc: &str, word: &str, members: &[&str]) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Str(raw) = &node.value else {
        return Err(at(loc, "must be a string"));
    };
    let value = py_trim(raw);
    if members
        .iter()
        .any(|m| value.to_lowercase() == *m || value.to_uppercase() == m.to_uppercase())
    {
        return Ok(());
    }
    Err(at(
        loc,
        format!("invalid {word} '{raw}'. Allowed: {}", members.join(", ")),
    ))
}

/// A positive integer, or unset.
fn positive(node: Option<&Node>, loc: &str) -> Check<Option<u64>> {
    match node.map(|n| &n.value) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) if i.starts_with('-') || i == "0" => {
            Err(at(loc, "must be greater than 0"))
        }
        Some(Value::Int(i)) => Ok(Some(i.parse().unwrap_or(u64::MAX))),
        Some(_) => Err(at(loc, "must be an integer or null")),
    }
}

/// Python's `str.strip()`: Unicode white space plus U+001C–U+001F.
fn py_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}
