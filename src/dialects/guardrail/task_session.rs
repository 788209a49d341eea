//! A task-session document (SPEC §1.1): the flat `<task_id>.yml` of the old layout and
//! `session.yml` of the new one. Read only: the migration moves its bytes unchanged.

use crate::formats::{parse_yaml, scalar_text};
use anyhow::{Result, bail};
use serde_yaml::{Mapping, Value};

/// A parsed task session; every field optional, unknown fields ignored here and kept in
/// the file because the file itself is never rewritten.
#[derive(Debug, Clone, Default)]
pub struct TaskSession {
    fields: Mapping,
}

/// One entry of a session's `operations` list, whichever spelling its fields used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Operation {
    /// When it happened, as written.
    pub timestamp: Option<String>,
    /// `CREATE`, `UPDATE`, …: upper-cased.
    pub operation: Option<String>,
    /// `file`, `entity`, …
    pub target_type: Option<String>,
    /// What it acted on.
    pub target_id: Option<String>,
    /// The file it touched, when known.
    pub path: Option<String>,
    /// A one-line summary, when given.
    pub summary: Option<String>,
}

impl TaskSession {
    /// Parses a session document; it must be a mapping (an empty file reads as empty).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        match parse_yaml(bytes)? {
            Value::Mapping(fields) => Ok(Self { fields }),
            Value::Null => Ok(Self::default()),
            _ => bail!("a task session must be a YAML mapping"),
        }
    }

    /// A top-level field as text, if present and not null.
    pub fn text(&self, key: &str) -> Option<String> {
        self.fields.get(key).and_then(scalar_text)
    }

    /// A top-level field as it is, if present.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    /// The `operations` list, each entry normalised; entries that are not mappings
    /// are skipped.
    pub fn operations(&self) -> Vec<Operation> {
        match self.fields.get("operations") {
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(Value::as_mapping)
                .map(Operation::from_mapping)
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Operation {
    /// Reads the field spellings SPEC §1.1 lists, first spelling present wins.
    fn from_mapping(map: &Mapping) -> Self {
        let first = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| map.get(*k).and_then(scalar_text))
                .map(|s| s.replace(['\n', '\r'], " "))
        };
        Self {
            timestamp: first(&["timestamp", "performed_at", "at"]),
            operation: first(&["type", "operation", "action"]).map(|s| s.to_uppercase()),
            target_type: first(&["target_type"]),
            target_id: first(&["target_id", "target", "name"]),
            path: first(&["target_path", "path", "file"]),
            summary: first(&["summary", "changes_summary", "description"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_read_under_every_spelling() {
        let doc = b"operations:\n- type: create\n  target_type: file\n  target_id: a.ts\n  target_path: app/a.ts\n  summary: made a\n  timestamp: '2025-12-16T11:00:00'\n- action: update\n  target: User\n  file: t.ts\n  changes_summary: email\n  performed_at: x\n- operation: Delete\n  name: n\n  path: p\n  description: d\n  at: y\n- just a string\n";
        let ops = TaskSession::parse(doc).unwrap().operations();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0].operation.as_deref(), Some("CREATE"));
        assert_eq!(ops[0].path.as_deref(), Some("app/a.ts"));
        assert_eq!(ops[1].operation.as_deref(), Some("UPDATE"));
        assert_eq!(ops[1].target_id.as_deref(), Some("User"));
        assert_eq!(ops[1].summary.as_deref(), Some("email"));
        assert_eq!(ops[2].operation.as_deref(), Some("DELETE"));
        assert_eq!(ops[2].timestamp.as_deref(), Some("y"));
        assert_eq!(ops[2].path.as_deref(), Some("p"));
    }

    #[test]
    fn a_list_is_not_a_session() {
        assert!(TaskSession::parse(b"- a\n").is_err());
        assert!(TaskSession::parse(b"a: [").is_err());
        assert!(TaskSession::parse(b"").unwrap().operations().is_empty());
    }
}
