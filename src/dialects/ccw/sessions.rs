//! CCW sessions (SPEC §1.3): start one, list them, and choose the one to complete
//! (`complete.rs` plans that). Sessions are read from the work tree: agents write
//! them without committing, and that is the state a person means.

use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fs;

use super::files;
use crate::dialects::ccw;
use crate::engine::verify;
use crate::error;
use crate::layout::{self, CcwLayout};
use crate::repo::Repo;

/// The folders `ccw session init` creates in a new WFS session.
const INIT_FOLDERS: [&str; 3] = [".task", ".summaries", ".process"];

/// What `session start` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    /// `WFS-<slug>`, with `-2`, `-3`, … on a clash.
    pub session_id: String,
    /// The session folder.
    pub path: String,
    /// The CCW layout it was started in.
    pub layout: CcwLayout,
    /// Why the id is not the description's slug, when it is a dated one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_by: Option<String>,
}

/// Creates `<target>/WFS-<slug>/workflow-session.json` and the `.task/`,
/// `.summaries/`, `.process/` folders, as `ccw session init` does; no project file
/// (CCW's `/workflow:init` makes that). The id is `chosen` when given, else made
/// from the description, else (a description with no ASCII letters or digits,
/// such as one written in Chinese) `WFS-session-<date>`. Writes files; commits
/// nothing.
pub fn start(
    repo: &Repo,
    description: &str,
    chosen: Option<&str>,
    now: i64,
    target: CcwLayout,
) -> Result<Started> {
    let taken = session_names(repo)?;
    let (session_id, named_by) = match chosen {
        Some(id) => (chosen_id(id, &taken)?, None),
        None => made_id(description, now, &taken),
    };
    let folder = format!("{}/{session_id}", target.dir());
    for sub in INIT_FOLDERS {
        verify::refuse_links_to(repo.workdir(), &format!("{folder}/{sub}"))?;
    }
    verify::refuse_links_to(repo.workdir(), &format!("{folder}/{}", ccw::SESSION_JSON))?;
    let full = repo.workdir().join(&folder);
    for sub in INIT_FOLDERS {
        fs::create_dir_all(full.join(sub)).with_context(|| format!("creating {folder}/{sub}/"))?;
    }
    fs::write(
        full.join(ccw::SESSION_JSON),
        files::new_session(&session_id, description, now),
    )
    .with_context(|| format!("writing {folder}/{}", ccw::SESSION_JSON))?;
    Ok(Started {
        session_id,
        path: format!("{folder}/"),
        layout: target,
        named_by,
    })
}

/// The id `--id` asks for, when it is a session id no session uses (compared
/// without case, as CCW's folders compare on Windows and macOS).
fn chosen_id(id: &str, taken: &BTreeSet<String>) -> Result<String> {
    if !ccw::is_session_id(id) || layout::verify_path(id).is_err() {
        return Err(error::usage(
            format!(
                "--id {}: a session id is WFS- and a name that is one path component git accepts (no '/', '\\' or control characters)",
                layout::quote(id)
            ),
            "choose one such as `--id WFS-login-page`",
        ));
    }
    if taken.contains(&id.to_lowercase()) {
        return Err(error::refused(
            format!("--id {id}: a session of that name exists already"),
            "`git workflow session list` shows the sessions; choose another id",
        ));
    }
    Ok(id.to_string())
}

/// The id made from the description's slug, or from the date when the slug is
/// empty, with `-2`, `-3`, … on a clash; and, for a dated id, the words saying so.
fn made_id(description: &str, now: i64, taken: &BTreeSet<String>) -> (String, Option<String>) {
    let slug = files::slug(description);
    let (base, named_by) = if slug.is_empty() {
        let date = files::iso_string(now).chars().take(10).collect::<String>();
        (format!("session-{date}"), true)
    } else {
        (slug, false)
    };
    let session_id = (1..)
        .map(|n| match n {
            1 => ccw::session_id(&base),
            n => ccw::session_id(&format!("{base}-{n}")),
        })
        .find(|id| !taken.contains(&id.to_lowercase()))
        .unwrap_or_default();
    let why = named_by.then(|| {
        format!(
            "the description has no ASCII letters or digits to make an id from, so the session is named {session_id} by today's date; choose a name with `--id WFS-<name>`"
        )
    });
    (session_id, why)
}

