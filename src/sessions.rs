//! CCW sessions (SPEC §1.3, §4.2): start one, list them, and plan the completion of
//! one as a single commit that archives it, appends to the manifest and records the
//! feature in `project.json`. Sessions are read from the work tree: agents write
//! them without committing, and that is the state a person means.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::fs;

use crate::engine::{Action, Clean, Plan};
use crate::error;
use crate::formats::ccw;
use crate::history;
use crate::layout;
use crate::repo::{EntryKind, Repo, Snapshot, WorkFile};

/// What `session start` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    /// `WFS-<slug>`, with `-2`, `-3`, … on a clash.
    pub session_id: String,
    /// The session folder.
    pub path: String,
    /// Whether `project.json` was created too.
    pub created_project: bool,
}

/// Creates `.workflow/sessions/WFS-<slug>/workflow-session.json` (and `project.json`
/// when missing). Writes files; commits nothing.
pub fn start(repo: &Repo, description: &str, now: &str) -> Result<Started> {
    let slug = ccw::slug(description);
    if slug.is_empty() {
        return Err(error::usage(
            format!(
                "the description {description:?} has no letters or digits to name a session by"
            ),
            "describe the work in words, e.g. `git workflow session start \"add login page\"`",
        ));
    }
    let taken = session_names(repo)?;
    let session_id = (1..)
        .map(|n| match n {
            1 => layout::session_id(&slug),
            n => layout::session_id(&format!("{slug}-{n}")),
        })
        .find(|id| !taken.contains(&id.to_lowercase()))
        .unwrap_or_default();
    let folder = format!("{}/{session_id}", layout::SESSIONS_DIR);
    let full = repo.workdir().join(&folder);
    fs::create_dir_all(&full).with_context(|| format!("creating {folder}/"))?;
    fs::write(
        full.join(layout::SESSION_JSON),
        ccw::new_session(&session_id, description, now),
    )
    .with_context(|| format!("writing {folder}/{}", layout::SESSION_JSON))?;
    let project = repo.workdir().join(layout::PROJECT_JSON);
    let created_project = fs::symlink_metadata(&project).is_err();
    if created_project {
        let name = repo
            .workdir()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        fs::write(&project, ccw::new_project(&name, now))
            .with_context(|| format!("writing {}", layout::PROJECT_JSON))?;
    }
    Ok(Started {
        session_id,
        path: format!("{folder}/"),
        created_project,
    })
}

/// Every session name in use anywhere (sessions/, active/, archives/, the old
/// layout), lower-cased, so a new one clashes with none, not even by case.
fn session_names(repo: &Repo) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for dir in [
        layout::SESSIONS_DIR,
        layout::ACTIVE_DIR,
        layout::ARCHIVES_DIR,
        layout::LEGACY_ARCHIVES_DIR,
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
    /// `active`, `archived`, `old layout` or `archived, old layout`.
    pub state: &'static str,
    /// The folder it is in.
    pub path: String,
    /// `status` from its `workflow-session.json`.
    pub status: Option<String>,
    /// Tasks whose status is `completed`.
    pub tasks_done: usize,
    /// Task files in `.task/`.
    pub tasks_total: usize,
    /// The other folders holding the same id (compared without case): CCW would see
    /// one session twice, and completing either would lose track of the other.
    pub also_at: Vec<String>,
}

/// The folders sessions live in, with the state a session there is in.
const PLACES: &[(&str, &str)] = &[
    (layout::SESSIONS_DIR, "active"),
    (layout::ACTIVE_DIR, "active"),
    (layout::WORKFLOW_DIR, "old layout"),
    (layout::ARCHIVES_DIR, "archived"),
    (layout::LEGACY_ARCHIVES_DIR, "archived, old layout"),
];

