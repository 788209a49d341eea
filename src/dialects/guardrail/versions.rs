//! Versions and task sessions of the guardrail dialect (SPEC §1.1, §4.1), as agents use
//! them while they work: create a version, start a task session (always as a folder),
//! show one from either layout, log operations. These write files in the work tree and
//! commit nothing; two agents at once neither collide nor lose a log line.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_yaml::{Mapping, Value};
use std::fs;
use std::io::Write;
use std::path::Path;

use crate::dialects::guardrail;
use crate::dialects::guardrail::operations_log::{self, Origin};
use crate::dialects::guardrail::task_session::{Operation, TaskSession};
use crate::dialects::guardrail::task_snapshot::{self, SnapshotMeta};
use crate::engine::verify;
use crate::error;
use crate::formats::{self, parse_yaml};
use crate::layout;
use crate::repo::Repo;

/// The task types SPEC §1.1 names.
pub const TASK_TYPES: &[&str] = &["create", "update", "delete", "refactor", "test"];
/// The agents SPEC §1.1 names.
pub const AGENTS: &[&str] = &["frontend", "backend", "reviewer", "architect"];

/// What `version create` made.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedVersion {
    /// `vNNN`.
    pub version: String,
    /// Its folder.
    pub path: String,
    /// Its record's `session_id`.
    pub session_id: String,
}