/// Every session name in use anywhere (sessions/, active/, archives/, the old
/// layout), lower-cased, so a new one clashes with none, not even by case.
fn session_names(repo: &Repo) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for dir in [
        ccw::SESSIONS_DIR,
        ccw::ACTIVE_DIR,
        ccw::ARCHIVES_DIR,
        ccw::LEGACY_ARCHIVES_DIR,
        layout::WORKFLOW_DIR,
    ] {
        for name in folder_names(repo, dir) {
            if name.starts_with("WFS-") {
                names.insert(name.to_lowercase());
            }
        }
    }
    Ok(names)
}

fn folder_names(repo: &Repo, dir: &str) -> Vec<String> {
    let Ok(entries) = fs::read_dir(repo.workdir().join(dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// One session as `session list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// `WFS-…`.
    pub session_id: String,
    /// Where it is in its life, by the folder it is in.
    pub state: State,
    /// The folder it is in.
    pub path: String,
    /// `status` from its `workflow-session.json`.
    pub status: Option<String>,
    /// Tasks whose status is `completed`.
    pub tasks_done: usize,
    /// Task files in `.task/`.
    pub tasks_total: usize,
    /// The layout its folder belongs to: `old`, `sessions`, `active`, `archives`,
    /// `old archives`.
    pub layout: &'static str,
    /// The other folders holding the same id (compared without case): CCW would see
    /// one session twice, and completing either would lose track of the other.
    pub also_at: Vec<String>,
}

/// Where a session is in its life, by the folder it is in; `--json` and `list`
/// print it in these words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum State {
    /// In `sessions/` or `active/`.
    #[serde(rename = "active")]
    Active,
    /// Directly in `.workflow/`, the old layout, with its `.active-` marker: active
    /// to CCW of that time.
    #[serde(rename = "active, old layout")]
    OldLayout,
    /// Directly in `.workflow/` with no `.active-` marker: inactive to CCW.
    #[serde(rename = "inactive, old layout")]
    OldLayoutInactive,
    /// In `archives/`.
    #[serde(rename = "archived")]
    Archived,
    /// In the old `.archives/`.
    #[serde(rename = "archived, old layout")]
    ArchivedOldLayout,
}

impl State {
    /// The words `session list` prints.
    pub fn words(self) -> &'static str {
        match self {
            State::Active => "active",
            State::OldLayout => "active, old layout",
            State::OldLayoutInactive => "inactive, old layout",
            State::Archived => "archived",
            State::ArchivedOldLayout => "archived, old layout",
        }
    }

    /// Whether the session was archived (in either layout).
    pub fn is_archived(self) -> bool {
        matches!(self, State::Archived | State::ArchivedOldLayout)
    }
}

/// The folders sessions live in, the layout's name, and the state a session there
/// is in.
const PLACES: &[(&str, &str, State)] = &[
    (ccw::ACTIVE_DIR, "active", State::Active),
    (ccw::SESSIONS_DIR, "sessions", State::Active),
    (layout::WORKFLOW_DIR, "old", State::OldLayout),
    (ccw::ARCHIVES_DIR, "archives", State::Archived),
    (
        ccw::LEGACY_ARCHIVES_DIR,
        "old archives",
        State::ArchivedOldLayout,
    ),
];

/// Every session in the work tree: active ones in `sessions/` and `active/`, the old
/// layout's `.workflow/WFS-*` and `.archives/`, and archived ones, each with the
/// other places its id is found.
pub fn list(repo: &Repo) -> Result<Vec<Listed>> {
    Ok(listed_where(repo, |_, _| true))
}

/// The sessions whose folder passes `wanted(id, state)`, read in full (status,
/// tasks), with the other places their id is found. Only the folder names of the
/// rest are read: with ten thousand archived sessions, choosing the one to
/// complete reads one session, not all of them.
fn listed_where(repo: &Repo, wanted: impl Fn(&str, State) -> bool) -> Vec<Listed> {
    let mut places: HashMap<String, Vec<String>> = HashMap::new();
    let mut found = Vec::new();
    for (dir, layout_name, state) in PLACES {
        for name in folder_names(repo, dir)
            .into_iter()
            .filter(|n| ccw::is_session_id(n))
        {
            let path = format!("{dir}/{name}/");
            places
                .entry(name.to_lowercase())
                .or_default()
                .push(path.clone());
            let state = state_of(repo, &name, *state);
            if wanted(&name, state) {
                found.push(read_listed(repo, name, layout_name, state, path));
            }
        }
    }
    for session in &mut found {
        session.also_at = places[&session.session_id.to_lowercase()]
            .iter()
            .filter(|p| **p != session.path)
            .cloned()
            .collect();
    }
    found
}

