//! `task.yml`: the snapshot of a task definition taken when its session ran (SPEC §3).
//!
//! When the definition is a block mapping the metadata is appended as text, so the
//! author's comments and formatting survive; the result is re-read to prove the append
//! means what it should, and anything else is re-serialised.

use crate::formats::parse_yaml;
use anyhow::{Result, bail};
use serde_yaml::{Mapping, Value};

/// The four fields a snapshot adds to the definition, in the order they are written.
#[derive(Debug, Clone)]
pub struct SnapshotMeta {
    /// When the snapshot was taken.
    pub snapshotted_at: String,
    /// `tasks/<id>.yml` relative to the version folder, or `None` when it was missing.
    pub source_path: Option<String>,
    /// The definition's status, else the session's, else null.
    pub status_at_snapshot: Value,
    /// Why this snapshot exists, when a migration made it.
    pub migration_note: Option<String>,
}

impl SnapshotMeta {
    fn fields(&self) -> Vec<(&'static str, Value)> {
        let mut fields = vec![
            ("snapshotted_at", Value::String(self.snapshotted_at.clone())),
            (
                "source_path",
                self.source_path.clone().map_or(Value::Null, Value::String),
            ),
            ("status_at_snapshot", self.status_at_snapshot.clone()),
        ];
        if let Some(note) = &self.migration_note {
            fields.push(("migration_note", Value::String(note.clone())));
        }
        fields
    }
}

/// The definition's bytes followed by the metadata, as text when that is faithful.
pub fn from_definition(definition: &[u8], meta: &SnapshotMeta) -> Result<Vec<u8>> {
    let original = match parse_yaml(definition)? {
        Value::Mapping(map) => map,
        Value::Null => Mapping::new(),
        _ => bail!("a task definition must be a YAML mapping"),
    };
    let expected = with_meta(original, meta);
    if let Some(appended) = appended_as_text(definition, meta)
        && parse_yaml(&appended).ok().as_ref() == Some(&expected)
    {
        return Ok(appended);
    }
    written_back(&expected)
}

/// `value` serialised, refused when the text would not read back as `value` (the
/// YAML writer spells some tags, such as `![`, in a way its own reader refuses):
/// a snapshot is never written that does not parse.
fn written_back(value: &Value) -> Result<Vec<u8>> {
    let written = serde_yaml::to_string(value)?.into_bytes();
    if parse_yaml(&written).ok().as_ref() != Some(value) {
        bail!(
            "it cannot be written back as YAML that reads the same (it holds a tag or key the YAML writer cannot spell); write that part plainly"
        );
    }
    Ok(written)
}

/// A snapshot built from the session alone, for a task whose definition is missing.
pub fn minimal(task: Mapping, meta: &SnapshotMeta) -> Result<Vec<u8>> {
    written_back(&with_meta(task, meta))
}

/// The mapping a snapshot must read back as: the definition with the metadata set.
fn with_meta(mut map: Mapping, meta: &SnapshotMeta) -> Value {
    for (key, value) in meta.fields() {
        map.insert(Value::String(key.into()), value);
    }
    Value::Mapping(map)
}

/// The text append: one `key: value` line per field, in the file's own line ending,
/// before a closing `...` marker when the document has one (after it, the lines
/// would be a second document). `None` when the text is not UTF-8 (then
/// re-serialising is the honest choice).
fn appended_as_text(definition: &[u8], meta: &SnapshotMeta) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(definition).ok()?;
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let (body, tail) = text.split_at(document_end(text).unwrap_or(text.len()));
    let mut out = body.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(eol);
    }
    for (key, value) in meta.fields() {
        out.push_str(&format!("{key}: {}{eol}", scalar(&value)?));
    }
    out.push_str(tail);
    Some(out.into_bytes())
}

