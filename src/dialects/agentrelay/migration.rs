//! The graph migration's planner: each named graph as `HEAD` holds it, migrated as
//! text, and the one commit that writes the migrated ones (GRAPH.md §7).

use anyhow::Result;

use super::migrate::{self, Outcome};
use crate::engine::Tree;
use crate::engine::history::Kind;
use crate::engine::{Action, Clean, Plan};
use crate::error;

/// One graph file: its text in `HEAD` and what migrating it gives.
#[derive(Debug)]
pub struct FileMigration {
    /// The repository path.
    pub path: String,
    /// The text `HEAD` holds.
    pub old: String,
    /// Unchanged, migrated, or refused with reasons.
    pub outcome: Outcome,
}

/// What migrating a set of graphs does.
#[derive(Debug)]
pub struct GraphMigration {
    /// Every file, in the order named.
    pub files: Vec<FileMigration>,
    /// The commit to make: `None` when a file is refused or none changes.
    pub plan: Option<Plan>,
    /// The paths the commit writes must be clean; checked even when nothing is
    /// committed, so that a dry run refuses as the real run would.
    pub clean: Clean,
}

/// Plans the migration of `paths` as `head` holds them; a path `head` does not track
/// is refused, since the commit could not show what changed.
pub fn plan(head: &dyn Tree, paths: &[String]) -> Result<GraphMigration> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let Some(bytes) = head.read(path)? else {
            return Err(error::refused(
                format!("{path} is not tracked in HEAD"),
                format!("commit it first (`git add {path} && git commit`), then migrate it"),
            ));
        };
        let old = String::from_utf8_lossy(&bytes).into_owned();
        let outcome = migrate::migrate(path, &old);
        files.push(FileMigration {
            path: path.clone(),
            old,
            outcome,
        });
    }
    let refused = files
        .iter()
        .any(|f| matches!(f.outcome, Outcome::Refused(_)));
    let clean = Clean::paths(paths.iter().cloned());
    let plan = (!refused).then(|| commit_plan(&files, &clean)).flatten();
    Ok(GraphMigration { files, plan, clean })
}

/// The commit writing every migrated file, with one body line per change.
fn commit_plan(files: &[FileMigration], clean: &Clean) -> Option<Plan> {
    let migrated: Vec<(&str, &str, &[migrate::Change])> = files
        .iter()
        .filter_map(|f| match &f.outcome {
            Outcome::Migrated { text, changes, .. } => {
                Some((f.path.as_str(), text.as_str(), changes.as_slice()))
            }
            _ => None,
        })
        .collect();
    if migrated.is_empty() {
        return None;
    }
    Some(Plan {
        operation: Kind::Migrate,
        subject: format!(
            "workflow: migrate task graphs to current schema ({})",
            crate::layout::count(migrated.len(), "file")
        ),
        body: migrated
            .iter()
            .flat_map(|(path, _, changes)| {
                changes.iter().map(move |c| format!("{path}: {}", c.line()))
            })
            .collect(),
        body_summary: format!("{} graph files migrated.", migrated.len()),
        trailers: vec![("Workflow-Migration".into(), "graph-schema".into())],
        actions: migrated
            .iter()
            .map(|(path, text, _)| Action::Write {
                path: path.to_string(),
                bytes: text.as_bytes().to_vec(),
                executable: false,
            })
            .collect(),
        clean: clean.clone(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MemTree;

    const V01: &str = "name: build\ntmux_session: agents\ntasks:\n  - id: design\n";

    #[test]
    fn a_v01_graph_gets_one_commit_that_declares_the_named_files_clean() {
        let paths = vec!["graphs/a.yaml".to_string(), "graphs/b.yaml".to_string()];
        let head = MemTree::new()
            .with("graphs/a.yaml", V01)
            .with("graphs/b.yaml", "name: current\ntasks:\n  - id: x\n");
        let planned = plan(&head, &paths).unwrap();
        let plan = planned.plan.expect("a commit");
        assert_eq!(
            plan.subject,
            "workflow: migrate task graphs to current schema (1 file)"
        );
        assert_eq!(plan.actions.len(), 1);
        assert_eq!(plan.clean.paths, paths);
        assert!(matches!(planned.files[1].outcome, Outcome::Unchanged));
    }

    #[test]
    fn an_untracked_graph_is_refused_by_name() {
        let err = plan(&MemTree::new(), &["graphs/new.yaml".to_string()]).unwrap_err();
        assert!(
            err.to_string()
                .contains("graphs/new.yaml is not tracked in HEAD")
        );
    }
}
