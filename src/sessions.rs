//! CCW sessions (SPEC §1.3, §4.2): start one, list them, and plan the completion of
//! one as a single commit that archives it, appends to the manifest and records the
//! feature in `project.json`. Sessions are read from the work tree: agents write
//! them without committing, and that is the state a person means.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;

use crate::error;
use crate::formats::ccw;
use crate::layout;
use crate::plan::{Action, Plan};
use crate::repo::{Repo, Snapshot, WorkFile};

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
    /// `active`, `archived`, or `old layout`.
    pub state: &'static str,
    /// The folder it is in.
    pub path: String,
    /// `status` from its `workflow-session.json`.
    pub status: Option<String>,
    /// Tasks whose status is `completed`.
    pub tasks_done: usize,
    /// Task files in `.task/`.
    pub tasks_total: usize,
}

/// Every session in the work tree: active ones in `sessions/` and `active/`, the old
/// layout's `.workflow/WFS-*`, and archived ones.
pub fn list(repo: &Repo) -> Result<Vec<Listed>> {
    let mut found = Vec::new();
    for (dir, state) in [
        (layout::SESSIONS_DIR, "active"),
        (layout::ACTIVE_DIR, "active"),
        (layout::WORKFLOW_DIR, "old layout"),
        (layout::ARCHIVES_DIR, "archived"),
    ] {
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
            });
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
        .map(|e| fs::read(e.path()).ok().and_then(|b| ccw::task_status(&b)))
        .collect()
}

/// Everything completing a session decides, for the commit and the report.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The commit: archive moves and writes, manifest, project.json.
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

/// Which session to complete: the one named (in `sessions/` or `active/`), or the only
/// active one. Refused when there is none, several, or it is in two places.
pub fn choose(repo: &Repo, id: Option<&str>) -> Result<String> {
    let active: Vec<Listed> = list(repo)?.into_iter().collect();
    let Some(id) = id else {
        let candidates: Vec<&Listed> = active.iter().filter(|s| s.state == "active").collect();
        return match candidates.as_slice() {
            [one] => Ok(one.path.trim_end_matches('/').to_string()),
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
        };
    };
    if !layout::is_session_id(id) {
        return Err(error::usage(
            format!("'{id}' is not a session id (WFS-<slug>, one path component)"),
            "`git workflow session list` shows the sessions",
        ));
    }
    let places: Vec<&Listed> = active.iter().filter(|s| s.session_id == id).collect();
    let archived: Vec<&&Listed> = places.iter().filter(|s| s.state == "archived").collect();
    let live: Vec<&&Listed> = places.iter().filter(|s| s.state == "active").collect();
    match (live.as_slice(), archived.as_slice()) {
        ([one], []) => Ok(one.path.trim_end_matches('/').to_string()),
        ([one], [arch]) => Err(error::refused(
            format!(
                "{id} is both at {} and at {}: an earlier archival stopped half-way",
                one.path, arch.path
            ),
            "compare the two folders, keep one (move or delete the other), commit, then run this again",
        )),
        ([], _) if places.iter().any(|s| s.state == "old layout") => Err(error::refused(
            format!("{id} is in the old layout (.workflow/{id}/)"),
            "run `git workflow migrate` first, then complete it",
        )),
        ([], [_]) => Err(error::refused(
            format!("{id} is already archived"),
            "`git workflow session list` shows the active sessions",
        )),
        _ => Err(error::refused(
            format!("there is no active session {id}"),
            "`git workflow session list` shows the sessions",
        )),
    }
}

/// Plans the completion of the session in `folder` (SPEC §4.2) on top of `HEAD`.
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
    let files = repo.work_tree_files(folder, false)?;
    let file = |name: &str| files.iter().find(|f| f.path == format!("{folder}/{name}"));
    let session_json = file(layout::SESSION_JSON)
        .map(|f| ccw::utf8(&f.path, &f.bytes).map(str::to_string))
        .transpose()?;
    let (session_text, facts) = ccw::complete_session(session_json.as_deref(), &session_id, now)
        .map_err(|e| ccw::malformed(&format!("{folder}/{}", layout::SESSION_JSON), e))?;
    let plan_text = file(layout::IMPL_PLAN).map(|f| String::from_utf8_lossy(&f.bytes).into_owned());
    let impl_plan = ccw::read_plan(plan_text.as_deref(), &session_id);
    let metrics = metrics(folder, &files, &facts);
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
        operation: "complete".into(),
        subject: format!("workflow: complete {session_id}"),
        trailers: vec![("Workflow-Session".into(), session_id.clone())],
        ..Plan::default()
    };
    archive_files(
        repo,
        head,
        folder,
        &archive,
        &files,
        &session_text,
        &mut plan,
    )?;
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
            plan.warnings.push(format!(
                "{} not found: the feature is not recorded (`git workflow session start` creates it)",
                layout::PROJECT_JSON
            ));
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
    Ok(Completion {
        plan,
        session_id,
        archive_path: archive,
        entry,
        feature,
    })
}