/// Creates the next `versions/vNNN/` with its record, `tasks/`, `task_sessions/`, and
/// its entry in `index.yml`.
pub fn create_version(
    repo: &Repo,
    feature: &str,
    parent: Option<&str>,
    now: i64,
) -> Result<CreatedVersion> {
    let _lock = state_lock(repo)?;
    refuse_foreign_versions(repo)?;
    let versions = versions(repo);
    if let Some(parent) = parent.filter(|p| !versions.iter().any(|v| v == p)) {
        return Err(error::refused(
            format!(
                "--parent {parent}: there is no {}/{parent}/",
                guardrail::VERSIONS_DIR
            ),
            "name an existing version (`git workflow status` lists them)",
        ));
    }
    let next = versions
        .iter()
        .filter_map(|v| v.strip_prefix('v')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let version = format!("v{next:03}");
    let dir = format!("{}/{version}", guardrail::VERSIONS_DIR);
    let full = repo.workdir().join(&dir);
    let stamp = formats::timestamp(now);
    let session_id = format!("workflow_{}", compact(now));
    for path in [
        format!("{dir}/tasks"),
        format!("{dir}/task_sessions"),
        format!("{dir}/{}", guardrail::SESSION_FILE),
        guardrail::INDEX_YML.to_string(),
    ] {
        verify::refuse_links_to(repo.workdir(), &path)?;
    }
    fs::create_dir_all(full.join("tasks")).with_context(|| format!("creating {dir}/tasks/"))?;
    fs::create_dir_all(full.join("task_sessions"))
        .with_context(|| format!("creating {dir}/task_sessions/"))?;
    let record = mapping(&[
        ("version", Value::String(version.clone())),
        ("feature", Value::String(feature.into())),
        ("session_id", Value::String(session_id.clone())),
        (
            "parent_version",
            parent.map_or(Value::Null, |p| Value::String(p.into())),
        ),
        ("status", Value::String("pending".into())),
        ("started_at", Value::String(stamp.clone())),
        ("task_sessions", Value::Sequence(Vec::new())),
    ]);
    write_yaml(repo, &format!("{dir}/{}", guardrail::SESSION_FILE), &record)?;
    add_to_index(repo, &version, feature, &stamp)?;
    Ok(CreatedVersion {
        version,
        path: format!("{dir}/"),
        session_id,
    })
}

/// `.workflow/index.yml` with the version appended and `latest` set (created when
/// missing): `versions: [{version, feature, status, created_at}]`, `latest: vNNN`.
fn add_to_index(repo: &Repo, version: &str, feature: &str, stamp: &str) -> Result<()> {
    verify::refuse_links_to(repo.workdir(), guardrail::INDEX_YML)?;
    let path = repo.workdir().join(guardrail::INDEX_YML);
    let mut index = match fs::read(&path) {
        Ok(bytes) => match parse_yaml(&bytes).map_err(|e| malformed(guardrail::INDEX_YML, e))? {
            Value::Mapping(map) => map,
            Value::Null => Mapping::new(),
            _ => {
                return Err(malformed(
                    guardrail::INDEX_YML,
                    anyhow::anyhow!("it is not a mapping"),
                ));
            }
        },
        Err(_) => Mapping::new(),
    };
    let entry = mapping(&[
        ("version", Value::String(version.into())),
        ("feature", Value::String(feature.into())),
        ("status", Value::String("pending".into())),
        ("created_at", Value::String(stamp.into())),
    ]);
    match index.get_mut("versions") {
        Some(Value::Sequence(list)) => list.push(entry),
        _ => {
            index.insert("versions".into(), Value::Sequence(vec![entry]));
        }
    }
    index.insert("latest".into(), Value::String(version.into()));
    write_yaml(repo, guardrail::INDEX_YML, &Value::Mapping(index))
}

/// What `task start` made.
#[derive(Debug, Clone, Serialize)]
pub struct StartedTask {
    /// The task session's id.
    pub session_id: String,
    /// Its version.
    pub version: String,
    /// Its folder.
    pub path: String,
    /// Whether `tasks/<id>.yml` was found for the snapshot.
    pub definition_found: bool,
}

/// Creates `task_sessions/<task_id>/` with `session.yml`, `task.yml` and
/// `operations.log`. The folder appears whole (written aside, then renamed in).
pub fn start_task(
    repo: &Repo,
    task_id: &str,
    version: Option<&str>,
    task_type: &str,
    agent: &str,
    now: i64,
) -> Result<StartedTask> {
    let _lock = state_lock(repo)?;
    let version = resolve_version(repo, version)?;
    let dir = guardrail::task_sessions_dir(&version);
    refuse_bad_task_id(repo, &dir, task_id)?;
    let stamp = formats::timestamp(now);
    let session_id = format!("tasksession_{task_id}_{}", compact(now));
    let session = mapping(&[
        ("session_id", Value::String(session_id.clone())),
        ("workflow_version", Value::String(version.clone())),
        ("task_id", Value::String(task_id.into())),
        ("task_type", Value::String(task_type.into())),
        ("agent", Value::String(agent.into())),
        ("started_at", Value::String(stamp.clone())),
        ("status", Value::String("in_progress".into())),
        ("operations", Value::Sequence(Vec::new())),
    ]);
    let (task_yml, definition_found) = snapshot(repo, &version, task_id, &session, &stamp)?;
    verify::refuse_links_to(repo.workdir(), &format!("{dir}/{task_id}"))?;
    let full = repo.workdir().join(&dir);
    fs::create_dir_all(&full).with_context(|| format!("creating {dir}/"))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{task_id}.git-workflow-"))
        .tempdir_in(&full)
        .with_context(|| format!("creating a folder for {task_id} in {dir}/"))?
        .keep();
    let written = (|| -> Result<()> {
        let text = serde_yaml::to_string(&session)?;
        fs::write(staging.join(guardrail::SESSION_FILE), text)?;
        fs::write(staging.join(guardrail::TASK_FILE), task_yml)?;
        fs::write(
            staging.join(guardrail::OPERATIONS_LOG),
            operations_log::header(task_id, Origin::Created, &stamp),
        )?;
        fs::rename(&staging, full.join(task_id))?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e).with_context(|| format!("writing {dir}/{task_id}/"));
    }
    record_in_version(repo, &version, &session_id)?;
    Ok(StartedTask {
        session_id,
        version,
        path: format!("{dir}/{task_id}/"),
        definition_found,
    })
}

/// Refuses an id that would leave its folder, or whose session exists already in
/// either layout, or differs from one only by case.
fn refuse_bad_task_id(repo: &Repo, dir: &str, task_id: &str) -> Result<()> {
    layout::check_id(task_id).map_err(|why| {
        error::refused(
            format!("task id {task_id:?}: {why}"),
            "use a plain name such as task_api (letters, digits, _ and -)",
        )
    })?;
    let full = repo.workdir().join(dir);
    let lower = task_id.to_lowercase();
    for entry in fs::read_dir(&full)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = if entry.path().is_dir() {
            Some(name.as_str())
        } else {
            guardrail::flat_session_id(&name)
        };
        let Some(id) = id else { continue };
        if id == task_id || id.to_lowercase() == lower {
            return Err(error::refused(
                format!("{dir}/{name} already holds a task session for {id}"),
                "pick another task id, or log to the existing one with `git workflow task log`",
            ));
        }
    }
    Ok(())
}

