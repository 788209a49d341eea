//! What a migration is made of, shared by every dialect's migrations and the
//! registry (`migrations/`): its name and planner, and what planning it found.

use anyhow::Result;

use super::history::Kind;
use super::{Clean, Plan, Tree};

/// A migration as the registry lists it.
pub struct Migration {
    /// The name `--only` takes and the `Workflow-Migration` trailer carries.
    pub name: &'static str,
    /// One line for `status` and `--help`.
    pub about: &'static str,
    /// The planner.
    pub plan: fn(&dyn Tree, &Settings) -> Result<Outcome>,
}

/// What a planner may depend on besides the tree: the time, and where the
/// repository wants CCW's sessions.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Now, as SPEC §2 writes timestamps.
    pub now: String,
    /// The CCW target layout (`workflow.ccw.layout`).
    pub ccw: crate::layout::CcwLayout,
}

/// What a planner found: the items it would migrate, the ones it cannot, the plan.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Items looked at (migrated plus failed).
    pub processed: usize,
    /// Items the plan migrates.
    pub items: Vec<Item>,
    /// Items that cannot be migrated as they are; any of these refuses the migration.
    pub failures: Vec<Failure>,
    /// The plan for the items; empty actions when there is nothing to do.
    pub plan: Plan,
}

/// One thing a migration moves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    /// A short name: `v001/task_design`.
    pub name: String,
    /// Where it was.
    pub from: String,
    /// Where it goes.
    pub to: String,
}

/// One thing a migration cannot move, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// The path at fault.
    pub path: String,
    /// What is wrong and what to do about it.
    pub reason: String,
}

impl Outcome {
    /// An empty outcome for a migration: its plan carries the migrate trailers.
    pub fn for_migration(name: &str) -> Self {
        Self {
            plan: Plan {
                operation: Kind::Migrate,
                trailers: vec![("Workflow-Migration".into(), name.into())],
                clean: Clean::workflow(),
                ..Plan::default()
            },
            ..Self::default()
        }
    }

    /// Nothing to migrate and nothing in the way.
    pub fn is_nothing_to_do(&self) -> bool {
        self.items.is_empty() && self.failures.is_empty()
    }
}
