//! `graph check`: the verdict agentrelay's builder gives a task-graph file, with the
//! same first error (location and message), in the same phase order (GRAPH.md §1.2):
//! A parse, B operational keys, C the `model` override, D the schema and its
//! cross-references, E the graph checks; then the task order.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::yaml::{self, Node, Value};

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

/// What phase D keeps of a task for the later checks.
struct TaskSpec {
    id: String,
    dependencies: Vec<String>,
    inputs: Vec<String>,
    workstream: String,
}

fn task(node: &Node, i: usize, model_forced: bool) -> Check<TaskSpec> {
    let loc = format!("tasks[{i}]");
    let Value::Map(entries) = &node.value else {
        return Err(at(&loc, "must be a mapping/object"));
    };
    unknown_keys(entries, &loc, TASK_KEYS)?;

    let id = nes(
        required(node, "id", &format!("{loc}.id"))?,
        &format!("{loc}.id"),
    )?;
    enumeration(
        node.get("role"),
        &format!("{loc}.role"),
        "role",
        &[
            "spec_writer",
            "test_writer",
            "test_reviewer",
            "implementer",
            "generic",
        ],
    )?;
    match node.get("description").map(|n| &n.value) {
        None | Some(Value::Null) | Some(Value::Str(_)) => {}
        Some(_) => return Err(at(format!("{loc}.description"), "must be a string or null")),
    }
    let dependencies = dependencies(node.get("dependencies"), &loc)?;
    let inputs = inputs_from(node.get("inputs_from"), &loc)?;
    paths(node, &loc)?;
    optional_nes(
        node.get("completion_gate"),
        &format!("{loc}.completion_gate"),
    )?;
    positive(
        node.get("max_gate_attempts"),
        &format!("{loc}.max_gate_attempts"),
    )?;
    match node.get("primary_agent") {
        Some(agent) if agent.value == Value::Null && model_forced => {
            return Err(at(
                format!("{loc}.primary_agent"),
                "must be a mapping/object",
            ));
        }
        agent => agent_block(agent, &format!("{loc}.primary_agent"))?,
    }
    review(node.get("review"), &format!("{loc}.review"))?;
    let workstream = optional_nes(node.get("workstream_id"), &format!("{loc}.workstream_id"))?
        .unwrap_or_else(|| "default".into());
    isolation(node.get("isolation"), &format!("{loc}.isolation"))?;
    Ok(TaskSpec {
        id,
        dependencies,
        inputs,
        workstream,
    })
}

fn dependencies(node: Option<&Node>, loc: &str) -> Check<Vec<String>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let Value::Seq(items) = &node.value else {
        return Err(at(
            format!("{loc}.dependencies"),
            "must be a list of task IDs",
        ));
    };
    let mut deps: Vec<String> = Vec::new();
    for (j, item) in items.iter().enumerate() {
        let where_ = format!("{loc}.dependencies[{j}]");
        let dep = nes(item, &where_)?;
        if deps.contains(&dep) {
            return Err(at(where_, format!("duplicate dependency id '{dep}'")));
        }
        deps.push(dep);
    }
    Ok(deps)
}

fn inputs_from(node: Option<&Node>, loc: &str) -> Check<Vec<String>> {
    let items: Vec<&Node> = match node.map(|n| (&n.value, n)) {
        None | Some((Value::Null, _)) => return Ok(Vec::new()),
        Some((Value::Map(_), n)) => vec![n],
        Some((Value::Seq(items), _)) => items.iter().collect(),
        Some(_) => {
            return Err(at(
                format!("{loc}.inputs_from"),
                "must be a mapping or list of mappings",
            ));
        }
    };
    let mut targets = Vec::new();
    for (j, item) in items.into_iter().enumerate() {
        let where_ = format!("{loc}.inputs_from[{j}]");
        let Value::Map(entries) = &item.value else {
            return Err(at(where_, "must be a mapping/object"));
        };
        unknown_keys(entries, &where_, &["task", "category"])?;
        targets.push(nes(
            required(item, "task", &format!("{where_}.task"))?,
            &format!("{where_}.task"),
        )?);
        optional_nes(item.get("category"), &format!("{where_}.category"))?;
    }
    Ok(targets)
}