/// Every session in the work tree: active ones in `sessions/` and `active/`, the old
/// layout's `.workflow/WFS-*` and `.archives/`, and archived ones, each with the
/// other places its id is found.
pub fn list(repo: &Repo) -> Result<Vec<Listed>> {
    let mut found = Vec::new();
    for (dir, state) in PLACES {
        for name in folder_names(repo, dir)
            .into_iter()
            .filter(|n| layout::is_session_id(n))
        {
            let path = format!("{dir}/{name}");
            let full = repo.workdir().join(&path);
            let status = fs::read(full.join(layout::SESSION_JSON))
                .ok()
                .and_then(|b| ccw::session_status(&b));
            let tasks = task_statuses(&full.join(layout::TASK_DIR));
            found.push(Listed {
                session_id: name,
                state,
                tasks_done: tasks
                    .iter()
                    .filter(|s| s.as_deref() == Some("completed"))
                    .count(),
                tasks_total: tasks.len(),
                status,
                path: format!("{path}/"),
                also_at: Vec::new(),
            });
        }
    }
    let mut places: HashMap<String, Vec<String>> = HashMap::new();
    for s in &found {
        places
            .entry(s.session_id.to_lowercase())
            .or_default()
            .push(s.path.clone());
    }
    for session in &mut found {
        let all = &places[&session.session_id.to_lowercase()];
        if all.len() > 1 {
            session.also_at = all
                .iter()
                .filter(|p| **p != session.path)
                .cloned()
                .collect();
        }
    }
    Ok(found)
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
                .and_then(|b| ccw::task_status(&b).ok().flatten())
        })
        .collect()
}

/// Everything completing a session decides, for the commit and the report.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The commit: archive moves and writes, manifest, project.json; with the record
    /// of the session as it stands before it, when the session holds uncommitted work.
    pub plan: Plan,
    /// The session.
    pub session_id: String,
    /// Where it goes.
    pub archive_path: String,
    /// The manifest entry (which holds the metrics and lessons).
    pub entry: Value,
    /// The feature added to `project.json`, when there is one.
    pub feature: Option<Value>,
}

