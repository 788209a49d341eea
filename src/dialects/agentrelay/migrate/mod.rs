//! `graph migrate`: agentrelay's v01 graphs to the current schema (GRAPH.md §7), as
//! text edits that keep every untouched line byte for byte.

use super::check;
use super::yaml::{self, Node, Value};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

mod lines;
mod planner;

use lines::Lines;
use planner::Planner;

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
/// time. Say so, naming two such tasks, when some pair has no dependency path
/// between them. Linear: the tasks form one chain (every pair ordered) exactly when
/// each task of a topological order depends directly on the one before it, and the
/// first two that do not are such a pair.
fn parallel_note(root: &Node) -> Vec<String> {
    if root.get("workstreams").is_some() {
        return Vec::new();
    }
    let mut ids: Vec<String> = Vec::new();
    let mut deps: HashMap<String, Vec<String>> = HashMap::new();
    for task in tasks(root) {
        let Some(id) = text_of(task.get("id")) else {
            continue;
        };
        let listed = match task.get("dependencies").map(|d| &d.value) {
            Some(Value::Seq(items)) => items.iter().filter_map(|n| text_of(Some(n))).collect(),
            _ => Vec::new(),
        };
        ids.push(id.clone());
        deps.insert(id, listed);
    }
    let order = topological(&ids, &deps);
    let unordered = order.windows(2).find(|w| {
        !deps
            .get(w[1].as_str())
            .is_some_and(|d| d.iter().any(|x| x == w[0]))
    });
    match unordered {
        Some(pair) => vec![format!(
            "tasks '{}' and '{}' (and maybe others) have no dependency path between them: they ran in parallel under v01 and will run one at a time under agentrelay now (declare workstreams to run them in parallel)",
            pair[0], pair[1]
        )],
        None => Vec::new(),
    }
}

/// Kahn's order of the tasks (ready ones first come, first served); tasks on a cycle or depending on
/// an unknown id are left out (the check refuses such graphs before this is asked).
fn topological<'a>(ids: &'a [String], deps: &HashMap<String, Vec<String>>) -> Vec<&'a String> {
    let known: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut waiting = vec![0usize; ids.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for (i, id) in ids.iter().enumerate() {
        for dep in deps.get(id).into_iter().flatten() {
            if let Some(&d) = known.get(dep.as_str()) {
                waiting[i] += 1;
                dependents[d].push(i);
            }
        }
    }
    let mut ready: VecDeque<usize> = (0..ids.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(ids.len());
    while let Some(i) = ready.pop_front() {
        order.push(&ids[i]);
        for &next in &dependents[i] {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push_back(next);
            }
        }
    }
    order
}

/// A unified diff of two texts, 3 lines of context, as `git diff` prints it (by the
/// `similar` crate: linear in memory, where a table of every line pair was not).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(text: &str) -> Vec<String> {
        match migrate("g.yaml", text) {
            Outcome::Migrated { notes, .. } => notes,
            other => panic!("not migrated: {other:?}"),
        }
    }

    #[test]
    fn two_tasks_without_a_path_between_them_are_named_in_a_note() {
        let text = "name: g\ntmux_session: s\ntasks:\n  - id: a\n  - id: b\n    dependencies: [a]\n  - id: c\n    dependencies: [a]\n";
        let found = notes(text);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("tasks 'b' and 'c' (and maybe others)"),
            "{found:?}"
        );
    }

    #[test]
    fn a_chain_runs_as_it_did_and_gets_no_note() {
        let mut text = String::from("name: g\ntmux_session: s\ntasks:\n  - id: t0\n");
        for i in 1..2000 {
            text.push_str(&format!("  - id: t{i}\n    dependencies: [t{}]\n", i - 1));
        }
        assert!(notes(&text).is_empty());
    }

    #[test]
    fn a_diff_has_git_headers_and_hunks() {
        let diff = unified_diff("g.yaml", "a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(
            diff,
            "--- a/g.yaml\n+++ b/g.yaml\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }
}