fn paths(task: &Node, loc: &str) -> Check<()> {
    let (paths, tagged) = (task.get("paths"), task.get("tagged_paths"));
    if paths.is_some() && tagged.is_some() {
        return Err(at(loc, "'paths' and 'tagged_paths' are mutually exclusive"));
    }
    if let Some(tagged) = tagged {
        let where_ = format!("{loc}.tagged_paths");
        let Value::Seq(items) = &tagged.value else {
            return Err(at(where_, "must be a list of {path, category} mappings"));
        };
        for (k, item) in items.iter().enumerate() {
            let at_k = format!("{where_}[{k}]");
            let Value::Map(entries) = &item.value else {
                return Err(at(at_k, "must be a mapping/object"));
            };
            unknown_keys(entries, &at_k, &["path", "category"])?;
            nes(
                required(item, "path", &format!("{at_k}.path"))?,
                &format!("{at_k}.path"),
            )?;
            nes(
                required(item, "category", &format!("{at_k}.category"))?,
                &format!("{at_k}.category"),
            )?;
        }
    }
    let Some(paths) = paths.filter(|p| p.value != Value::Null) else {
        return Ok(());
    };
    let where_ = format!("{loc}.paths");
    let Value::Map(entries) = &paths.value else {
        return Err(at(where_, "must be a mapping/object"));
    };
    unknown_keys(entries, &where_, &["src", "test", "spec"])?;
    for key in ["src", "test"] {
        let Some(list) = paths.get(key) else { continue };
        let at_key = format!("{where_}.{key}");
        let Value::Seq(items) = &list.value else {
            return Err(at(at_key, "must be a list of strings"));
        };
        for (k, item) in items.iter().enumerate() {
            nes(item, &format!("{at_key}[{k}]"))?;
        }
    }
    optional_nes(paths.get("spec"), &format!("{where_}.spec"))?;
    Ok(())
}

fn agent_block(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(
        entries,
        loc,
        &[
            "framework",
            "model",
            "adr_verbosity",
            "environment",
            "isolation",
        ],
    )?;
    enumeration(
        node.get("framework"),
        &format!("{loc}.framework"),
        "framework",
        &["claude_code"],
    )?;
    optional_nes(node.get("model"), &format!("{loc}.model"))?;
    enumeration(
        node.get("adr_verbosity"),
        &format!("{loc}.adr_verbosity"),
        "adr_verbosity",
        &["none", "standard", "detailed", "educational"],
    )?;
    environment(node.get("environment"), &format!("{loc}.environment"))?;
    isolation(node.get("isolation"), &format!("{loc}.isolation"))
}

fn environment(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(entries, loc, &["type", "session"])?;
    match node.get("type").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Str(t)) if py_trim(t).to_lowercase() == "tmux" => {}
        Some(Value::Str(_)) => return Err(at(format!("{loc}.type"), "must be 'tmux'")),
        Some(_) => return Err(at(format!("{loc}.type"), "must be a string")),
    }
    optional_nes(node.get("session"), &format!("{loc}.session"))?;
    Ok(())
}

fn review(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(entries, loc, &["agent", "review_on_attempt"])?;
    let agent = required(node, "agent", &format!("{loc}.agent"))?;
    agent_block(Some(agent), &format!("{loc}.agent"))?;
    match node.get("review_on_attempt") {
        Some(n) if n.value == Value::Null => Err(at(
            format!("{loc}.review_on_attempt"),
            "must be an integer greater than 0",
        )),
        other => positive(other, &format!("{loc}.review_on_attempt")).map(|_| ()),
    }
}

