//! Where the guardrail dialect keeps things (SPEC §1.1): versions, their task
//! definitions and task sessions, the index and the global log.

use crate::layout::{WORKFLOW_DIR, join};

/// The folder that holds the versioned task sessions of the guardrail dialect (SPEC §1.1).
pub const VERSIONS_DIR: &str = ".workflow/versions";

/// Whether a folder name is a guardrail version: `v` and digits (`v001`). A
/// `versions/` folder without one (`v0.8-login/`) is another tool's.
pub fn is_version(name: &str) -> bool {
    name.len() > 1 && name.starts_with('v') && name[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The three files a task session folder holds (SPEC §1.1).
pub const SESSION_FILE: &str = "session.yml";
/// The snapshot of the task definition at execution time.
pub const TASK_FILE: &str = "task.yml";
/// The human-readable log of one task's operations.
pub const OPERATIONS_LOG: &str = "operations.log";

/// `.workflow/versions/<version>/task_sessions`.
pub fn task_sessions_dir(version: &str) -> String {
    join(&[VERSIONS_DIR, version, "task_sessions"])
}

/// `.workflow/versions/<version>/tasks`.
pub fn tasks_dir(version: &str) -> String {
    join(&[VERSIONS_DIR, version, "tasks"])
}

/// `.workflow/versions/<version>/task_sessions/<id>`: the new folder layout.
pub fn task_session_folder(version: &str, id: &str) -> String {
    join(&[&task_sessions_dir(version), id])
}

/// The task id a flat task-session file stands for: `<id>.yml` or `<id>.yaml`.
pub fn flat_session_id(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".yml")
        .or_else(|| file_name.strip_suffix(".yaml"))
        .filter(|id| !id.is_empty())
}

/// The two names a task definition may have inside `tasks/`, preferred first.
pub fn task_definition_names(id: &str) -> [String; 2] {
    [format!("{id}.yml"), format!("{id}.yaml")]
}

/// The guardrail dialect's version index (SPEC §4.4 of the seed).
pub const INDEX_YML: &str = ".workflow/index.yml";
/// The global operations log.
pub const GLOBAL_LOG: &str = ".workflow/operations.log";

/// The task-session folder (`.workflow/versions/<v>/task_sessions/<id>`) a path lies
/// in, if it lies in one.
pub fn task_session_folder_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [WORKFLOW_DIR, "versions", _, "task_sessions", _, _, ..] => Some(parts[..5].join("/")),
        _ => None,
    }
}

/// The three files every task-session folder must hold.
pub const TASK_SESSION_FILES: [&str; 3] = [SESSION_FILE, TASK_FILE, OPERATIONS_LOG];

/// Whether a path is a flat task-session file, the old layout:
/// `.workflow/versions/*/task_sessions/<id>.yml` or `.yaml`.
pub fn is_flat_session(path: &str) -> bool {
    matches!(
        path.split('/').collect::<Vec<_>>().as_slice(),
        [WORKFLOW_DIR, "versions", _, "task_sessions", file] if flat_session_id(file).is_some()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_session_ids_come_from_yml_and_yaml_only() {
        assert_eq!(flat_session_id("task_a.yml"), Some("task_a"));
        assert_eq!(flat_session_id("task_b.yaml"), Some("task_b"));
        assert_eq!(flat_session_id("notes.txt"), None);
        assert_eq!(flat_session_id(".yml"), None);
    }

    #[test]
    fn flat_sessions_and_their_folders_are_told_apart_by_shape() {
        assert!(is_flat_session(
            ".workflow/versions/v001/task_sessions/a.yml"
        ));
        assert!(is_flat_session(
            ".workflow/versions/v001/task_sessions/a.yaml"
        ));
        assert!(!is_flat_session(
            ".workflow/versions/v001/task_sessions/a/session.yml"
        ));
        assert_eq!(
            task_session_folder_of(".workflow/versions/v1/task_sessions/t/session.yml").as_deref(),
            Some(".workflow/versions/v1/task_sessions/t")
        );
        assert_eq!(
            task_session_folder_of(".workflow/versions/v1/task_sessions/t.yml"),
            None
        );
    }
}
