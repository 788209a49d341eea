//! agentrelay's rule (SPEC §6.1): a task-graph file (`git config workflow.graphs`)
//! must pass `graph check`.

use anyhow::Result;

use crate::engine::rule::{Content, Rule, Violation};

/// A graph agentrelay's builder would reject.
pub const INVALID_GRAPH: Rule = Rule {
    id: "invalid-graph",
    rejects: "a task-graph file (git config workflow.graphs) that fails graph check",
};

/// The graph's first error, as agentrelay reports it.
pub fn invalid_graph(path: &str, content: &dyn Content) -> Result<Option<Violation>> {
    let Some(bytes) = content.read(path)? else {
        return Ok(None);
    };
    let verdict = super::check::check(path, &String::from_utf8_lossy(&bytes));
    Ok(verdict.error.map(|e| Violation {
        rule: INVALID_GRAPH.id,
        path: path.to_string(),
        message: format!("{path}: {}", e.display()),
        fix: format!("fix the graph; `git workflow graph check {path}` shows its first error"),
    }))
}