fn isolation(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(entries, loc, &["sandbox", "token_tier", "image", "runtime"])?;
    enumeration(
        node.get("sandbox"),
        &format!("{loc}.sandbox"),
        "sandbox type",
        &["none", "oci"],
    )?;
    enumeration(
        node.get("token_tier"),
        &format!("{loc}.token_tier"),
        "token tier",
        &["read_only", "standard", "elevated"],
    )?;
    optional_nes(node.get("image"), &format!("{loc}.image"))?;
    enumeration(
        node.get("runtime"),
        &format!("{loc}.runtime"),
        "container runtime",
        &["docker", "podman"],
    )
}

fn workstreams(node: Option<&Node>) -> Check<Option<Vec<Workstream>>> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(None);
    };
    let Value::Seq(items) = &node.value else {
        return Err(at("graph.workstreams", "must be a list"));
    };
    if items.is_empty() {
        return Err(at(
            "graph.workstreams",
            "must contain at least one workstream",
        ));
    }
    let mut out: Vec<Workstream> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let loc = format!("graph.workstreams[{i}]");
        let Value::Map(entries) = &item.value else {
            return Err(at(loc, "must be a mapping/object"));
        };
        unknown_keys(
            entries,
            &loc,
            &[
                "id",
                "parent_workstream_id",
                "base_branch",
                "merge_target_branch",
                "auto_merge",
                "isolation",
            ],
        )?;
        let id = nes(
            required(item, "id", &format!("{loc}.id"))?,
            &format!("{loc}.id"),
        )?;
        let parent = optional_nes(
            item.get("parent_workstream_id"),
            &format!("{loc}.parent_workstream_id"),
        )?;
        for key in ["base_branch", "merge_target_branch"] {
            if let Some(branch) = item.get(key) {
                nes(branch, &format!("{loc}.{key}"))?;
            }
        }
        let auto_merge = match item.get("auto_merge").map(|n| &n.value) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(at(format!("{loc}.auto_merge"), "must be a boolean")),
        };
        isolation(item.get("isolation"), &format!("{loc}.isolation"))?;
        if out.iter().any(|w| w.id == id) {
            return Err(at(
                format!("{loc}.id"),
                format!("duplicate workstream id '{id}'"),
            ));
        }
        out.push(Workstream {
            id,
            parent,
            auto_merge,
        });
    }
    Ok(Some(out))
}

/// §3.8: dependencies, then inputs_from, then cycles.
fn cross_references(tasks: &[TaskSpec]) -> Check<()> {
    let index: HashMap<&str, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    for (i, task) in tasks.iter().enumerate() {
        for (j, dep) in task.dependencies.iter().enumerate() {
            if !index.contains_key(dep.as_str()) {
                return Err(at(
                    format!("tasks[{i}].dependencies[{j}]"),
                    format!("unknown dependency id '{dep}'"),
                ));
            }
        }
    }
    for (i, task) in tasks.iter().enumerate() {
        for (j, target) in task.inputs.iter().enumerate() {
            let loc = format!("tasks[{i}].inputs_from[{j}].task");
            if !index.contains_key(target.as_str()) {
                return Err(at(loc, format!("unknown task id '{target}'")));
            }
            if !reachable(tasks, &index, i).contains(target.as_str()) {
                return Err(at(
                    loc,
                    format!(
                        "task '{target}' is not a dependency (direct or transitive) of task '{}'",
                        task.id
                    ),
                ));
            }
        }
    }
    if let Some(cycle) = dependency_cycle(tasks, &index) {
        return Err(at(
            "tasks",
            format!("contains a dependency cycle: {}", cycle.join(" -> ")),
        ));
    }
    Ok(())
}

/// Every task reachable from task `start` along dependency edges (itself only through
/// a cycle).
fn reachable<'t>(
    tasks: &'t [TaskSpec],
    index: &HashMap<&str, usize>,
    start: usize,
) -> HashSet<&'t str> {
    let mut seen = HashSet::new();
    let mut stack: Vec<usize> = tasks[start]
        .dependencies
        .iter()
        .filter_map(|d| index.get(d.as_str()).copied())
        .collect();
    while let Some(i) = stack.pop() {
        if seen.insert(tasks[i].id.as_str()) {
            stack.extend(
                tasks[i]
                    .dependencies
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied()),
            );
        }
    }
    seen
}

