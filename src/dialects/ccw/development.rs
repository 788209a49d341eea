//! `project-tech.json`'s `development_index` (SPEC §1.3), written as CCW's own
//! archive writes it (`updateDevelopmentIndex` in its session manager).

use anyhow::{Result, bail};
use serde_json::{Value, json};

use super::files::SessionFacts;
use crate::formats::json_edit::{JsonText, Kind};

/// `project-tech.json` with the session recorded as CCW's own archive records it
/// (`updateDevelopmentIndex` in its session manager): `entry` appended to
/// `development_index.<kind>`, the index created with its five lists when missing,
/// `statistics` untouched. A text edit.
pub fn add_development_entry(text: &str, entry: &Value, kind: &str) -> Result<String> {
    let mut doc = JsonText::parse(text)?;
    if !doc.opens_with('{') {
        bail!("it is not a JSON object");
    }
    match doc.find(&["development_index"]).map(|n| n.kind) {
        None => {
            let mut index =
                json!({"feature": [], "enhancement": [], "bugfix": [], "refactor": [], "docs": []});
            index[kind] = Value::Array(vec![entry.clone()]);
            doc.set(&["development_index"], &index)?;
        }
        Some(Kind::Object(_)) => match doc.find(&["development_index", kind]).map(|n| n.kind) {
            Some(Kind::Array(_)) => doc.push(&["development_index", kind], entry)?,
            None => doc.set(
                &["development_index", kind],
                &Value::Array(vec![entry.clone()]),
            )?,
            Some(_) => bail!("`development_index.{kind}` is not a list"),
        },
        Some(_) => bail!("`development_index` is not an object"),
    }
    Ok(doc.text().to_string())
}

/// The `development_index` list CCW files a session under: `docs` for a docs
/// session, else by words of its lower-cased description (JavaScript's `\b`).
pub fn development_kind(session_type: Option<&str>, description: &str) -> &'static str {
    let text = description.to_lowercase();
    if session_type == Some("docs") {
        "docs"
    } else if has_word(&text, &["fix", "bug", "resolve"]) {
        "bugfix"
    } else if has_word(&text, &["feature", "implement", "add", "create"]) {
        "feature"
    } else if has_word(&text, &["refactor", "restructure", "cleanup"]) {
        "refactor"
    } else {
        "enhancement"
    }
}

/// Whether one of `words` stands in `text` between word boundaries as JavaScript's
/// `\b` draws them (ASCII letters, digits and `_` are word characters).
fn has_word(text: &str, words: &[&str]) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    words.iter().any(|word| {
        text.match_indices(word).any(|(at, _)| {
            !is_word(text[..at].chars().next_back())
                && !is_word(text[at + word.len()..].chars().next())
        })
    })
}

/// The `development_index` entry CCW's archive writes, and the list it goes in.
pub fn development_entry(session_id: &str, facts: &SessionFacts) -> (&'static str, Value) {
    let kind = development_kind(
        facts.kind.as_deref(),
        facts.ccw_description.as_deref().unwrap_or(""),
    );
    let entry = json!({
        "title": facts.ccw_title.clone().unwrap_or_else(|| session_id.to_string()),
        "sessionId": session_id,
        "type": kind,
        "tags": facts.tags.clone().unwrap_or_else(|| json!([])),
        "archivedAt": facts.archived_at,
    });
    (kind, entry)
}
