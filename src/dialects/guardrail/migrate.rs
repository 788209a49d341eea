//! `task-session-dirs` (SPEC §3): every flat `versions/*/task_sessions/<id>.yml` becomes
//! the folder `<id>/` holding `session.yml` (the same blob), a `task.yml` snapshot of
//! the task definition, and an `operations.log`.

use crate::dialects::guardrail;
use crate::dialects::guardrail::operations_log;
use crate::dialects::guardrail::task_session::TaskSession;
use crate::dialects::guardrail::task_snapshot::{self, SnapshotMeta};
use crate::engine::Action;
use crate::engine::Tree;
use crate::engine::migration::{Failure, Item, Migration, Outcome, Settings};
use crate::layout;
use crate::parallel;
use crate::repo::{Entry, EntryKind};
use anyhow::Result;
use serde_yaml::{Mapping, Value};
use std::collections::{HashMap, HashSet};

/// The registry entry.
pub const MIGRATION: Migration = Migration {
    name: "task-session-dirs",
    about: "flat task-session files become folders with session.yml, task.yml, operations.log",
    plan,
};

const NOTE: &str = "Created during migration from flat file structure";

/// Plans the migration of every flat task session in every version folder.
pub fn plan(snapshot: &dyn Tree, settings: &Settings) -> Result<Outcome> {
    let now = settings.now.as_str();
    let mut outcome = Outcome::for_migration(MIGRATION.name);
    for version in snapshot.list(guardrail::VERSIONS_DIR)? {
        if version.kind == EntryKind::Dir {
            plan_version(snapshot, &version.name, now, &mut outcome)?;
        }
    }
    let n = outcome.items.len();
    let versions = outcome
        .items
        .iter()
        .map(|i| i.name.split('/').next().unwrap_or(""))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    outcome.plan.subject = format!(
        "workflow: migrate task sessions to folders ({})",
        crate::layout::count(n, "session")
    );
    outcome.plan.body_summary =
        format!("{n} task sessions in {versions} versions moved to folders.");
    Ok(outcome)
}

fn plan_version(
    snapshot: &dyn Tree,
    version: &str,
    now: &str,
    outcome: &mut Outcome,
) -> Result<()> {
    let dir = guardrail::task_sessions_dir(version);
    let entries = snapshot.list(&dir)?;
    let clashes = case_clashes(&entries);
    let names: HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let mut read = Vec::new();
    for entry in &entries {
        let Some(id) = guardrail::flat_session_id(&entry.name) else {
            continue;
        };
        if entry.kind == EntryKind::Dir || entry.kind == EntryKind::Submodule {
            continue;
        }
        read.push((
            entry,
            read_session(snapshot, version, id, entry, &names, &clashes),
        ));
    }
    let planned = parallel::map_on_every_core(&read, |(_, session)| {
        session
            .as_ref()
            .map_err(String::clone)
            .and_then(|session| plan_session(version, session, now))
    });
    for ((entry, _), plan) in read.iter().zip(planned) {
        outcome.processed += 1;
        let path = layout::join(&[&dir, &entry.name]);
        match plan {
            Ok(session) => {
                let id = session.id;
                outcome.plan.body.push(format!(
                    "{version}/{id}: task_sessions/{} -> task_sessions/{id}/",
                    entry.name
                ));
                outcome.items.push(Item {
                    name: format!("{version}/{id}"),
                    from: path,
                    to: format!("{}/", guardrail::task_session_folder(version, id)),
                });
                outcome.plan.actions.extend(session.actions);
                outcome.plan.warnings.extend(session.warning);
            }
            Err(reason) => outcome.failures.push(Failure { path, reason }),
        }
    }
    Ok(())
}

/// A flat session's bytes and its task definition's, read from the snapshot (one
/// thread's) so that the parsing, most of a migration's planning, can be shared
/// out to every core.
struct ReadSession<'e> {
    id: &'e str,
    flat: String,
    bytes: Vec<u8>,
    /// The first of the definition's names that exists, and its bytes.
    definition: Option<(String, Vec<u8>)>,
}

