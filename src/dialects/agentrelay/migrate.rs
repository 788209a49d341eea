//! `graph migrate`: agentrelay's v01 graphs to the current schema (GRAPH.md §7), as
//! text edits that keep every untouched line byte for byte.

use serde::Serialize;
use std::collections::BTreeMap;

use super::check::{self, TASK_KEYS};
use super::yaml::{self, Node, Value};

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `mapped`, `moved`, `removed`, `substituted`, `dropped`, `kept`.
    pub action: &'static str,
    /// The key as it was.
    pub from: String,
    /// Where it went, if anywhere.
    pub to: Option<String>,
    /// Why, when that helps.
    pub note: Option<String>,
}

impl Change {
    /// `mapped   tasks[0].model -> tasks[0].primary_agent.model`.
    pub fn line(&self) -> String {
        let mut line = format!("{:<8} {}", self.action, self.from);
        if let Some(to) = &self.to {
            line.push_str(&format!(" -> {to}"));
        }
        if let Some(note) = &self.note {
            line.push_str(&format!(" ({note})"));
        }
        line
    }
}

/// What migrating one file gives.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Already current.
    Unchanged,
    /// The new text and what changed.
    Migrated {
        /// The file after the edits.
        text: String,
        /// The report.
        changes: Vec<Change>,
        /// Notes that change nothing (parallel tasks now run in sequence).
        notes: Vec<String>,
    },
    /// Refused, with the reasons; nothing is written.
    Refused(Vec<String>),
}

/// Top-level keys only the current schema has: the schema keys v01 lacked, and the
/// operational keys other than `keep_panes` and `model` (GRAPH.md §7).
fn current_only_top(key: &str) -> bool {
    matches!(key, "workstreams" | "max_workstream_depth" | "isolation")
        || (check::OPERATIONAL.contains(&key) && !matches!(key, "keep_panes" | "model"))
}
const CURRENT_TASK: &[&str] = &[
    "primary_agent",
    "review",
    "workstream_id",
    "inputs_from",
    "tagged_paths",
    "isolation",
];
/// v01 task keys that become a current key elsewhere, and where.
const TASK_RENAMES: &[(&str, &str)] = &[
    ("src_paths", "paths.src"),
    ("test_paths", "paths.test"),
    ("spec_path", "paths.spec"),
    ("max_gate_retries", "max_gate_attempts"),
    ("model", "primary_agent.model"),
    ("review_model", "review.agent.model"),
];

/// Plans and applies the migration of one file's text.
pub fn migrate(path: &str, text: &str) -> Outcome {
    let root = match yaml::load(text) {
        Ok(root) => root,
        Err(e) => return Outcome::Refused(vec![format!("Invalid YAML in {path}: {e}")]),
    };
    let Value::Map(top) = &root.value else {
        return Outcome::Refused(vec!["graph: must be a mapping/object".into()]);
    };
    let mut doc = Lines::new(text);
    let pure = !top.iter().any(|(k, _)| matches!(&k.value, Value::Str(s) if current_only_top(s)))
        && tasks(&root).iter().all(|t| {
            !matches!(&t.value, Value::Map(m) if m.iter().any(|(k, _)| key_in(k, CURRENT_TASK)))
        });
    let mut plan = Planner {
        pure,
        anchored: text.contains("<<:") || has_anchor(text),
        ..Planner::default()
    };
    plan.top_level(&root);
    if !plan.refusals.is_empty() {
        return Outcome::Refused(plan.refusals);
    }
    if plan.changes.is_empty() {
        return Outcome::Unchanged;
    }
    if let Err(e) = plan.apply(&root, &mut doc) {
        return Outcome::Refused(vec![e]);
    }
    let new_text = doc.text();
    let verdict = check::check(path, &new_text);
    if let Some(e) = verdict.error {
        return Outcome::Refused(vec![format!("after migrating, {}", e.display())]);
    }
    Outcome::Migrated {
        text: new_text,
        changes: plan.changes,
        notes: parallel_note(&root),
    }
}