/// Where the document's `...` end marker line starts, when one ends it (only
/// comments and blank lines may follow).
fn document_end(text: &str) -> Option<usize> {
    let mut offset = text.len();
    for line in text.split_inclusive('\n').rev() {
        offset -= line.len();
        let content = line.trim_end();
        if content == "..." || content.starts_with("... #") {
            return Some(offset);
        }
        if !(content.is_empty() || content.trim_start().starts_with('#')) {
            return None;
        }
    }
    None
}

/// One scalar in the seed's style: strings single-quoted, everything else as YAML.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(format!("'{}'", s.replace('\'', "''"))),
        Value::Null => Some("null".into()),
        Value::Bool(_) | Value::Number(_) => serde_yaml::to_string(value)
            .ok()
            .map(|s| s.trim().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> SnapshotMeta {
        SnapshotMeta {
            snapshotted_at: "2025-12-16T12:00:00".into(),
            source_path: Some("tasks/task_design.yml".into()),
            status_at_snapshot: Value::String("completed".into()),
            migration_note: Some("Created during migration from flat file structure".into()),
        }
    }

    #[test]
    fn a_definition_the_writer_cannot_spell_is_refused_not_written_broken() {
        let meta = SnapshotMeta {
            snapshotted_at: "2025-01-01T00:00:00".into(),
            source_path: Some("tasks/t.yml".into()),
            status_at_snapshot: Value::Null,
            migration_note: None,
        };
        let err = from_definition(b" \n ? !%5b", &meta).unwrap_err();
        assert!(err.to_string().contains("cannot be written back"), "{err}");
    }

    #[test]
    fn block_mappings_keep_their_comments() {
        let def = b"# the design task\nid: task_design\nstatus: completed # done\n";
        let out = String::from_utf8(from_definition(def, &meta()).unwrap()).unwrap();
        assert_eq!(
            out,
            "# the design task\nid: task_design\nstatus: completed # done\nsnapshotted_at: '2025-12-16T12:00:00'\nsource_path: 'tasks/task_design.yml'\nstatus_at_snapshot: 'completed'\nmigration_note: 'Created during migration from flat file structure'\n"
        );
    }

    #[test]
    fn a_missing_final_newline_and_crlf_are_respected() {
        let out = from_definition(b"id: a\r\nstatus: x", &meta()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("id: a\r\nstatus: x\r\nsnapshotted_at: "),
            "{text}"
        );
    }

    #[test]
    fn flow_mappings_and_existing_keys_are_reserialised() {
        for def in [
            &b"{id: a, status: done}"[..],
            b"id: a\nsnapshotted_at: old\n",
            b"  id: a\n  b: 1\n",
        ] {
            let out = from_definition(def, &meta()).unwrap();
            let value = parse_yaml(&out).unwrap();
            assert_eq!(value["id"], Value::String("a".into()));
            assert_eq!(
                value["snapshotted_at"],
                Value::String("2025-12-16T12:00:00".into())
            );
        }
    }

    #[test]
    fn document_markers_keep_their_comments() {
        let def = b"--- # task\nid: t # keep me\n...\n# after the end\n";
        let out = String::from_utf8(from_definition(def, &meta()).unwrap()).unwrap();
        assert!(
            out.starts_with("--- # task\nid: t # keep me\nsnapshotted_at: "),
            "{out}"
        );
        assert!(
            out.ends_with("flat file structure'\n...\n# after the end\n"),
            "{out}"
        );
        let crlf = b"---\r\nid: t # keep me\r\n... # end\r\n";
        let out = String::from_utf8(from_definition(crlf, &meta()).unwrap()).unwrap();
        assert!(out.contains("# keep me\r\nsnapshotted_at: "), "{out}");
        assert!(out.ends_with("structure'\r\n... # end\r\n"), "{out}");
    }

    #[test]
    fn a_definition_that_is_not_a_mapping_is_refused() {
        assert!(from_definition(b"- a\n", &meta()).is_err());
        assert!(from_definition(b"id: [", &meta()).is_err());
    }
}