/// Refuses an unsafe entry, then reads the session and its definition.
fn read_session<'e>(
    snapshot: &dyn Tree,
    version: &str,
    id: &'e str,
    entry: &Entry,
    siblings: &HashSet<&str>,
    clashes: &HashMap<String, Vec<String>>,
) -> Result<ReadSession<'e>, String> {
    let dir = guardrail::task_sessions_dir(version);
    let flat = layout::join(&[&dir, &entry.name]);
    refuse_unsafe_entry(id, entry, siblings, clashes, &dir)?;
    let bytes = snapshot
        .read(&flat)
        .map_err(|e| crate::error::explained(&e))?
        .ok_or_else(|| format!("{flat} could not be read from HEAD"))?;
    let tasks = guardrail::tasks_dir(version);
    let mut definition = None;
    for name in guardrail::task_definition_names(id) {
        let path = layout::join(&[&tasks, &name]);
        if let Some(bytes) = snapshot.read(&path).map_err(|e| e.to_string())? {
            definition = Some((name, bytes));
            break;
        }
    }
    Ok(ReadSession {
        id,
        flat,
        bytes,
        definition,
    })
}

/// The actions for one session, and a warning when its definition is missing.
struct SessionPlan<'e> {
    id: &'e str,
    actions: Vec<Action>,
    warning: Option<String>,
}

fn plan_session<'e>(
    version: &str,
    read: &ReadSession<'e>,
    now: &str,
) -> Result<SessionPlan<'e>, String> {
    let (id, flat) = (read.id, &read.flat);
    let session = TaskSession::parse(&read.bytes).map_err(|e| {
        format!(
            "{flat} does not parse: {e}; fix it and commit, then run `git workflow migrate` again"
        )
    })?;
    let (task_yml, warning) = snapshot_for(version, read, &session, now)?;
    let folder = guardrail::task_session_folder(version, id);
    let log = operations_log::migrated(id, now, &session.operations());
    Ok(SessionPlan {
        id,
        actions: vec![
            Action::Move {
                from: flat.clone(),
                to: layout::join(&[&folder, guardrail::SESSION_FILE]),
            },
            Action::Write {
                path: layout::join(&[&folder, guardrail::TASK_FILE]),
                bytes: task_yml,
                executable: false,
            },
            Action::Write {
                path: layout::join(&[&folder, guardrail::OPERATIONS_LOG]),
                bytes: log.into_bytes(),
                executable: false,
            },
        ],
        warning,
    })
}

/// Refuses a flat session whose id is unsafe, that is a link, or whose folder would
/// collide with something already there (exactly or by case only). `siblings` are
/// the folder's names, looked up rather than scanned: a folder holds one per session.
fn refuse_unsafe_entry(
    id: &str,
    entry: &Entry,
    siblings: &HashSet<&str>,
    clashes: &HashMap<String, Vec<String>>,
    dir: &str,
) -> Result<(), String> {
    layout::check_id(id)
        .map_err(|why| format!("{dir}/{}: {why}; rename the file by hand", entry.name))?;
    if entry.kind == EntryKind::Link {
        return Err(format!(
            "{dir}/{} is a symbolic link; symlinks under .workflow/ are never followed: replace it with the file it points to",
            entry.name
        ));
    }
    if siblings.contains(id) {
        return Err(format!(
            "both {dir}/{} and the folder {dir}/{id}/ exist; merge them by hand, commit, then run `git workflow migrate` again",
            entry.name
        ));
    }
    if let Some(names) = clashes.get(&id.to_lowercase())
        && names.len() > 1
    {
        let names: Vec<String> = names.iter().map(|n| format!("{dir}/{n}")).collect();
        return Err(format!(
            "{} name the same task session on a case-insensitive file system or twice; keep one, commit, then run `git workflow migrate` again",
            names.join(" and ")
        ));
    }
    Ok(())
}

/// Groups a folder's session names (flat files by id, folders by name) by their
/// lower-cased id, so that two that differ only by case, or `a.yml` beside `a.yaml`,
/// are found before they collide.
fn case_clashes(entries: &[Entry]) -> HashMap<String, Vec<String>> {
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    for entry in entries {
        let id = match entry.kind {
            EntryKind::Dir => Some(entry.name.as_str()),
            _ => guardrail::flat_session_id(&entry.name),
        };
        if let Some(id) = id {
            by_id
                .entry(id.to_lowercase())
                .or_default()
                .push(entry.name.clone());
        }
    }
    by_id
}