/// Depth-first from each task in file order, dependencies in declared order; the
/// first edge back onto the stack closes the cycle.
fn dependency_cycle(tasks: &[TaskSpec], index: &HashMap<&str, usize>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    fn visit(
        i: usize,
        tasks: &[TaskSpec],
        index: &HashMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        marks[i] = Mark::OnStack;
        stack.push(i);
        for dep in &tasks[i].dependencies {
            let d = index[dep.as_str()];
            match marks[d] {
                Mark::OnStack => {
                    let from = stack.iter().position(|&s| s == d)?;
                    let mut path: Vec<String> =
                        stack[from..].iter().map(|&s| tasks[s].id.clone()).collect();
                    path.push(tasks[d].id.clone());
                    return Some(path);
                }
                Mark::New => {
                    if let Some(cycle) = visit(d, tasks, index, marks, stack) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; tasks.len()];
    for i in 0..tasks.len() {
        if marks[i] == Mark::New
            && let Some(cycle) = visit(i, tasks, index, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// §3.9, in order.
fn graph_checks(tasks: &[TaskSpec], workstreams: &[Workstream], max_depth: u64) -> Check<()> {
    let known: BTreeSet<&str> = workstreams.iter().map(|w| w.id.as_str()).collect();
    let unknown: BTreeSet<&str> = tasks
        .iter()
        .map(|t| t.workstream.as_str())
        .filter(|w| !known.contains(w))
        .collect();
    if !unknown.is_empty() {
        return Err(plain(format!(
            "Unknown workstream id(s) referenced by tasks: {}.",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    for w in workstreams {
        if let Some(p) = &w.parent
            && !known.contains(p.as_str())
        {
            return Err(plain(format!(
                "Workstream '{}' references unknown parent_workstream_id '{p}'.",
                w.id
            )));
        }
    }
    let parent: HashMap<&str, &str> = workstreams
        .iter()
        .filter_map(|w| Some((w.id.as_str(), w.parent.as_deref()?)))
        .collect();
    let mut acyclic: HashSet<&str> = HashSet::new();
    for start in &known {
        if acyclic.contains(start) {
            continue;
        }
        let mut path: Vec<&str> = vec![start];
        let mut at_ws = *start;
        while let Some(&p) = parent.get(at_ws) {
            if acyclic.contains(p) {
                break;
            }
            if let Some(first) = path.iter().position(|&x| x == p) {
                let mut cycle: Vec<&str> = path[first..].to_vec();
                cycle.push(p);
                return Err(plain(format!(
                    "Workstream hierarchy contains a cycle: {}",
                    cycle.join(" -> ")
                )));
            }
            path.push(p);
            at_ws = p;
        }
        acyclic.extend(path);
    }
    for w in workstreams {
        let mut depth = 0u64;
        let mut at_ws = w.id.as_str();
        while let Some(&p) = parent.get(at_ws) {
            depth += 1;
            at_ws = p;
        }
        if depth > max_depth {
            return Err(plain(format!(
                "Workstream '{}' exceeds maximum supported depth of {max_depth}.",
                w.id
            )));
        }
    }
    Ok(())
}

/// §3.10: Kahn's algorithm, the smallest ready id by code point first.
fn task_order(tasks: &[TaskSpec]) -> Vec<String> {
    let mut waiting: HashMap<&str, usize> = HashMap::new();
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut ready: BTreeSet<&str> = BTreeSet::new();
    for t in tasks {
        waiting.insert(&t.id, t.dependencies.len());
        for d in &t.dependencies {
            dependents.entry(d).or_default().push(&t.id);
        }
        if t.dependencies.is_empty() {
            ready.insert(&t.id);
        }
    }
    let mut placed = Vec::with_capacity(tasks.len());
    while let Some(next) = ready.pop_first() {
        placed.push(next.to_string());
        for &child in dependents.get(next).into_iter().flatten() {
            if let Some(left) = waiting.get_mut(child) {
                *left -= 1;
                if *left == 0 {
                    ready.insert(child);
                }
            }
        }
    }
    placed
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