/// `task.yml`: the definition from `tasks/<id>.yml` with the snapshot fields, or a
/// minimal one built from the session when there is no definition.
fn snapshot(
    repo: &Repo,
    version: &str,
    task_id: &str,
    session: &Value,
    stamp: &str,
) -> Result<(Vec<u8>, bool)> {
    let tasks = guardrail::tasks_dir(version);
    for name in guardrail::task_definition_names(task_id) {
        let path = format!("{tasks}/{name}");
        let Ok(bytes) = fs::read(repo.workdir().join(&path)) else {
            continue;
        };
        let status = match parse_yaml(&bytes) {
            Ok(Value::Mapping(map)) => map.get("status").cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let meta = SnapshotMeta {
            snapshotted_at: stamp.into(),
            source_path: Some(format!("tasks/{name}")),
            status_at_snapshot: status,
            migration_note: None,
        };
        let out = task_snapshot::from_definition(&bytes, &meta).map_err(|e| malformed(&path, e))?;
        return Ok((out, true));
    }
    let field = |k: &str| session.get(k).cloned().unwrap_or(Value::Null);
    let task = mapping(&[
        ("id", Value::String(task_id.into())),
        ("type", field("task_type")),
        ("agent", field("agent")),
        ("status", field("status")),
    ]);
    let Value::Mapping(task) = task else {
        unreachable!("mapping() builds a mapping")
    };
    let meta = SnapshotMeta {
        snapshotted_at: stamp.into(),
        source_path: None,
        status_at_snapshot: field("status"),
        migration_note: None,
    };
    Ok((task_snapshot::minimal(task, &meta)?, false))
}

/// Adds the task session's id to its version record's `task_sessions`, when the
/// record exists and is a mapping.
fn record_in_version(repo: &Repo, version: &str, session_id: &str) -> Result<()> {
    let file = format!(
        "{}/{version}/{}",
        guardrail::VERSIONS_DIR,
        guardrail::SESSION_FILE
    );
    verify::refuse_links_to(repo.workdir(), &file)?;
    let Ok(bytes) = fs::read(repo.workdir().join(&file)) else {
        return Ok(());
    };
    let Ok(Value::Mapping(mut record)) = parse_yaml(&bytes) else {
        return Ok(());
    };
    match record.get_mut("task_sessions") {
        Some(Value::Sequence(ids)) => ids.push(Value::String(session_id.into())),
        _ => {
            record.insert(
                "task_sessions".into(),
                Value::Sequence(vec![Value::String(session_id.into())]),
            );
        }
    }
    write_yaml(repo, &file, &Value::Mapping(record))
}

/// What `task show` read.
#[derive(Debug, Clone, Serialize)]
pub struct ShownTask {
    /// `folder` or `flat`.
    pub layout: &'static str,
    /// The file the session came from.
    pub path: String,
    /// The session document as it is in the file.
    #[serde(skip)]
    pub text: String,
    /// The session, parsed.
    pub session: serde_json::Value,
    /// The snapshot (`task.yml`), folder layout only.
    pub task: Option<serde_json::Value>,
    /// The task's operations log, parsed (folder), or the session's `operations`.
    pub operations: Vec<serde_json::Value>,
}

/// Loads a task session from its folder, else from the flat file (SPEC §4.1).
pub fn show_task(repo: &Repo, task_id: &str, version: Option<&str>) -> Result<ShownTask> {
    checked_id(task_id)?;
    let version = resolve_version(repo, version)?;
    let dir = guardrail::task_sessions_dir(&version);
    let folder = format!("{dir}/{task_id}");
    let read = |path: &str| fs::read(repo.workdir().join(path)).ok();
    if let Some(bytes) = read(&format!("{folder}/{}", guardrail::SESSION_FILE)) {
        let path = format!("{folder}/{}", guardrail::SESSION_FILE);
        let task = read(&format!("{folder}/{}", guardrail::TASK_FILE))
            .and_then(|b| parse_yaml(&b).ok())
            .and_then(|v| serde_json::to_value(v).ok());
        let log = read(&format!("{folder}/{}", guardrail::OPERATIONS_LOG)).unwrap_or_default();
        let operations = operations_log::parse(&String::from_utf8_lossy(&log));
        return shown("folder", path, bytes, task, operations);
    }
    for name in guardrail::task_definition_names(task_id) {
        let path = format!("{dir}/{name}");
        if let Some(bytes) = read(&path) {
            let session = TaskSession::parse(&bytes).map_err(|e| malformed(&path, e))?;
            return shown("flat", path, bytes, None, session.operations());
        }
    }
    Err(error::refused(
        format!("no task session {task_id} in {dir}/ (neither {task_id}/ nor {task_id}.yml)"),
        format!(
            "start it with `git workflow task start {task_id} --version {version} --type … --agent …`"
        ),
    ))
}

fn shown(
    layout: &'static str,
    path: String,
    bytes: Vec<u8>,
    task: Option<serde_json::Value>,
    operations: Vec<Operation>,
) -> Result<ShownTask> {
    let session = parse_yaml(&bytes).map_err(|e| malformed(&path, e))?;
    Ok(ShownTask {
        layout,
        session: serde_json::to_value(session)?,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        path,
        task,
        operations: operations.iter().map(operation_json).collect(),
    })
}

fn operation_json(op: &Operation) -> serde_json::Value {
    serde_json::json!({
        "timestamp": op.timestamp, "operation": op.operation, "target_type": op.target_type,
        "target_id": op.target_id, "path": op.path, "summary": op.summary,
    })
}

/// Where `task log` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    /// The task's own log.
    pub task_log: String,
    /// The global log.
    pub global_log: String,
    /// The entry, as written to the task's log.
    pub entry: String,
}

