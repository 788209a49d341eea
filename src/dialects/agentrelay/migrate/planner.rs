//! The decisions of one file's migration: each top-level key and task field mapped,
//! renamed, moved into its block or refused, and the edits that carry them out.

use std::collections::BTreeMap;

use super::super::check::TASK_KEYS;
use super::lines::Item;
use super::*;

/// The decisions for one file.
#[derive(Default)]
pub(super) struct Planner {
    pub(super) pure: bool,
    pub(super) anchored: bool,
    pub(super) changes: Vec<Change>,
    pub(super) refusals: Vec<String>,
    pub(super) remove_top: Vec<String>,
    pub(super) graph_model_to_tasks: Option<Value>,
    pub(super) graph_gate: Option<Value>,
    pub(super) graph_verbosity: Option<String>,
}

impl Planner {
    pub(super) fn change(
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

    pub(super) fn top_level(&mut self, root: &Node) {
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

    pub(super) fn remove(&mut self, key: &str, note: &str) {
        self.remove_top.push(key.to_string());
        self.change("removed", key.to_string(), None, Some(note));
    }

    /// Records what happens to one task; `apply` performs it.
    pub(super) fn task(&mut self, i: usize, task: &Node) {
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
    pub(super) fn apply(&self, root: &Node, doc: &mut Lines) -> Result<(), String> {
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
    pub(super) fn task_lines(
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
    pub(super) fn touches(&self, task: &Node) -> bool {
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

    pub(super) fn drops_task_key(&self, task: &Node, key: &str) -> bool {
        match key {
            "review_on_attempt" => true,
            k if TASK_KEYS.contains(&k) => false,
            "max_gate_retries" => false,
            _ => self.pure && task.get(key).is_some(),
        }
    }

    /// The keys a task gets written anew: what they hold, which old keys they replace,
    /// and where they go (in place of the first of `anchor` found).
    pub(super) fn wanted(&self, task: &Node) -> BTreeMap<String, Block> {
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
    pub(super) fn substituted_gate(&self, task: &Node) -> Option<String> {
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
pub(super) struct Block {
    pub(super) value: Value,
    pub(super) replaces: Vec<String>,
    pub(super) anchor: Vec<String>,
}

impl Block {
    pub(super) fn new(children: Vec<(String, Value)>, replaces: &[&str]) -> Self {
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

    pub(super) fn scalar(value: Value, replaces: &[&str]) -> Self {
        Self {
            value,
            replaces: replaces.iter().map(|s| s.to_string()).collect(),
            anchor: replaces.iter().map(|s| s.to_string()).collect(),
        }
    }
}

pub(super) fn key_node(k: &str) -> Node {
    Node {
        value: Value::Str(k.into()),
        line: 0,
    }
}

/// `task_params` (and the early `coverage_threshold`) as the gate sees them: each value
/// as Python's `str` prints it.
pub(super) fn params(task: &Node) -> Vec<(String, String)> {
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

pub(super) fn unused_params(task: &Node) -> Vec<String> {
    let gate = text_of(task.get("completion_gate")).unwrap_or_default();
    params(task)
        .into_iter()
        .filter(|(k, _)| !gate.contains(&format!("{{{k}}}")))
        .map(|(k, _)| k)
        .collect()
}

pub(super) fn python_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.repr(),
    }
}

pub(super) enum Verbosity {
    Write(String),
    Drop(String),
    Nothing,
}

/// The task's verbosity, else the graph's, else `standard` (which wrote no ADR).
pub(super) fn verbosity(task: &Node, graph: Option<&str>) -> Verbosity {
    let v = text_of(task.get("verbosity")).or_else(|| graph.map(str::to_string));
    match v.as_deref() {
        None | Some("standard") => Verbosity::Nothing,
        Some(v @ ("detailed" | "educational")) => Verbosity::Write(v.to_string()),
        Some(other) => Verbosity::Drop(other.to_string()),
    }
}

/// `key: value` lines at `pad`, children one step deeper.
pub(super) fn render_entry(pad: &str, step: usize, key: &str, value: &Value) -> Vec<String> {
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
pub(super) fn scalar(value: &Value) -> String {
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
