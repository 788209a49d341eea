//! The Claude-Code-Workflow files (SPEC §1.3): `workflow-session.json`, task JSON,
//! `IMPL_PLAN.md`, `archives/manifest.json` and `project.json`. Edits go through
//! [`JsonText`], so key order, unknown fields and formatting survive.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::formats::json_edit::{JsonText, Kind};
use crate::formats::read_json;

/// The longest slug a session or feature id keeps.
const SLUG_MAX: usize = 50;

/// CCW's slug: every run of characters outside `[A-Za-z0-9]` becomes one `-`, trimmed
/// of `-`, lower-cased, cut to 50 characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-')
        .to_lowercase()
        .chars()
        .take(SLUG_MAX)
        .collect()
}

/// A feature id: the title lower-cased, runs of other characters turned into `-`,
/// cut to 50 (CCW's `toLowerCase().replace(/[^a-z0-9]+/g, '-').substring(0, 50)`).
pub fn feature_id(title: &str) -> String {
    let mut out = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.chars().take(SLUG_MAX).collect()
}

/// Writes `now` the way an existing timestamp of the file is written: its zone
/// (`Z`, or an offset such as `+08:00`, kept as the same offset) and its fraction
/// of a second (CCW's `toISOString()` gives `…:00.000Z`). With none to follow, or
/// a date alone, in CCW 7's own style (SPEC §1.3: a time without a zone is local
/// time to CCW's JavaScript).
pub fn timestamp_like(example: Option<&str>, now: i64) -> String {
    let moment = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default();
    let Some(example) = example else {
        return iso_string(now);
    };
    let digits = fraction_digits(example);
    if let Ok(zoned) = DateTime::parse_from_rfc3339(example) {
        let utc = example.ends_with(['Z', 'z']);
        return moment
            .with_timezone(zoned.offset())
            .to_rfc3339_opts(digits, utc);
    }
    if let Ok(zoned) = DateTime::parse_from_str(example, "%Y-%m-%dT%H:%M:%S%.f%z") {
        let stamp = moment.with_timezone(zoned.offset());
        let seconds = stamp.to_rfc3339_opts(digits, false);
        return format!("{}{}", &seconds[..seconds.len() - 6], stamp.format("%z"));
    }
    if example.len() >= 19 {
        return crate::formats::timestamp(now);
    }
    iso_string(now)
}

/// How many digits of a second an ISO timestamp writes after its seconds, as
/// chrono names the styles (an unusual count is written as milliseconds).
fn fraction_digits(example: &str) -> SecondsFormat {
    let digits = example
        .get(19..)
        .and_then(|rest| rest.strip_prefix('.'))
        .map_or(0, |f| f.bytes().take_while(u8::is_ascii_digit).count());
    match digits {
        0 => SecondsFormat::Secs,
        6 => SecondsFormat::Micros,
        9 => SecondsFormat::Nanos,
        _ => SecondsFormat::Millis,
    }
}