/// Which session to complete: the one named, or the only active one (in
/// `sessions/` or `active/`). Refused when there is none, several, or its id is in
/// more than one place, whether or not the id was given.
pub fn choose(repo: &Repo, id: Option<&str>) -> Result<String> {
    let found = list(repo)?;
    let id = match id {
        Some(id) if layout::is_session_id(id) => id.to_string(),
        Some(id) => {
            return Err(error::usage(
                format!("'{id}' is not a session id (WFS-<slug>, one path component)"),
                "`git workflow session list` shows the sessions",
            ));
        }
        None => only_active(&found)?,
    };
    let places: Vec<&Listed> = found
        .iter()
        .filter(|s| s.session_id.eq_ignore_ascii_case(&id))
        .collect();
    match places.as_slice() {
        [one] if one.state == "active" => Ok(one.path.trim_end_matches('/').to_string()),
        [one] if one.state == "old layout" => Err(error::refused(
            format!("{id} is in the old layout ({})", one.path),
            "run `git workflow migrate` first, then complete it",
        )),
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
    let active: Vec<&Listed> = found.iter().filter(|s| s.state == "active").collect();
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
    let archived = places.iter().any(|s| s.state.starts_with("archived"));
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

/// Plans the completion of the session in `folder` (SPEC §4.2) on top of `HEAD`: the
/// folder is taken exactly as the index and the work tree hold it.
pub fn plan_complete(
    repo: &Repo,
    head: &Snapshot<'_>,
    head_hash: &str,
    folder: &str,
    lessons: Value,
    now: i64,
) -> Result<Completion> {
    let session_id = folder.rsplit('/').next().unwrap_or(folder).to_string();
    let archive = format!("{}/{session_id}", layout::ARCHIVES_DIR);
    let session_path = format!("{folder}/{}", layout::SESSION_JSON);
    let contents = repo.folder_contents(folder, std::slice::from_ref(&session_path))?;
    let files = &contents.files;
    let file = |name: &str| files.iter().find(|f| f.path == format!("{folder}/{name}"));
    let mut warnings = Vec::new();
    let session_json = file(layout::SESSION_JSON)
        .map(|f| ccw::utf8(&f.path, &f.bytes).map(str::to_string))
        .transpose()?;
    if session_json.is_none() {
        warnings.push(format!(
            "{session_path} is missing; the archive gets a minimal one"
        ));
    }
    let (session_text, facts) = ccw::complete_session(session_json.as_deref(), &session_id, now)
        .map_err(|e| ccw::malformed(&session_path, e))?;
    let plan_text = file(layout::IMPL_PLAN).map(|f| String::from_utf8_lossy(&f.bytes).into_owned());
    let impl_plan = ccw::read_plan(plan_text.as_deref(), &session_id);
    let metrics = metrics(folder, files, &facts, &session_path, &mut warnings);
    let now_text = ccw::timestamp_like(facts.started.as_deref(), now);
    let entry = json!({
        "session_id": session_id,
        "description": facts.description.clone().unwrap_or_else(|| impl_plan.title.clone()),
        "archived_at": now_text,
        "archive_path": archive,
        "metrics": metrics,
        "tags": impl_plan.tags,
        "lessons": lessons,
    });
    let mut plan = Plan {
        operation: history::COMPLETE.into(),
        subject: format!("workflow: complete {session_id}"),
        trailers: vec![
            (history::SESSION.into(), session_id.clone()),
            (history::SESSION_FOLDER.into(), folder.to_string()),
        ],
        record: record(repo, head, folder, &session_id, files)?.map(Box::new),
        carry: vec![(folder.to_string(), archive.clone())],
        clean: Clean {
            except: Some(folder.to_string()),
            ..Clean::workflow()
        },
        ..Plan::default()
    };
    plan.actions = archive_files(folder, &archive, files, &session_text, &mut warnings);
    let manifest = head.read(layout::MANIFEST)?;
    let manifest_text = manifest
        .as_deref()
        .map(|b| ccw::utf8(layout::MANIFEST, b))
        .transpose()?;
    let manifest = ccw::append_manifest(manifest_text, &entry)
        .map_err(|e| ccw::malformed(layout::MANIFEST, e))?;
    plan.actions.push(write(layout::MANIFEST, manifest));
    let feature = match head.read(layout::PROJECT_JSON)? {
        Some(bytes) => {
            let feature = feature(
                &session_id,
                &archive,
                &impl_plan,
                &facts,
                &now_text,
                head_hash,
            );
            let text = ccw::utf8(layout::PROJECT_JSON, &bytes)?;
            let updated = ccw::add_feature(text, &feature, &now_text)
                .map_err(|e| ccw::malformed(layout::PROJECT_JSON, e))?;
            plan.actions.push(write(layout::PROJECT_JSON, updated));
            Some(feature)
        }
        None => {
            warnings.push(missing_project(repo));
            None
        }
    };
    plan.body = vec![
        format!("Archive {folder}/ as {archive}/ ({} files).", files.len()),
        format!("Append its entry to {}.", layout::MANIFEST),
    ];
    if feature.is_some() {
        plan.body.push(format!(
            "Record feature \"{}\" in {}.",
            impl_plan.title,
            layout::PROJECT_JSON
        ));
    }
    plan.warnings = warnings;
    Ok(Completion {
        plan,
        session_id,
        archive_path: archive,
        entry,
        feature,
    })
}

/// The commit that records the session folder as it stands (every file git tracks
/// or `git add` would take, every deletion), or `None` when `HEAD` already holds it
/// so: completing then builds on history that has every byte, and rolling the
/// completion back gives every file back.
fn record(
    repo: &Repo,
    head: &Snapshot<'_>,
    folder: &str,
    session_id: &str,
    files: &[WorkFile],
) -> Result<Option<Plan>> {
    let mut actions = Vec::new();
    let mut present = BTreeSet::new();
    for file in files {
        present.insert(file.path.as_str());
        let id = repo.blob_id(&file.bytes)?;
        let kind = if file.executable {
            EntryKind::Executable
        } else {
            EntryKind::File
        };
        let same = head
            .stat(&file.path)
            .is_some_and(|e| e.kind == kind && e.id == id);
        if !same {
            actions.push(Action::Write {
                path: file.path.clone(),
                bytes: file.bytes.clone(),
                executable: file.executable,
            });
        }
    }
    for gone in head.files_under(folder)? {
        if !present.contains(gone.as_str()) {
            actions.push(Action::Delete { path: gone });
        }
    }
    if actions.is_empty() {
        return Ok(None);
    }
    Ok(Some(Plan {
        operation: history::RECORD.into(),
        subject: format!("workflow: record {session_id} as it stands"),
        body: vec![format!(
            "Commit the {} uncommitted change(s) of {folder}/ before it is archived, so that nothing of it exists only in the work tree.",
            actions.len()
        )],
        trailers: vec![(history::SESSION.into(), session_id.to_string())],
        actions,
        index_only: true,
        ..Plan::default()
    }))
}

/// Moves every committed file of the session into the archive (the same blob: git
/// sees renames); `workflow-session.json` is written completed, and CCW's
/// `.archiving` marker is dropped.
fn archive_files(
    folder: &str,
    archive: &str,
    files: &[WorkFile],
    session_text: &str,
    warnings: &mut Vec<String>,
) -> Vec<Action> {
    let marker = format!("{folder}/{}", layout::ARCHIVING_MARKER);
    let session_path = format!("{folder}/{}", layout::SESSION_JSON);
    let mut actions = vec![write(
        &format!("{archive}/{}", layout::SESSION_JSON),
        session_text.to_string(),
    )];
    for file in files {
        let target = format!("{archive}/{}", &file.path[folder.len() + 1..]);
        if file.path == marker {
            warnings.push(format!(
                "{marker} says an earlier archival was interrupted; this completion finishes it and drops the marker"
            ));
        } else if file.path != session_path {
            actions.push(Action::Move {
                from: file.path.clone(),
                to: target,
            });
            continue;
        }
        actions.push(Action::Delete {
            path: file.path.clone(),
        });
    }
    actions
}

/// Why no feature is recorded: there is no project file, or there is one the
/// commit cannot build on because git does not track it.
fn missing_project(repo: &Repo) -> String {
    let path = layout::PROJECT_JSON;
    if fs::symlink_metadata(repo.workdir().join(path)).is_ok() {
        return format!(
            "{path} is not committed (untracked or ignored: `git check-ignore -v {path}` says which), so the feature is not recorded; commit it (`git add -f {path}`) to have completions record features"
        );
    }
    format!(
        "{path} not found: the feature is not recorded (`git workflow session start` creates it)"
    )
}

fn write(path: &str, text: String) -> Action {
    Action::Write {
        path: path.to_string(),
        bytes: text.into_bytes(),
        executable: false,
    }
}

/// `task_count`, `success_rate`, `duration_hours` (SPEC §4.2, step 2). A task file
/// that does not parse is named in a warning and left out of the rate (never counted
/// as not done); a session without a readable start time gets no duration, and a
/// warning, rather than a silent 0.
fn metrics(
    folder: &str,
    files: &[WorkFile],
    facts: &ccw::SessionFacts,
    session_path: &str,
    warnings: &mut Vec<String>,
) -> Value {
    let task_prefix = format!("{folder}/{}/", layout::TASK_DIR);
    let task_files: Vec<&WorkFile> = files
        .iter()
        .filter(|f| {
            f.path.starts_with(&task_prefix)
                && f.path.ends_with(".json")
                && !f.path[task_prefix.len()..].contains('/')
        })
        .collect();
    let mut statuses = Vec::new();
    for task in &task_files {
        match ccw::task_status(&task.bytes) {
            Ok(status) => statuses.push(status),
            Err(e) => warnings.push(format!(
                "{} does not parse ({e}); it is counted as a task but left out of success_rate",
                task.path
            )),
        }
    }
    let done = statuses
        .iter()
        .filter(|s| s.as_deref() == Some("completed"))
        .count();
    let rate = if statuses.is_empty() {
        0.0
    } else {
        ccw::round1(done as f64 / statuses.len() as f64 * 100.0)
    };
    let duration = ccw::duration_hours(facts.started.as_deref(), &facts.completed);
    if duration.is_none() {
        let why = match &facts.started {
            Some(start) => format!("its start time {start:?} is not a timestamp"),
            None => "it has no created_at, started_at or timestamp".to_string(),
        };
        warnings.push(format!(
            "{session_path}: {why}, so duration_hours is left empty (null)"
        ));
    }
    json!({
        "task_count": task_files.len(),
        "success_rate": rate,
        "duration_hours": duration,
    })
}

/// The feature `project.json` records for a completed session: created and
/// updated now, implemented on the day the session was completed.
fn feature(
    session_id: &str,
    archive: &str,
    plan: &ccw::Plan,
    facts: &ccw::SessionFacts,
    now: &str,
    head: &str,
) -> Value {
    let implemented = ccw::parse_timestamp(&facts.completed)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| now.chars().take(10).collect());
    json!({
        "id": ccw::feature_id(&plan.title),
        "title": plan.title,
        "description": plan.description,
        "status": "completed",
        "tags": plan.tags,
        "timeline": {
            "created_at": now,
            "implemented_at": implemented,
            "updated_at": now,
        },
        "traceability": {"session_id": session_id, "archive_path": archive, "commit_hash": head},
        "docs": [],
        "relations": [],
    })
}