/// Appends one entry to the task's `operations.log` and its line to the global
/// `.workflow/operations.log`, each with a single `O_APPEND` write, so concurrent
/// writers never interleave or lose lines. A flat session is refused: it has no log.
pub fn log_task(
    repo: &Repo,
    task_id: &str,
    version: Option<&str>,
    op: &Operation,
) -> Result<Logged> {
    checked_id(task_id)?;
    let version = resolve_version(repo, version)?;
    let dir = guardrail::task_sessions_dir(&version);
    let folder = format!("{dir}/{task_id}");
    let task_log = format!("{folder}/{}", guardrail::OPERATIONS_LOG);
    if !repo.workdir().join(&folder).is_dir() {
        let flat = guardrail::task_definition_names(task_id)
            .into_iter()
            .map(|n| format!("{dir}/{n}"))
            .find(|p| repo.workdir().join(p).is_file());
        return Err(match flat {
            Some(flat) => error::refused(
                format!(
                    "{flat} is a flat task session (the old layout), which has no operations log"
                ),
                "run `git workflow migrate` to turn it into a folder, then log again",
            ),
            None => error::refused(
                format!("no task session {task_id} in {dir}/"),
                format!(
                    "start it with `git workflow task start {task_id} --version {version} --type … --agent …`"
                ),
            ),
        });
    }
    verify::refuse_links_to(repo.workdir(), &task_log)?;
    verify::refuse_links_to(repo.workdir(), guardrail::GLOBAL_LOG)?;
    let entry = operations_log::entry(op);
    append(&repo.workdir().join(&task_log), &entry)
        .with_context(|| format!("appending to {task_log}"))?;
    let global = operations_log::global_entry(&version, task_id, op);
    append(&repo.workdir().join(guardrail::GLOBAL_LOG), &global)
        .with_context(|| format!("appending to {}", guardrail::GLOBAL_LOG))?;
    Ok(Logged {
        task_log,
        global_log: guardrail::GLOBAL_LOG.into(),
        entry,
    })
}

