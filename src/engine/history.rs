//! The operations history: every commit this tool made, read back from its
//! `Workflow-*` trailers (git's log is the database), with which ones are rolled back.

use anyhow::Result;
use std::collections::HashMap;

use crate::repo::{Oid, Repo};

/// The trailer every operation commit carries.
pub const OPERATION: &str = "Workflow-Operation";
/// The trailer a rollback carries: the full hash of the commit it reverts.
pub const REVERTS: &str = "Workflow-Reverts";
/// What an operation commit did, as its `Workflow-Operation` trailer names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Kind {
    /// A migration (SPEC §3), the graph migration included.
    #[default]
    Migrate,
    /// `.workflow/` committed as it was (`migrate --adopt`).
    Adopt,
    /// A session archived (SPEC §4.2).
    Complete,
    /// A session folder recorded as it stands before it is archived; undoing one
    /// un-tracks its files and leaves them in the work tree.
    Record,
    /// A rollback of another operation.
    Rollback,
    /// A name this version does not know (a later one wrote it).
    Other(String),
}

impl Kind {
    /// The trailer's value for this kind.
    pub fn name(&self) -> &str {
        match self {
            Kind::Migrate => "migrate",
            Kind::Adopt => "adopt",
            Kind::Complete => "complete",
            Kind::Record => "record",
            Kind::Rollback => "rollback",
            Kind::Other(name) => name,
        }
    }

    /// The kind a trailer's value names.
    pub fn from_name(name: &str) -> Self {
        match name {
            "migrate" => Kind::Migrate,
            "adopt" => Kind::Adopt,
            "complete" => Kind::Complete,
            "record" => Kind::Record,
            "rollback" => Kind::Rollback,
            other => Kind::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
/// The trailer naming the CCW session an operation archived or recorded.
pub const SESSION: &str = "Workflow-Session";
/// The trailer a completion carries: the folder the session was archived from, so
/// that a rollback can move the folder's uncommitted leftovers back.
pub const SESSION_FOLDER: &str = "Workflow-Session-Folder";

/// One operation commit.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its commit.
    pub id: Oid,
    /// How many parents it has (an operation commit has one).
    pub parents: usize,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The commit subject.
    pub subject: String,
    /// `migrate`, `adopt`, `complete`, `rollback`, …
    pub operation: Kind,
    /// All its trailers, in order.
    pub trailers: Vec<(String, String)>,
    /// For a rollback, the commit it reverts.
    pub reverts: Option<Oid>,
    /// The rollback that undid it and is itself still in effect.
    pub rolled_back_by: Option<Oid>,
}

impl Operation {
    /// Whether this operation is a rollback of another.
    pub fn is_rollback(&self) -> bool {
        self.operation == Kind::Rollback
    }
}

/// Every operation reachable from `HEAD`, newest first.
///
/// A rollback marks what it reverts as rolled back; a rollback of a rollback re-applies
/// the original, which is then no longer rolled back. Read oldest first, that is one
/// pass.
pub fn read(repo: &Repo) -> Result<Vec<Operation>> {
    let mut ops: Vec<Operation> = repo
        .commits_with_trailer(OPERATION)?
        .into_iter()
        .map(|c| {
            let value = |key: &str| {
                c.trailers
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
            };
            Operation {
                id: c.id,
                parents: c.parents.len(),
                time: c.time,
                operation: Kind::from_name(value(OPERATION).unwrap_or_default().trim()),
                reverts: value(REVERTS).and_then(|v| Oid::from_str(v.trim()).ok()),
                rolled_back_by: None,
                subject: c.subject,
                trailers: c.trailers,
            }
        })
        .collect();
    let reverts: HashMap<Oid, Option<Oid>> = ops.iter().map(|o| (o.id, o.reverts)).collect();
    let mut undone_by: HashMap<Oid, Oid> = HashMap::new();
    for op in ops.iter().rev() {
        let Some(target) = op.reverts.filter(|_| op.is_rollback()) else {
            continue;
        };
        undone_by.insert(target, op.id);
        if let Some(Some(original)) = reverts.get(&target) {
            undone_by.remove(original);
        }
    }
    for op in &mut ops {
        op.rolled_back_by = undone_by.get(&op.id).copied();
    }
    Ok(ops)
}