/// The bytes of `task.yml` and, when the definition is missing, the warning.
fn snapshot_for(
    version: &str,
    read: &ReadSession<'_>,
    session: &TaskSession,
    now: &str,
) -> Result<(Vec<u8>, Option<String>), String> {
    let (tasks, id) = (guardrail::tasks_dir(version), read.id);
    let session_status = session.value("status").cloned().unwrap_or(Value::Null);
    if let Some((name, definition)) = &read.definition {
        let path = layout::join(&[&tasks, name]);
        let status = definition_status(definition).unwrap_or(session_status);
        let meta = SnapshotMeta {
            snapshotted_at: now.into(),
            source_path: Some(format!("tasks/{name}")),
            status_at_snapshot: status,
            migration_note: Some(NOTE.into()),
        };
        let bytes = task_snapshot::from_definition(definition, &meta).map_err(|e| {
            format!("{path} does not parse: {e}; fix it and commit, then run `git workflow migrate` again")
        })?;
        return Ok((bytes, None));
    }
    let meta = SnapshotMeta {
        snapshotted_at: now.into(),
        source_path: None,
        status_at_snapshot: session_status,
        migration_note: Some(format!(
            "{NOTE}; task definition tasks/{id}.yml was not found"
        )),
    };
    let bytes =
        task_snapshot::minimal(minimal_task(id, session), &meta).map_err(|e| e.to_string())?;
    let warning = format!(
        "{tasks}/{id}.yml not found: {version}/{id} gets a minimal task.yml built from its session"
    );
    Ok((bytes, Some(warning)))
}

fn definition_status(definition: &[u8]) -> Option<Value> {
    match crate::formats::parse_yaml(definition).ok()? {
        Value::Mapping(map) => map.get("status").filter(|v| !v.is_null()).cloned(),
        _ => None,
    }
}

/// `id`, `type`, `agent`, `status` from the session: all a snapshot can know.
fn minimal_task(id: &str, session: &TaskSession) -> Mapping {
    let mut task = Mapping::new();
    task.insert("id".into(), Value::String(id.into()));
    for (key, from) in [
        ("type", "task_type"),
        ("agent", "agent"),
        ("status", "status"),
    ] {
        if let Some(value) = session.value(from) {
            task.insert(key.into(), value.clone());
        }
    }
    task
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MemTree;

    fn settings() -> Settings {
        Settings {
            now: "2026-01-01T00:00:00Z".into(),
            ..Settings::default()
        }
    }

    #[test]
    fn a_flat_session_becomes_a_folder_with_its_bytes_kept() {
        let tree = MemTree::new()
            .with(
                ".workflow/versions/v001/task_sessions/task_a.yml",
                "task_id: task_a\nstatus: completed\noperations: []\n",
            )
            .with(".workflow/versions/v001/tasks/task_a.yml", "id: task_a\n");
        let outcome = plan(&tree, &settings()).unwrap();
        assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        assert_eq!(outcome.items[0].name, "v001/task_a");
        assert_eq!(
            outcome.plan.actions[0],
            Action::Move {
                from: ".workflow/versions/v001/task_sessions/task_a.yml".into(),
                to: ".workflow/versions/v001/task_sessions/task_a/session.yml".into(),
            }
        );
        assert_eq!(
            outcome.plan.subject,
            "workflow: migrate task sessions to folders (1 session)"
        );
    }

    #[test]
    fn a_flat_file_beside_its_folder_is_a_failure_naming_both() {
        let tree = MemTree::new()
            .with(
                ".workflow/versions/v001/task_sessions/task_a.yml",
                "task_id: task_a\n",
            )
            .with(
                ".workflow/versions/v001/task_sessions/task_a/session.yml",
                "task_id: task_a\n",
            );
        let outcome = plan(&tree, &settings()).unwrap();
        assert!(outcome.items.is_empty());
        let reason = &outcome.failures[0].reason;
        assert!(reason.contains("task_sessions/task_a/"), "{reason}");
    }

    #[test]
    fn nothing_flat_is_nothing_to_do() {
        let tree = MemTree::new().with(
            ".workflow/versions/v001/task_sessions/task_a/session.yml",
            "task_id: task_a\n",
        );
        assert!(plan(&tree, &settings()).unwrap().is_nothing_to_do());
    }
}