/// Moves every file of the session into the archive: a file `HEAD` has unchanged is
/// moved (same blob), anything else is written from the work tree, and what `HEAD`
/// had that the work tree no longer has goes. CCW's `.archiving` marker is dropped.
fn archive_files(
    repo: &Repo,
    head: &Snapshot<'_>,
    folder: &str,
    archive: &str,
    files: &[WorkFile],
    session_text: &str,
    plan: &mut Plan,
) -> Result<()> {
    let marker = format!("{folder}/{}", layout::ARCHIVING_MARKER);
    let session_path = format!("{folder}/{}", layout::SESSION_JSON);
    let mut seen = BTreeSet::new();
    for file in files {
        seen.insert(file.path.clone());
        let rel = &file.path[folder.len() + 1..];
        let target = format!("{archive}/{rel}");
        let committed = head.stat(&file.path);
        let id = repo.blob_id(&file.bytes)?;
        if file.path == marker {
            plan.warnings.push(format!(
                "{marker} says an earlier archival was interrupted; this completion finishes it and drops the marker"
            ));
        } else if file.path == session_path {
            plan.actions.push(write(&target, session_text.to_string()));
        } else if committed.as_ref().is_some_and(|e| e.id == id) {
            plan.actions.push(Action::Move {
                from: file.path.clone(),
                to: target,
            });
            continue;
        } else {
            plan.actions.push(Action::Write {
                path: target,
                bytes: file.bytes.clone(),
                executable: file.executable,
            });
        }
        match committed {
            Some(_) => plan.actions.push(Action::Delete {
                path: file.path.clone(),
            }),
            None => plan.consumed.push((id, file.path.clone())),
        }
    }
    if !seen.contains(&session_path) {
        plan.actions.push(write(
            &format!("{archive}/{}", layout::SESSION_JSON),
            session_text.to_string(),
        ));
    }
    for gone in head.files_under(folder)? {
        if !seen.contains(&gone) {
            plan.actions.push(Action::Delete { path: gone });
        }
    }
    Ok(())
}

fn write(path: &str, text: String) -> Action {
    Action::Write {
        path: path.to_string(),
        bytes: text.into_bytes(),
        executable: false,
    }
}

/// `task_count`, `success_rate`, `duration_hours` (SPEC §4.2, step 2).
fn metrics(folder: &str, files: &[WorkFile], facts: &ccw::SessionFacts) -> Value {
    let task_prefix = format!("{folder}/{}/", layout::TASK_DIR);
    let tasks: Vec<Option<String>> = files
        .iter()
        .filter(|f| {
            f.path.starts_with(&task_prefix)
                && f.path.ends_with(".json")
                && !f.path[task_prefix.len()..].contains('/')
        })
        .map(|f| ccw::task_status(&f.bytes))
        .collect();
    let done = tasks
        .iter()
        .filter(|s| s.as_deref() == Some("completed"))
        .count();
    let rate = if tasks.is_empty() {
        0.0
    } else {
        ccw::round1(done as f64 / tasks.len() as f64 * 100.0)
    };
    json!({
        "task_count": tasks.len(),
        "success_rate": rate,
        "duration_hours": ccw::duration_hours(facts.started.as_deref(), &facts.completed),
    })
}

/// The feature `project.json` records for a completed session.
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
            "created_at": facts.started.clone().unwrap_or_else(|| now.to_string()),
            "implemented_at": implemented,
            "updated_at": now,
        },
        "traceability": {"session_id": session_id, "archive_path": archive, "commit_hash": head},
        "docs": [],
        "relations": [],
    })
}
