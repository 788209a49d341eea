//! agentrelay's rule (SPEC §6.1): a task-graph file (`git config workflow.graphs`)
//! must pass `graph check`.

use anyhow::Result;

use crate::engine::rule::{Content, Rule, Verdicts, Violation};

/// A graph agentrelay's builder would reject.
pub const INVALID_GRAPH: Rule = Rule {
    id: "invalid-graph",
    rejects: "a task-graph file (git config workflow.graphs) that fails graph check",
};

/// The graph's first error, as agentrelay reports it; a blob already judged in
/// this run (at any path) is not read again.
pub fn invalid_graph(
    path: &str,
    content: &dyn Content,
    verdicts: &Verdicts,
) -> Result<Option<Violation>> {
    let verdict = verdicts.judge(path, content, "graph", &|marked, bytes| {
        let verdict = super::check::check(marked, &String::from_utf8_lossy(bytes));
        verdict.error.map(|e| e.display().to_string())
    })?;
    Ok(verdict.map(|e| Violation {
        rule: INVALID_GRAPH.id,
        path: path.to_string(),
        message: format!("{path}: {e}"),
        fix: format!("fix the graph; `git workflow graph check {path}` shows its first error"),
    }))
}