/// `now` as JavaScript's `new Date().toISOString()` writes it, CCW 7's style.
pub fn iso_string(now: i64) -> String {
    DateTime::<Utc>::from_timestamp(now, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads a timestamp in the forms CCW and this tool write; `None` when it is not one.
/// A date alone (`2025-10-09`, common in real session files) is 00:00:00 UTC that day.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|n| n.and_utc())
}

/// The text with every `"archive_path"` value that points into the old
/// `.workflow/.archives/` pointed at `.workflow/archives/` instead (SPEC §3); `None`
/// when there is none. A text edit: nothing else in the file changes.
pub fn rewrite_archive_paths(text: &str) -> Option<String> {
    const KEY: &str = "\"archive_path\"";
    const OLD: &str = ".workflow/.archives/";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find(KEY) {
        let (before, after) = rest.split_at(at + KEY.len());
        out.push_str(before);
        let value = after.trim_start().strip_prefix(':').map(str::trim_start);
        match value
            .and_then(|v| v.strip_prefix('"'))
            .filter(|v| v.starts_with(OLD))
        {
            Some(path) => {
                let gap = after.len() - path.len();
                out.push_str(&after[..gap]);
                out.push_str(".workflow/archives/");
                rest = &path[OLD.len()..];
                changed = true;
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// A new session's `workflow-session.json`, as `ccw session init` writes it: its
/// fields in CCW's order, `JSON.stringify(x, null, 2)` with no final newline.
pub fn new_session(id: &str, description: &str, now: i64) -> String {
    serde_json::to_string_pretty(&json!({
        "session_id": id,
        "type": "workflow",
        "status": "planning",
        "created_at": iso_string(now),
        "description": description,
    }))
    .unwrap_or_default()
}

fn pretty(value: &Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// What completing reads from a session's `workflow-session.json`.
#[derive(Debug, Clone, Default)]
pub struct SessionFacts {
    /// `project`, else `description`, else `topic`.
    pub description: Option<String>,
    /// The first of `created_at`, `started_at`, `timestamp`.
    pub started: Option<String>,
    /// `completed_at` once set.
    pub completed: String,
    /// `archived_at` as set now.
    pub archived_at: String,
    /// What CCW's archive titles the session by: `description`, else `project`.
    pub ccw_title: Option<String>,
    /// `description` alone, which CCW's archive reads the kind of work from.
    pub ccw_description: Option<String>,
    /// `type` (CCW 7: `workflow`, `docs`, …).
    pub kind: Option<String>,
    /// `tags`, as the session holds them.
    pub tags: Option<Value>,
}

/// The `workflow-session.json` of an inactive old-layout session that had none:
/// in the target layout every session counts as active unless its file says
/// otherwise, and `paused` is CCW's word for work that is not going on.
pub fn paused_session(id: &str) -> String {
    pretty(&json!({"session_id": id, "status": "paused"}))
}

/// `workflow-session.json` marked completed: `status`, `completed_at` (an existing one
/// kept), `archived_at`; every other byte kept. A missing file gets a minimal one.
pub fn complete_session(text: Option<&str>, id: &str, now: i64) -> Result<(String, SessionFacts)> {
    let Some(text) = text else {
        let stamp = iso_string(now);
        let doc = json!({"session_id": id, "status": "completed", "completed_at": stamp, "archived_at": stamp});
        return Ok((
            pretty(&doc),
            SessionFacts {
                completed: stamp.clone(),
                archived_at: stamp,
                ..SessionFacts::default()
            },
        ));
    };
    let mut doc = JsonText::parse(text)?;
    let value = doc.value()?;
    let Some(fields) = value.as_object() else {
        bail!("it is not a JSON object");
    };
    let text_of = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_string);
    let started = ["created_at", "started_at", "timestamp"]
        .iter()
        .find_map(|k| text_of(k));
    let stamp = timestamp_like(started.as_deref(), now);
    let completed = text_of("completed_at").unwrap_or_else(|| stamp.clone());
    doc.set(&["status"], &json!("completed"))?;
    doc.set(&["completed_at"], &json!(completed))?;
    doc.set(&["archived_at"], &json!(stamp))?;
    let facts = SessionFacts {
        description: ["project", "description", "topic"]
            .iter()
            .find_map(|k| text_of(k)),
        ccw_title: ["description", "project"].iter().find_map(|k| text_of(k)),
        ccw_description: text_of("description"),
        kind: text_of("type"),
        tags: fields.get("tags").cloned(),
        archived_at: stamp.clone(),
        started,
        completed,
    };
    Ok((doc.text().to_string(), facts))
}

/// The `status` of a task JSON (`.task/IMPL-1.json`): `Ok(None)` when it has none,
/// an error saying why when the file does not parse (the caller names the file: a
/// task that cannot be read is never silently counted as not done).
pub fn task_status(bytes: &[u8]) -> Result<Option<String>> {
    let value = read_json(bytes)?;
    Ok(value
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_string))
}

/// The session's status from `workflow-session.json`, if it has one.
pub fn session_status(bytes: &[u8]) -> Option<String> {
    task_status(bytes).ok().flatten()
}

/// What `IMPL_PLAN.md` says about the feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The first `# ` heading, else the session id without `WFS-`.
    pub title: String,
    /// The first paragraph after that heading, at most 200 characters.
    pub description: String,
    /// Up to five keyword tags.
    pub tags: Vec<String>,
}

/// The first paragraph that is not a heading, its lines joined with spaces.
fn first_paragraph<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut paragraph: Vec<&str> = Vec::new();
    for line in lines.map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        paragraph.push(line);
    }
    paragraph.join(" ")
}

/// Reads title, description and tags from `IMPL_PLAN.md` (CCW's extraction rules).
pub fn read_plan(text: Option<&str>, session_id: &str) -> Plan {
    let text = text.unwrap_or("");
    let mut lines = text.lines();
    let title = lines
        .by_ref()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_string());
    let description = match title {
        Some(_) => first_paragraph(lines)
            .chars()
            .take(200)
            .collect::<String>()
            .trim()
            .to_string(),
        None => String::new(),
    };
    Plan {
        title: title.unwrap_or_else(|| session_id.trim_start_matches("WFS-").to_string()),
        description,
        tags: tags(text),
    }
}

