//! The file syntax every dialect shares: JSON as JavaScript reads it, JSON edited as
//! text (keeping bytes, comments and key order), timestamps, and the syntax check of
//! any state file. Each dialect's own formats live in its room.

mod json;
pub mod json_edit;
pub mod yaml;

pub use json::read_json;

use anyhow::{Result, bail};

/// The YAML value type the formats use, for callers outside the crate (fuzz targets).
pub use serde_yaml::Value as YamlValue;
use serde_yaml::Value;

/// The largest state file we parse (SPEC §7): bigger ones are refused, not read.
pub const MAX_STATE_FILE: usize = 16 * 1024 * 1024;

/// Renders a moment as SPEC §2 writes timestamps: `YYYY-MM-DDTHH:MM:SS`, UTC.
pub fn timestamp(unix_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Parses one YAML document, refusing files over [`MAX_STATE_FILE`] and, before
/// anything is built, files past the bounds of [`yaml`] (nesting, alias expansion). A UTF-8
/// byte-order mark at the start is no content, as PyYAML (which the agents' own
/// tools use) reads it; serde's YAML took it for a second document.
///
/// The error says what is wrong without the path: callers put the path in front.
pub fn parse_yaml(bytes: &[u8]) -> Result<Value> {
    if bytes.len() > MAX_STATE_FILE {
        bail!(
            "it is {} bytes, over the {} MiB limit for state files",
            bytes.len(),
            MAX_STATE_FILE >> 20
        );
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        bail!("it is not UTF-8 text");
    };
    yaml::within_budget(text)?;
    Ok(serde_yaml::from_str(text)?)
}

/// Whether a state file parses, by its extension: JSON for `.json`, YAML otherwise.
/// The error says what is wrong and where, for the caller to put after the path.
pub fn check_syntax(path: &str, bytes: &[u8]) -> Result<()> {
    if path.ends_with(".json") {
        if bytes.len() > MAX_STATE_FILE {
            bail!(
                "it is over the {} MiB limit for state files",
                MAX_STATE_FILE >> 20
            );
        }
        read_json(bytes)?;
    } else {
        parse_yaml(bytes)?;
    }
    Ok(())
}

/// The text of a scalar as a person would read it in a log line; `None` for null.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
        other => serde_yaml::to_string(other)
            .ok()
            .map(|s| s.trim().replace('\n', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_a_second_document() {
        let value = parse_yaml(b"\xEF\xBB\xBFtask_id: t\nstatus: done\n").unwrap();
        assert_eq!(value["task_id"].as_str(), Some("t"));
        assert!(check_syntax("a.yml", b"\xEF\xBB\xBFa: 1\n").is_ok());
    }

    #[test]
    fn timestamps_are_utc_without_zone() {
        assert_eq!(timestamp(1_765_886_400), "2025-12-16T12:00:00");
    }

    #[test]
    fn oversized_files_are_not_parsed() {
        let big = vec![b'a'; MAX_STATE_FILE + 1];
        let err = parse_yaml(&big).unwrap_err().to_string();
        assert!(err.contains("16 MiB"), "{err}");
    }

    #[test]
    fn syntax_is_checked_by_extension() {
        assert!(check_syntax("a.json", b"{\"a\": 1}").is_ok());
        assert!(check_syntax("a.json", b"{a: 1}").is_err());
        assert!(check_syntax("a.yml", b"{a: 1}").is_ok());
        assert!(check_syntax("a.yaml", b"a: [").is_err());
    }
}