/// Refuses a task id that could not name one folder.
fn checked_id(task_id: &str) -> Result<()> {
    layout::check_id(task_id).map_err(|why| {
        error::refused(
            format!("task id {task_id:?}: {why}"),
            "use the task's plain id",
        )
    })
}

/// One `write` to a file opened for appending: the kernel places it whole at the end.
fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// The version folders in the work tree (`vNNN` only), sorted (latest last).
fn versions(repo: &Repo) -> Vec<String> {
    let mut names: Vec<String> = folders_in_versions(repo)
        .into_iter()
        .filter(|n| guardrail::is_version(n))
        .collect();
    names.sort();
    names
}

/// Every folder in `versions/`, whatever its name.
fn folders_in_versions(repo: &Repo) -> Vec<String> {
    fs::read_dir(repo.workdir().join(guardrail::VERSIONS_DIR))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect()
}

/// A `versions/` that holds folders but no `vNNN` one belongs to another tool:
/// adding `v001` beside them would mix two layouts.
fn refuse_foreign_versions(repo: &Repo) -> Result<()> {
    let folders = folders_in_versions(repo);
    if folders.is_empty() || folders.iter().any(|n| guardrail::is_version(n)) {
        return Ok(());
    }
    let mut shown = folders;
    shown.sort();
    Err(error::refused(
        format!(
            "{}/ holds {}/, not versions of this workflow (vNNN): another tool's layout",
            guardrail::VERSIONS_DIR,
            shown.join("/, ")
        ),
        "leave that folder to its tool; `git workflow version create` makes vNNN folders only in a versions/ of its own",
    ))
}

/// The version named, which must exist, or the latest.
fn resolve_version(repo: &Repo, version: Option<&str>) -> Result<String> {
    let all = versions(repo);
    match version {
        Some(v) if all.iter().any(|have| have == v) => Ok(v.to_string()),
        Some(v) => Err(error::refused(
            format!("there is no version {v} in {}/", guardrail::VERSIONS_DIR),
            "name one `git workflow status` lists, or create one with `git workflow version create <feature>`",
        )),
        None => all.last().cloned().ok_or_else(|| {
            error::refused(
                format!("there is no version in {}/ yet", guardrail::VERSIONS_DIR),
                "create one with `git workflow version create <feature>`",
            )
        }),
    }
}

/// Serialises version and task creation between processes (a short, blocking lock,
/// separate from the operation lock so agents never see "busy" for it).
fn state_lock(repo: &Repo) -> Result<fs::File> {
    let path = repo.git_dir().join("git-workflow-state.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", path.display()))?;
    Ok(file)
}

fn mapping(fields: &[(&str, Value)]) -> Value {
    let mut map = Mapping::new();
    for (k, v) in fields {
        map.insert(Value::String((*k).into()), v.clone());
    }
    Value::Mapping(map)
}

/// Writes `value` as YAML at the repository path `path`, never through a link.
fn write_yaml(repo: &Repo, path: &str, value: &Value) -> Result<()> {
    verify::refuse_links_to(repo.workdir(), path)?;
    let text = serde_yaml::to_string(value)?;
    fs::write(repo.workdir().join(path), text).with_context(|| format!("writing {path}"))
}

/// `YYYYMMDD_HHMMSS`, for ids.
fn compact(now: i64) -> String {
    formats::timestamp(now)
        .replace(['-', ':'], "")
        .replace('T', "_")
}

fn malformed(path: &str, e: anyhow::Error) -> anyhow::Error {
    error::refused(
        format!("{path} does not parse: {e}"),
        format!("fix {path}, then run this again"),
    )
}