/// CCW's keyword table, in its order; at most five tags.
fn tags(text: &str) -> Vec<String> {
    const KEYWORDS: &[(&str, &[&str])] = &[
        ("auth", &["authentication", "login", "oauth", "jwt"]),
        ("security", &["security", "encrypt", "hash", "token"]),
        ("api", &["api", "endpoint", "rest", "graphql"]),
        ("ui", &["component", "page", "interface", "frontend"]),
        ("database", &["database", "schema", "migration", "sql"]),
        ("test", &["test", "testing", "spec", "coverage"]),
    ];
    let lower = text.to_lowercase();
    KEYWORDS
        .iter()
        .filter(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map(|(tag, _)| tag.to_string())
        .take(5)
        .collect()
}

/// `successes`, `challenges`, `watch_patterns` from a `--lessons` file (YAML or JSON;
/// JSON is YAML), each a list of strings; missing lists are empty.
pub fn read_lessons(bytes: &[u8]) -> Result<Value> {
    let parsed = crate::formats::parse_yaml(bytes)?;
    let mut lessons = Map::new();
    for key in ["successes", "challenges", "watch_patterns"] {
        let items: Vec<Value> = match parsed.get(key) {
            Some(serde_yaml::Value::Sequence(items)) => items
                .iter()
                .filter_map(crate::formats::scalar_text)
                .map(Value::String)
                .collect(),
            None | Some(serde_yaml::Value::Null) => Vec::new(),
            Some(_) => bail!("`{key}` must be a list of strings"),
        };
        lessons.insert(key.into(), Value::Array(items));
    }
    Ok(Value::Object(lessons))
}

/// Why a manifest that parses cannot take an entry: none of the three shapes real
/// repositories have.
#[derive(Debug)]
pub struct UnknownShape;

impl std::fmt::Display for UnknownShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("it is an unknown manifest shape: neither an array, nor {\"archives\": [...]}, nor {\"sessions\": [...]}")
    }
}

impl std::error::Error for UnknownShape {}

/// `archives/manifest.json`, parsed once for both things a completion does with it:
/// read its last entry and append one, in whichever of the three shapes real files
/// have (a top-level array, `{"archives": [...]}`, `{"sessions": [...]}`).
pub struct Manifest {
    doc: JsonText,
    list: &'static [&'static str],
}

impl Manifest {
    /// Parses a manifest; any shape but the three is an [`UnknownShape`] error.
    pub fn parse(text: &str) -> Result<Self> {
        let doc = JsonText::parse(text)?;
        let list = manifest_list(&doc).ok_or(UnknownShape)?;
        Ok(Self { doc, list })
    }

    /// The last entry, whose schema a new entry follows; only that entry is decoded.
    pub fn last_entry(&self) -> Option<Value> {
        let Kind::Array(items) = self.doc.find(self.list)?.kind else {
            return None;
        };
        read_json(&self.doc.text().as_bytes()[items.last?]).ok()
    }

    /// The manifest's text with `entry` appended to its list.
    pub fn appended(mut self, entry: &Value) -> Result<String> {
        self.doc.push(self.list, entry)?;
        Ok(self.doc.text().to_string())
    }
}

/// A new manifest holding `entry`: an array, as CCW starts one.
pub fn new_manifest(entry: &Value) -> String {
    pretty(&Value::Array(vec![entry.clone()]))
}

/// Where a manifest keeps its entries: the document itself, or its `archives` or
/// `sessions` list; `None` for any other shape.
fn manifest_list(doc: &JsonText) -> Option<&'static [&'static str]> {
    if doc.opens_with('[') {
        return Some(&[]);
    }
    let is_list = |key| matches!(doc.find(&[key]).map(|n| n.kind), Some(Kind::Array(_)));
    [&["archives"], &["sessions"]]
        .into_iter()
        .find(|[key]| is_list(key))
        .map(|path| path as &[&str])
}

