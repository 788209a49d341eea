//! What one operation will do: the [`Plan`] a planner returns, its [`Action`]s, the
//! paths that must be clean before it is carried out, and its commit message.

use super::history::Kind;
use crate::layout;
use crate::repo::Oid;

/// One change a plan makes to the tree, in repository paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move a file, keeping its blob (git sees a 100 % rename).
    Move {
        /// Where it is now.
        from: String,
        /// Where it goes.
        to: String,
    },
    /// Create or replace a file with these bytes.
    Write {
        /// Where.
        path: String,
        /// The whole content.
        bytes: Vec<u8>,
        /// Whether it is executable.
        executable: bool,
    },
    /// Put a blob that is already stored back at a path (what a revert does).
    Restore {
        /// Where.
        path: String,
        /// The blob.
        id: Oid,
        /// Whether it is executable.
        executable: bool,
    },
    /// Delete a file.
    Delete {
        /// Which.
        path: String,
    },
}

/// What one operation will do: its commit message and its actions.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The `Workflow-Operation` trailer value: `migrate`, `adopt`, `complete`, ….
    pub operation: Kind,
    /// The commit subject, `workflow: …`.
    pub subject: String,
    /// One line per item, for the body (cut to a count past [`MAX_BODY_LINES`]).
    pub body: Vec<String>,
    /// What the body says instead of the lines when there are too many.
    pub body_summary: String,
    /// Trailers after `Workflow-Operation`, in order.
    pub trailers: Vec<(String, String)>,
    /// The changes, applied in order.
    pub actions: Vec<Action>,
    /// The tree the actions make of the one they apply to, when the planner knows it
    /// without building it: undoing the newest commit gives back its parent's tree,
    /// which git holds already. The executor commits it instead of editing the base's
    /// tree path by path and packing trees git has.
    pub tree: Option<Oid>,
    /// Things the user should know that do not stop the plan.
    pub warnings: Vec<String>,
    /// A commit made first, on the base, that this plan's commit then builds on:
    /// the session folder recorded as it stands before it is archived, so that its
    /// uncommitted files are in history and a revert of the archival gives them back.
    /// Both commits land with one move of the branch.
    pub record: Option<Box<Plan>>,
    /// Work-tree folders that move whole: once the commit is in the work tree, what
    /// is left in `from` (ignored files, empty folders) moves into `to`, the index
    /// forgets everything under `from`, and `from` is gone. The executor carries
    /// only folders the new commit no longer holds, and none for an index-only plan.
    pub carry: Vec<(String, String)>,
    /// Bring only the index to the new commit and leave the work tree as it is: a
    /// record commits files that are already there, and undoing one un-tracks them.
    pub index_only: bool,
    /// The paths that must have no local change before the plan is carried out
    /// (checked once, by the runner, also for a dry run).
    pub clean: Clean,
}

/// The paths a plan declares must be as `HEAD` has them: what it writes would
/// otherwise overwrite or mix in uncommitted work. A plan that commits the work tree
/// as it stands (adopt, a record) declares none; a completion declares only the
/// files it writes besides the session it archives (SPEC §4.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clean {
    /// Repository paths; folders end in `/`.
    pub paths: Vec<String>,
}

impl Clean {
    /// The whole of `.workflow/`.
    pub fn workflow() -> Self {
        Self::paths([layout::WORKFLOW_PATHSPEC.to_string()])
    }

    /// Exactly these paths.
    pub fn paths(paths: impl IntoIterator<Item = String>) -> Self {
        Self {
            paths: paths.into_iter().collect(),
        }
    }

    /// Everything in `self` and in `other`, each path once.
    pub fn union(mut self, other: &Clean) -> Self {
        for path in &other.paths {
            if !self.paths.contains(path) {
                self.paths.push(path.clone());
            }
        }
        self
    }
}

/// Past this many items a commit body gives a count instead of one line per item.
pub const MAX_BODY_LINES: usize = 50;

impl Plan {
    /// The full commit message: subject, body, trailers.
    pub fn message(&self) -> String {
        let mut msg = format!("{}\n\n", self.subject);
        if self.body.len() > MAX_BODY_LINES {
            msg.push_str(&self.body_summary);
            msg.push('\n');
        } else {
            for line in &self.body {
                msg.push_str(line);
                msg.push('\n');
            }
        }
        msg.push_str(&format!("\nWorkflow-Operation: {}\n", self.operation));
        for (key, value) in &self.trailers {
            msg.push_str(&format!("{key}: {value}\n"));
        }
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_puts_trailers_last_and_counts_long_bodies() {
        let mut plan = Plan {
            operation: Kind::Migrate,
            subject: "workflow: migrate x".into(),
            body: vec!["a".into(), "b".into()],
            body_summary: "2 things".into(),
            trailers: vec![("Workflow-Migration".into(), "x".into())],
            ..Plan::default()
        };
        assert_eq!(
            plan.message(),
            "workflow: migrate x\n\na\nb\n\nWorkflow-Operation: migrate\nWorkflow-Migration: x\n"
        );
        plan.body = vec!["l".into(); MAX_BODY_LINES + 1];
        assert!(
            plan.message()
                .starts_with("workflow: migrate x\n\n2 things\n\nWorkflow-Operation")
        );
    }
}