/// An old-layout session is active only with its `.active-` marker.
fn state_of(repo: &Repo, name: &str, state: State) -> State {
    let marker = format!(
        "{}/{}{name}",
        layout::WORKFLOW_DIR,
        ccw::ACTIVE_MARKER_PREFIX
    );
    match state {
        State::OldLayout if !repo.workdir().join(marker).exists() => State::OldLayoutInactive,
        other => other,
    }
}

/// One session with its status and task progress, read from its folder.
fn read_listed(
    repo: &Repo,
    name: String,
    layout: &'static str,
    state: State,
    path: String,
) -> Listed {
    let full = repo.workdir().join(&path);
    let status = fs::read(full.join(ccw::SESSION_JSON))
        .ok()
        .and_then(|b| files::session_status(&b));
    let tasks = task_statuses(&full.join(ccw::TASK_DIR));
    Listed {
        session_id: name,
        layout,
        state,
        tasks_done: tasks
            .iter()
            .filter(|s| s.as_deref() == Some("completed"))
            .count(),
        tasks_total: tasks.len(),
        status,
        path,
        also_at: Vec::new(),
    }
}

fn task_statuses(dir: &std::path::Path) -> Vec<Option<String>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .map(|e| {
            fs::read(e.path())
                .ok()
                .and_then(|b| files::task_status(&b).ok().flatten())
        })
        .collect()
}

/// Which session to complete: the one named, or the only active one (in
/// `sessions/` or `active/`). Refused when there is none, several, or its id is in
/// more than one place, whether or not the id was given.
pub fn choose(repo: &Repo, id: Option<&str>) -> Result<String> {
    let id = match id {
        Some(id) if ccw::is_session_id(id) => id.to_string(),
        Some(id) => {
            return Err(error::usage(
                format!("'{id}' is not a session id (WFS-<slug>, one path component)"),
                "`git workflow session list` shows the sessions",
            ));
        }
        None => only_active(&listed_where(repo, |_, state| state == State::Active))?,
    };
    let found = listed_where(repo, |name, _| name.eq_ignore_ascii_case(&id));
    let places: Vec<&Listed> = found.iter().collect();
    match places.as_slice() {
        [one] if one.state == State::Active => Ok(one.path.trim_end_matches('/').to_string()),
        [one] if matches!(one.state, State::OldLayout | State::OldLayoutInactive) => {
            Err(error::refused(
                format!("{id} is in the old layout ({})", one.path),
                "run `git workflow migrate` first, then complete it",
            ))
        }
        [one] => Err(error::refused(
            format!("{id} is already archived ({})", one.path),
            "`git workflow session list` shows the active sessions",
        )),
        [] => Err(error::refused(
            format!("there is no active session {id}"),
            "`git workflow session list` shows the sessions",
        )),
        many => Err(in_two_places(&id, many)),
    }
}

/// The only active session's id, or why there is not exactly one.
fn only_active(found: &[Listed]) -> Result<String> {
    let mut seen = BTreeSet::new();
    let active: Vec<&Listed> = found
        .iter()
        .filter(|s| s.state == State::Active)
        .filter(|s| seen.insert(s.session_id.to_lowercase()))
        .collect();
    match active.as_slice() {
        [one] => Ok(one.session_id.clone()),
        [] => Err(error::refused(
            "there is no active session in .workflow/sessions/ or .workflow/active/",
            "start one with `git workflow session start <description>`; `git workflow session list` shows the rest",
        )),
        many => Err(error::refused(
            format!(
                "{} sessions are active: {}",
                many.len(),
                many.iter()
                    .map(|s| s.session_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "name the one to complete: `git workflow session complete <WFS-id>`",
        )),
    }
}

/// The refusal for an id found in several folders, naming each.
fn in_two_places(id: &str, places: &[&Listed]) -> anyhow::Error {
    let paths: Vec<&str> = places.iter().map(|s| s.path.as_str()).collect();
    let archived = places.iter().any(|s| s.state.is_archived());
    let why = if archived {
        "an earlier archival stopped half-way, or the id was used again"
    } else {
        "CCW would see one session twice"
    };
    error::refused(
        format!(
            "{id} is in {} places: {} ({why})",
            paths.len(),
            paths.join(" and ")
        ),
        "compare the folders, keep one (move or delete the others, or give one a new id), commit, then run this again",
    )
}