/// `project.json` with the feature appended and `statistics` brought up to date:
/// `total_features` counted, `total_sessions` one more, `last_updated` now.
pub fn add_feature(text: &str, feature: &Value, now: &str) -> Result<String> {
    let mut doc = JsonText::parse(text)?;
    if !doc.opens_with('{') {
        bail!("it is not a JSON object");
    }
    let features = match doc.find(&["features"]).map(|n| n.kind) {
        Some(Kind::Array(items)) => {
            doc.push(&["features"], feature)?;
            items.count + 1
        }
        None => {
            doc.set(&["features"], &Value::Array(vec![feature.clone()]))?;
            1
        }
        Some(_) => bail!("`features` is not an array"),
    };
    let sessions = doc
        .value_at(&["statistics", "total_sessions"])?
        .as_ref()
        .and_then(Value::as_u64)
        .unwrap_or(0);
    match doc.find(&["statistics"]).map(|n| n.kind) {
        Some(Kind::Object(_)) => {
            doc.set(&["statistics", "total_features"], &json!(features))?;
            doc.set(&["statistics", "total_sessions"], &json!(sessions + 1))?;
            doc.set(&["statistics", "last_updated"], &json!(now))?;
        }
        _ => doc.set(
            &["statistics"],
            &json!({"total_features": features, "total_sessions": sessions + 1, "last_updated": now}),
        )?,
    }
    Ok(doc.text().to_string())
}

/// Hours between two timestamps, one decimal; `None` when either cannot be read
/// (the caller warns: a duration is never silently 0).
pub fn duration_hours(start: Option<&str>, end: &str) -> Option<f64> {
    let (start, end) = (parse_timestamp(start?)?, parse_timestamp(end)?);
    Some(round1((end - start).num_seconds() as f64 / 3600.0))
}

/// Rounds to one decimal, as CCW reports rates and durations.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Rounds to two decimals, for a rate written as a fraction (`0.67`).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Describes a JSON file that does not parse, naming it and the line; or, for one
/// that parses but has an unknown shape, saying so.
pub fn malformed(path: &str, err: anyhow::Error) -> anyhow::Error {
    if err.downcast_ref::<UnknownShape>().is_some() {
        return crate::error::refused(
            format!("{path} parses, but {err}; nothing was changed"),
            format!(
                "put its entries in one of those shapes (CCW writes a top-level array), commit {path}, then run this again"
            ),
        );
    }
    crate::error::refused(
        format!("{path} does not parse: {err}; nothing was changed"),
        format!("fix {path} (the line above says where), commit it, then run this again"),
    )
}