fn key_in(k: &Node, set: &[&str]) -> bool {
    matches!(&k.value, Value::Str(s) if set.contains(&s.as_str()))
}

fn has_anchor(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.split(" #").next().unwrap_or(l);
        l.contains(": &") || l.contains("- &") || l.contains(": *") || l.contains("- *")
    })
}

fn tasks(root: &Node) -> Vec<&Node> {
    match root.get("tasks").map(|t| &t.value) {
        Some(Value::Seq(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}

fn text_of(node: Option<&Node>) -> Option<String> {
    match &node?.value {
        Value::Str(s) => Some(s.clone()),
        other => Some(other.flow()),
    }
}

/// Under v01 every ready task ran at once; with no workstreams it now runs one at a
/// time. Say so when two tasks have no dependency path between them.
fn parallel_note(root: &Node) -> Vec<String> {
    if root.get("workstreams").is_some() {
        return Vec::new();
    }
    let tasks = tasks(root);
    let ids: Vec<String> = tasks.iter().filter_map(|t| text_of(t.get("id"))).collect();
    let deps: BTreeMap<String, Vec<String>> = tasks
        .iter()
        .filter_map(|t| {
            let id = text_of(t.get("id"))?;
            let deps = match t.get("dependencies").map(|d| &d.value) {
                Some(Value::Seq(items)) => items.iter().filter_map(|n| text_of(Some(n))).collect(),
                _ => Vec::new(),
            };
            Some((id, deps))
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_string()];
        let mut seen = std::collections::HashSet::new();
        while let Some(at) = stack.pop() {
            if at == to {
                return true;
            }
            if seen.insert(at.clone()) {
                stack.extend(deps.get(&at).cloned().unwrap_or_default());
            }
        }
        false
    };
    let mut pairs = 0;
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            if !reaches(a, b) && !reaches(b, a) {
                pairs += 1;
            }
        }
    }
    if pairs == 0 {
        return Vec::new();
    }
    vec![format!(
        "{pairs} pair(s) of tasks with no dependency path between them ran in parallel under v01 and will run one at a time under agentrelay now (declare workstreams to run them in parallel)"
    )]
}

/// The decisions for one file.
#[derive(Default)]
struct Planner {
    pure: bool,
    anchored: bool,
    changes: Vec<Change>,
    refusals: Vec<String>,
    remove_top: Vec<String>,
    graph_model_to_tasks: Option<Value>,
    graph_gate: Option<Value>,
    graph_verbosity: Option<String>,
}

impl Planner {
    fn change(
        &mut self,
        action: &'static str,
        from: String,
        to: Option<String>,
        note: Option<&str>,
    ) {
        self.changes.push(Change {
            action,
            from,
            to,
            note: note.map(str::to_string),
        });
    }

    fn top_level(&mut self, root: &Node) {
        let Value::Map(top) = &root.value else { return };
        let any_task_model = tasks(root).iter().any(|t| t.get("model").is_some());
        for (k, v) in top {
            let Value::Str(key) = &k.value else { continue };
            match key.as_str() {
                "tmux_session" => self.remove(
                    key,
                    "the session is auto-detected, or set with agentrelay run --tmux-session",
                ),
                "target_repo" => {
                    self.remove(key, "no graph key today: use agentrelay run --target-repo")
                }
                "worktrees_root" => {
                    self.remove(key, "worktrees live at .worktrees/<graph>/<workstream>")
                }
                "tdd_groups" => self
                    .refusals
                    .push("tdd_groups: refused; rewrite it as explicit tasks by hand".into()),
                "max_gate_attempts" | "max_gate_retries" => {
                    self.graph_gate = Some(v.value.clone());
                    self.remove_top.push(key.clone());
                }
                "model" if any_task_model && v.value != Value::Null => {
                    self.graph_model_to_tasks = Some(v.value.clone());
                    self.remove_top.push(key.clone());
                    self.change("removed", key.clone(), None, Some("it overrides every task today; its value goes to the tasks without a model"));
                }
                "verbosity" => {
                    self.graph_verbosity = text_of(Some(v));
                    self.remove_top.push(key.clone());
                }
                k if check::GRAPH_KEYS.contains(&k) || check::OPERATIONAL.contains(&k) => {}
                other if self.pure => self.remove(other, "unknown key"),
                _ => {}
            }
        }
        for (i, task) in tasks(root).iter().enumerate() {
            self.task(i, task);
        }
        if let Some(gate) = &self.graph_gate {
            self.change(
                "moved",
                "max_gate_attempts".into(),
                Some("tasks[*].max_gate_attempts".into()),
                Some(&format!(
                    "{} into every task with a gate and no value",
                    gate.flow()
                )),
            );
        }
    }

    fn remove(&mut self, key: &str, note: &str) {
        self.remove_top.push(key.to_string());
        self.change("removed", key.to_string(), None, Some(note));
    }

    /// Records what happens to one task; `apply` performs it.
    fn task(&mut self, i: usize, task: &Node) {
        let Value::Map(fields) = &task.value else {
            return;
        };
        let loc = format!("tasks[{i}]");
        if text_of(task.get("role")).is_some_and(|r| r.trim().eq_ignore_ascii_case("merger")) {
            self.refusals.push(format!(
                "{loc}.role: merger is refused; the current code has no merger task role"
            ));
        }
        for (k, v) in fields {
            let Value::Str(key) = &k.value else { continue };
            match key.as_str() {
                k if let Some((_, to)) = TASK_RENAMES.iter().find(|(from, _)| *from == k) => self
                    .change(
                        "mapped",
                        format!("{loc}.{k}"),
                        Some(format!("{loc}.{to}")),
                        None,
                    ),
                "review_on_attempt" if task.get("review_model").is_none() => self.change(
                    "removed",
                    format!("{loc}.review_on_attempt"),
                    None,
                    Some("it had no effect in v01 without review_model"),
                ),
                "review_on_attempt" => {}
                "verbosity" => {}
                "task_params" | "coverage_threshold" => {
                    if matches!(&v.value, Value::Map(m) if m.iter().any(|(_, x)| matches!(x.value, Value::Map(_) | Value::Seq(_))))
                    {
                        self.refusals.push(format!("{loc}.{key}: a nested value cannot be substituted into the gate; edit by hand"));
                    }
                }
                k if TASK_KEYS.contains(&k) => {}
                other if self.pure => self.change(
                    "removed",
                    format!("{loc}.{other}"),
                    None,
                    Some("unknown key"),
                ),
                _ => {}
            }
        }
        match verbosity(task, self.graph_verbosity.as_deref()) {
            Verbosity::Write(v) => self.change(
                "mapped",
                format!("{loc}.verbosity"),
                Some(format!("{loc}.primary_agent.adr_verbosity")),
                Some(&v),
            ),
            Verbosity::Drop(v) => self.change(
                "removed",
                format!("{loc}.verbosity"),
                None,
                Some(&format!("'{v}' has no current form")),
            ),
            Verbosity::Nothing if task.get("verbosity").is_some() => self.change(
                "removed",
                format!("{loc}.verbosity"),
                None,
                Some("standard meant no ADR"),
            ),
            Verbosity::Nothing => {}
        }
        if task.get("task_params").is_some() || task.get("coverage_threshold").is_some() {
            self.change(
                "substituted",
                format!("{loc}.task_params"),
                Some(format!("{loc}.completion_gate")),
                None,
            );
            for unused in unused_params(task) {
                self.change(
                    "dropped",
                    format!("{loc}.task_params.{unused}"),
                    None,
                    Some("the gate does not use it"),
                );
            }
        }
    }

    /// Edits the text: every task, then the top level.
    fn apply(&self, root: &Node, doc: &mut Lines) -> Result<(), String> {
        let Some(top) = doc.mapping(0, doc.lines.len(), 0) else {
            return Err("the file is not a block mapping at the top level; edit by hand".into());
        };
        if self.anchored {
            return Err(format!(
                "cannot rewrite {}: value comes from an anchor; edit by hand",
                self.changes[0].from
            ));
        }
        let tasks_entry = top.iter().find(|e| e.key == "tasks").cloned();
        let mut edits: Vec<(usize, usize, Vec<String>)> = Vec::new();
        if let Some(entry) = tasks_entry {
            for (i, (item, node)) in doc.items(&entry).into_iter().zip(tasks(root)).enumerate() {
                if let Some(new_lines) = self.task_lines(doc, &item, node, i)? {
                    edits.push((item.start, item.end, new_lines));
                }
            }
        }
        for e in top.iter().filter(|e| self.remove_top.contains(&e.key)) {
            edits.push((e.start, e.end, Vec::new()));
        }
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (start, end, lines) in edits {
            doc.lines.splice(start..end, lines);
        }
        Ok(())
    }

    /// The new lines of one task item, or `None` when it stays as it is.
    fn task_lines(
        &self,
        doc: &Lines,
        item: &Item,
        task: &Node,
        i: usize,
    ) -> Result<Option<Vec<String>>, String> {
        let wanted = self.wanted(task);
        if wanted.is_empty() && !self.touches(task) {
            return Ok(None);
        }
        let Some(entries) = (!item.flow)
            .then(|| doc.mapping(item.start, item.end, item.key_indent))
            .flatten()
        else {
            return Err(format!(
                "cannot rewrite tasks[{i}]: a flow or unusual task mapping; edit by hand"
            ));
        };
        let step = doc.step();
        let pad = " ".repeat(item.key_indent);
        let mut out: Vec<String> = Vec::new();
        let mut placed = std::collections::HashSet::new();
        for e in &entries {
            for (key, block) in wanted
                .iter()
                .filter(|(_, b)| b.anchor.iter().any(|a| a == &e.key))
            {
                if placed.insert(key.clone()) {
                    out.extend(render_entry(&pad, step, key, &block.value));
                }
            }
            if wanted.iter().any(|(_, b)| b.replaces.contains(&e.key))
                || e.key == "task_params"
                || e.key == "coverage_threshold"
                || e.key == "verbosity"
            {
                continue;
            }
            if let Some(block) = wanted.get(&e.key) {
                if placed.insert(e.key.clone()) {
                    out.extend(render_entry(&pad, step, &e.key, &block.value));
                }
                continue;
            }
            if e.key == "max_gate_retries" {
                let first = doc.lines[e.start].replacen("max_gate_retries", "max_gate_attempts", 1);
                out.push(first);
                out.extend(doc.lines[e.start + 1..e.end].iter().cloned());
                continue;
            }
            if self.drops_task_key(task, &e.key) {
                continue;
            }
            out.extend(doc.lines[e.start..e.end].iter().cloned());
        }
        for (key, block) in &wanted {
            if placed.insert(key.clone()) {
                out.extend(render_entry(&pad, step, key, &block.value));
            }
        }
        if let Some(first) = out.first_mut() {
            let dash = format!("{}- ", " ".repeat(item.key_indent - 2));
            *first = format!("{dash}{}", &first[item.key_indent.min(first.len())..]);
        }
        Ok(Some(out))
    }

    /// Whether a task has a key this migration renames or removes.
    fn touches(&self, task: &Node) -> bool {
        const V01: &[&str] = &[
            "verbosity",
            "review_on_attempt",
            "task_params",
            "coverage_threshold",
            "max_gate_retries",
        ];
        let Value::Map(fields) = &task.value else {
            return false;
        };
        fields.iter().any(|(k, _)| match &k.value {
            Value::Str(key) => {
                V01.contains(&key.as_str()) || (self.pure && !TASK_KEYS.contains(&key.as_str()))
            }
            _ => false,
        })
    }

    fn drops_task_key(&self, task: &Node, key: &str) -> bool {
        match key {
            "review_on_attempt" => true,
            k if TASK_KEYS.contains(&k) => false,
            "max_gate_retries" => false,
            _ => self.pure && task.get(key).is_some(),
        }
    }

    /// The keys a task gets written anew: what they hold, which old keys they replace,
    /// and where they go (in place of the first of `anchor` found).
    fn wanted(&self, task: &Node) -> BTreeMap<String, Block> {
        let mut out = BTreeMap::new();
        let mut paths = Vec::new();
        for (old, new) in [
            ("src_paths", "src"),
            ("test_paths", "test"),
            ("spec_path", "spec"),
        ] {
            if let Some(v) = task.get(old) {
                paths.push((new.to_string(), v.value.clone()));
            }
        }
        if !paths.is_empty() {
            out.insert(
                "paths".into(),
                Block::new(paths, &["src_paths", "test_paths", "spec_path"]),
            );
        }
        let mut agent = Vec::new();
        let model = task
            .get("model")
            .map(|m| m.value.clone())
            .or_else(|| self.graph_model_to_tasks.clone());
        if let Some(m) = model {
            agent.push(("model".to_string(), m));
        }
        if let Verbosity::Write(v) = verbosity(task, self.graph_verbosity.as_deref()) {
            agent.push(("adr_verbosity".to_string(), Value::Str(v)));
        }
        if !agent.is_empty() {
            out.insert(
                "primary_agent".into(),
                Block::new(agent, &["model", "verbosity"]),
            );
        }
        if let Some(m) = task.get("review_model") {
            let mut review = vec![(
                "agent".to_string(),
                Value::Map(vec![(
                    key_node("model"),
                    Node {
                        value: m.value.clone(),
                        line: 0,
                    },
                )]),
            )];
            if let Some(n) = task
                .get("review_on_attempt")
                .filter(|n| n.value != Value::Int("1".into()))
            {
                review.push(("review_on_attempt".to_string(), n.value.clone()));
            }
            out.insert(
                "review".into(),
                Block::new(review, &["review_model", "review_on_attempt"]),
            );
        }
        if let Some(gate) = self.substituted_gate(task) {
            let mut block = Block::scalar(Value::Str(gate), &["completion_gate"]);
            block.replaces.clear();
            out.insert("completion_gate".into(), block);
        }
        if let Some(gate) = &self.graph_gate
            && task.get("completion_gate").is_some()
            && task.get("max_gate_attempts").is_none()
            && task.get("max_gate_retries").is_none()
        {
            out.insert("max_gate_attempts".into(), Block::scalar(gate.clone(), &[]));
        }
        out
    }

    /// The gate with every `{key}` replaced, sequentially, in file order.
    fn substituted_gate(&self, task: &Node) -> Option<String> {
        let mut gate = text_of(task.get("completion_gate"))?;
        let params = params(task);
        if params.is_empty() {
            return None;
        }
        for (k, v) in params {
            gate = gate.replace(&format!("{{{k}}}"), &v);
        }
        Some(gate)
    }
}

/// A new or rewritten key: its value (a mapping of children, or a scalar), the old
/// keys it replaces, where it goes.
struct Block {
    value: Value,
    replaces: Vec<String>,
    anchor: Vec<String>,
}

impl Block {
    fn new(children: Vec<(String, Value)>, replaces: &[&str]) -> Self {
        Self {
            value: Value::Map(
                children
                    .into_iter()
                    .map(|(k, v)| (key_node(&k), Node { value: v, line: 0 }))
                    .collect(),
            ),
            replaces: replaces.iter().map(|s| s.to_string()).collect(),
            anchor: replaces.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn scalar(value: Value, replaces: &[&str]) -> Self {
        Self {
            value,
            replaces: replaces.iter().map(|s| s.to_string()).collect(),
            anchor: replaces.iter().map(|s| s.to_string()).collect(),
        }
    }
}

fn key_node(k: &str) -> Node {
    Node {
        value: Value::Str(k.into()),
        line: 0,
    }
}

/// `task_params` (and the early `coverage_threshold`) as the gate sees them: each value
/// as Python's `str` prints it.
fn params(task: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(v) = task.get("coverage_threshold") {
        out.push(("coverage_threshold".to_string(), python_str(&v.value)));
    }
    if let Some(Node {
        value: Value::Map(entries),
        ..
    }) = task.get("task_params")
    {
        for (k, v) in entries {
            out.push((k.value.flow(), python_str(&v.value)));
        }
    }
    out
}

fn unused_params(task: &Node) -> Vec<String> {
    let gate = text_of(task.get("completion_gate")).unwrap_or_default();
    params(task)
        .into_iter()
        .filter(|(k, _)| !gate.contains(&format!("{{{k}}}")))
        .map(|(k, _)| k)
        .collect()
}

fn python_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.repr(),
    }
}

enum Verbosity {
    Write(String),
    Drop(String),
    Nothing,
}

/// The task's verbosity, else the graph's, else `standard` (which wrote no ADR).
fn verbosity(task: &Node, graph: Option<&str>) -> Verbosity {
    let v = text_of(task.get("verbosity")).or_else(|| graph.map(str::to_string));
    match v.as_deref() {
        None | Some("standard") => Verbosity::Nothing,
        Some(v @ ("detailed" | "educational")) => Verbosity::Write(v.to_string()),
        Some(other) => Verbosity::Drop(other.to_string()),
    }
}

/// `key: value` lines at `pad`, children one step deeper.
fn render_entry(pad: &str, step: usize, key: &str, value: &Value) -> Vec<String> {
    match value {
        Value::Map(children) => {
            let mut out = vec![format!("{pad}{key}:")];
            let inner = format!("{pad}{}", " ".repeat(step));
            for (k, v) in children {
                out.extend(render_entry(&inner, step, &k.value.flow(), &v.value));
            }
            out
        }
        other => vec![format!("{pad}{key}: {}", scalar(other))],
    }
}

/// A value in flow style; strings plain when they re-read as the same string.
fn scalar(value: &Value) -> String {
    match value {
        Value::Str(s) => {
            let special = s.is_empty()
                || s.trim() != s
                || s.contains(": ")
                || s.contains(" #")
                || s.ends_with(':')
                || s.contains(['\n', '\t'])
                || s.starts_with([
                    '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'',
                    '"', '%', '@', '`',
                ]);
            if !special && yaml::resolve_plain(s) == Value::Str(s.clone()) {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        other => other.flow_with(&scalar),
    }
}

/// The file as lines, with its line ending and whether it ends with one.
struct Lines {
    lines: Vec<String>,
    eol: &'static str,
    final_newline: bool,
}

/// One `key:` of a block mapping and the lines of its value.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    start: usize,
    end: usize,
}

/// One item of a block sequence.
#[derive(Debug, Clone)]
struct Item {
    start: usize,
    end: usize,
    key_indent: usize,
    flow: bool,
}

impl Lines {
    fn new(text: &str) -> Self {
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let final_newline = text.ends_with('\n');
        let body = text.strip_suffix(eol).unwrap_or(text);
        Self {
            lines: if body.is_empty() {
                Vec::new()
            } else {
                body.split(eol).map(str::to_string).collect()
            },
            eol,
            final_newline,
        }
    }

    fn text(&self) -> String {
        let mut text = self.lines.join(self.eol);
        if self.final_newline {
            text.push_str(self.eol);
        }
        text
    }

    /// The first nested indentation of the file, or 2.
    fn step(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| indent_of(l))
            .find(|&i| i > 0)
            .unwrap_or(2)
    }

    /// The entries of the block mapping whose keys sit at `indent` in `[start, end)`
    /// (the first line may be a sequence item's `- key:`).
    fn mapping(&self, start: usize, end: usize, indent: usize) -> Option<Vec<Entry>> {
        let mut entries: Vec<Entry> = Vec::new();
        for i in start..end {
            let line = self.virtual_line(i, start, indent);
            if line.trim().is_empty() {
                continue;
            }
            let here = indent_of(&line);
            if here == indent && !line.trim_start().starts_with('#') {
                let key = key_at(&line, indent)?;
                if let Some(last) = entries.last_mut() {
                    last.end = self.value_end(last.start + 1, i, indent);
                }
                entries.push(Entry {
                    key,
                    start: i,
                    end: i + 1,
                });
            } else if here < indent && !line.trim_start().starts_with('#') {
                return None;
            }
        }
        if let Some(last) = entries.last_mut() {
            last.end = self.value_end(last.start + 1, end, indent);
        }
        Some(entries)
    }

    /// A line as the mapping sees it: a sequence item's `- ` counts as indentation.
    fn virtual_line(&self, i: usize, start: usize, indent: usize) -> String {
        let line = &self.lines[i];
        if i == start && indent >= 2 && line.get(indent - 2..indent) == Some("- ") {
            return format!("{}  {}", &line[..indent - 2], &line[indent..]);
        }
        line.clone()
    }

    /// Where a value that starts at `from` ends: it keeps the lines indented deeper
    /// than its key (comments included), not the blank or shallower lines after it.
    fn value_end(&self, from: usize, limit: usize, indent: usize) -> usize {
        let mut end = from;
        for i in from..limit {
            let line = &self.lines[i];
            if line.trim().is_empty() {
                continue;
            }
            if indent_of(line) > indent {
                end = i + 1;
            } else {
                break;
            }
        }
        end
    }

    /// The items of the block sequence under `entry`.
    fn items(&self, entry: &Entry) -> Vec<Item> {
        let mut items: Vec<Item> = Vec::new();
        for i in entry.start + 1..entry.end {
            let line = &self.lines[i];
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed
                .strip_prefix("- ")
                .or(trimmed.strip_prefix('-').filter(|r| r.is_empty()))
            {
                let dash = indent_of(line);
                if items.first().is_some_and(|f| f.key_indent - 2 != dash) {
                    continue;
                }
                if let Some(last) = items.last_mut() {
                    last.end = self.value_end(last.start + 1, i, dash);
                }
                items.push(Item {
                    start: i,
                    end: i + 1,
                    key_indent: dash + 2,
                    flow: rest.trim_start().starts_with('{'),
                });
            }
        }
        if let Some(last) = items.last_mut() {
            last.end = self.value_end(last.start + 1, entry.end, last.key_indent - 2);
        }
        items
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn key_at(line: &str, indent: usize) -> Option<String> {
    let rest = line.get(indent..)?;
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    let after = &rest[colon + 1..];
    (!key.is_empty() && !key.contains(' ') && (after.is_empty() || after.starts_with(' ')))
        .then(|| key.to_string())
}

/// A unified diff of two texts, 3 lines of context, as `git diff` prints it.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let n = a.len();
    let m = b.len();
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.0 != ' ')
        .map(|(k, _)| k)
        .collect();
    let mut k = 0;
    while k < changed.len() {
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] <= last + 7 {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let from = first.saturating_sub(3);
        let to = (last + 4).min(ops.len());
        let hunk = &ops[from..to];
        let old_start = hunk.iter().find(|o| o.0 != '+').map_or(hunk[0].1, |o| o.1);
        let new_start = hunk.iter().find(|o| o.0 != '-').map_or(hunk[0].2, |o| o.2);
        let old_len = hunk.iter().filter(|o| o.0 != '+').count();
        let new_len = hunk.iter().filter(|o| o.0 != '-').count();
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_len),
            range(new_start, new_len)
        ));
        for (op, i, j) in hunk {
            let line = if *op == '+' { b[*j] } else { a[*i] };
            out.push_str(&format!("{op}{line}\n"));
        }
    }
    out
}

fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}