/// Reads a required JSON document's text, naming the path when it is not UTF-8.
pub fn utf8<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_timestamps_take_the_zone_and_fraction_of_the_files_own() {
        let now = 1_765_886_400;
        let like = |example| timestamp_like(Some(example), now);
        assert_eq!(
            like("2026-01-02T11:04:05+08:00"),
            "2025-12-16T20:00:00+08:00"
        );
        assert_eq!(like("2026-01-02T11:04:05+0800"), "2025-12-16T20:00:00+0800");
        assert_eq!(
            like("2026-01-02T11:04:05.123-05:00"),
            "2025-12-16T07:00:00.000-05:00"
        );
        assert_eq!(like("2026-01-02T03:04:05.000Z"), "2025-12-16T12:00:00.000Z");
        assert_eq!(
            like("2026-01-02T03:04:05.123456Z"),
            "2025-12-16T12:00:00.000000Z"
        );
        assert_eq!(like("2026-01-02T03:04:05Z"), "2025-12-16T12:00:00Z");
        assert_eq!(like("2026-01-02T03:04:05"), "2025-12-16T12:00:00");
        assert_eq!(like("2026-01-02"), "2025-12-16T12:00:00.000Z");
    }

    #[test]
    fn archive_paths_into_the_old_folder_are_rewritten_as_text() {
        let text = "[\n  {\n    \"session_id\": \"WFS-a\",\n    \"archive_path\" :  \".workflow/.archives/WFS-a\"\n  },\n  {\"archive_path\": \".workflow/archives/WFS-b\"}\n]";
        let out = rewrite_archive_paths(text).unwrap();
        assert_eq!(
            out,
            text.replace(".workflow/.archives/WFS-a", ".workflow/archives/WFS-a")
        );
        assert_eq!(rewrite_archive_paths(&out), None);
    }

    #[test]
    fn the_description_is_the_first_paragraph_that_is_not_a_heading() {
        let plan = read_plan(
            Some("# 登录\n\n## 概述\n\n实现 OAuth\n登录。\n\nMore."),
            "WFS-x",
        );
        assert_eq!(plan.title, "登录");
        assert_eq!(plan.description, "实现 OAuth 登录。");
    }

    #[test]
    fn slugs_follow_the_ccw_rule() {
        assert_eq!(
            slug("  Add OAuth2 login (Google) & tests!! "),
            "add-oauth2-login-google-tests"
        );
        assert_eq!(slug("x".repeat(80).as_str()).len(), 50);
        assert_eq!(slug("!!!"), "");
        assert_eq!(feature_id("User Auth: JWT"), "user-auth-jwt");
    }

    #[test]
    fn plans_give_title_first_paragraph_and_tags() {
        let plan = read_plan(
            Some(
                "intro\n# Login with OAuth\n\nAdd an OAuth login page\nwith JWT tokens.\n\n## Tasks\n- write tests\n",
            ),
            "WFS-login",
        );
        assert_eq!(plan.title, "Login with OAuth");
        assert_eq!(plan.description, "Add an OAuth login page with JWT tokens.");
        assert_eq!(plan.tags, vec!["auth", "security", "ui", "test"]);
        assert_eq!(read_plan(None, "WFS-x").title, "x");
    }

    #[test]
    fn completing_keeps_an_existing_completed_at_and_the_time_style() {
        let text = "{\n  \"session_id\": \"WFS-a\",\n  \"status\": \"active\",\n  \"created_at\": \"2025-11-20T10:00:00.000Z\",\n  \"custom\": [1, 2]\n}\n";
        let (out, facts) = complete_session(Some(text), "WFS-a", 1_763_640_000).unwrap();
        assert!(out.contains("\"status\": \"completed\""));
        assert!(
            out.contains("\"archived_at\": \"2025-11-20T12:00:00.000Z\""),
            "{out}"
        );
        assert!(out.contains("\"custom\": [1, 2]"));
        assert_eq!(facts.started.as_deref(), Some("2025-11-20T10:00:00.000Z"));
        assert_eq!(
            duration_hours(facts.started.as_deref(), &facts.completed),
            Some(2.0)
        );
        assert_eq!(
            duration_hours(Some("2025-10-09"), "2025-10-10T06:00:00Z"),
            Some(30.0)
        );
        assert_eq!(duration_hours(None, "2025-10-10T06:00:00Z"), None);
    }

    #[test]
    fn manifests_keep_their_shape() {
        let entry = json!({"session_id": "WFS-b"});
        let append = |text: &str| Manifest::parse(text).and_then(|m| m.appended(&entry));
        let array = append("[\n  {\"session_id\": \"WFS-a\"}\n]\n").unwrap();
        assert!(serde_json::from_str::<Value>(&array).unwrap().is_array());
        let wrapped = append("{\"archives\": []}").unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&wrapped).unwrap()["archives"][0]["session_id"],
            "WFS-b"
        );
        let sessions = append("{\"sessions\": []}").unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&sessions).unwrap()["sessions"][0]["session_id"],
            "WFS-b"
        );
        let unknown = append("{\"other\": 1}").unwrap_err();
        assert!(unknown.to_string().contains("unknown manifest shape"));
        assert!(new_manifest(&entry).starts_with("[\n"));
    }

    #[test]
    fn only_the_last_manifest_entry_is_read_and_a_repeated_key_is_its_last() {
        let text = "{\"archives\": 1, \"archives\": [{\"a\": \"}]{\\\"\"}, {\"b\": [2]}]}";
        let manifest = Manifest::parse(text).unwrap();
        assert_eq!(manifest.last_entry(), Some(json!({"b": [2]})));
        assert!(Manifest::parse("{\"archives\": [], \"archives\": 1}").is_err());
    }

    #[test]
    fn json_is_read_as_javascript_reads_it() {
        let lone = "{\"title\": \"cut \\ud83d\", \"status\": \"completed\"}";
        assert_eq!(
            task_status(lone.as_bytes()).unwrap().as_deref(),
            Some("completed")
        );
        let pair = read_json("\"\\ud83d\\ude00 \\\\u0041\"".as_bytes()).unwrap();
        assert_eq!(pair, json!("\u{1F600} \\u0041"));
        let bom = b"\xEF\xBB\xBF{\"status\": \"done\"}";
        assert_eq!(task_status(bom).unwrap().as_deref(), Some("done"));
        assert!(task_status(b"{\"status\": ").is_err());
    }

    #[test]
    fn lessons_are_lists_of_strings() {
        let lessons =
            read_lessons(b"successes: [fast]\nwatch_patterns:\n  - flaky tests\n").unwrap();
        assert_eq!(
            lessons,
            json!({"successes": ["fast"], "challenges": [], "watch_patterns": ["flaky tests"]})
        );
        assert!(read_lessons(b"successes: yes\n").is_err());
    }
}
