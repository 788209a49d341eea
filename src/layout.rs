//! Where things live in `.workflow/`: the one place that knows its paths and decides
//! whether a name from a file or the command line is safe to use as a path component.
//!
//! Every path here is a repository path: relative to the work-tree root, `/`-separated,
//! exactly as git stores it in a tree.

/// The state folder every dialect keeps inside the repository.
pub const WORKFLOW_DIR: &str = ".workflow";

/// `.workflow/` as a pathspec: the folder and everything under it.
pub const WORKFLOW_PATHSPEC: &str = ".workflow/";

/// The folder that holds the versioned task sessions of the guardrail dialect (SPEC §1.1).
pub const VERSIONS_DIR: &str = ".workflow/versions";

/// The three files a task session folder holds (SPEC §1.1).
pub const SESSION_FILE: &str = "session.yml";
/// The snapshot of the task definition at execution time.
pub const TASK_FILE: &str = "task.yml";
/// The human-readable log of one task's operations.
pub const OPERATIONS_LOG: &str = "operations.log";

/// Joins repository path components with `/`.
pub fn join(parts: &[&str]) -> String {
    parts.join("/")
}

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

/// Whether a repository path lies inside `.workflow/` (or is `.workflow` itself).
pub fn is_under_workflow(path: &str) -> bool {
    path == WORKFLOW_DIR || path.starts_with(".workflow/")
}

/// Decides whether `id` may name one folder or file: one path component, not `.` or
/// `..`, no separators, no NUL or control characters, not empty.
///
/// Returns what is wrong with it, for the caller to put next to the path it came from.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the id is empty".into());
    }
    if id == "." || id == ".." {
        return Err(format!("'{id}' would leave its folder"));
    }
    if id.contains('/') || id.contains('\\') {
        return Err(format!("'{id}' contains a path separator"));
    }
    if id.chars().any(char::is_control) {
        return Err(format!("{id:?} contains a control character"));
    }
    Ok(())
}

/// The guardrail dialect's version index (SPEC §4.4 of the seed).
pub const INDEX_YML: &str = ".workflow/index.yml";
/// The global operations log.
pub const GLOBAL_LOG: &str = ".workflow/operations.log";

/// Where CCW's active sessions live (SPEC §1.3).
pub const SESSIONS_DIR: &str = ".workflow/sessions";
/// CCW's next layout for active sessions, read as active too.
pub const ACTIVE_DIR: &str = ".workflow/active";
/// Where completed sessions are archived.
pub const ARCHIVES_DIR: &str = ".workflow/archives";
/// CCW's old archive folder.
pub const LEGACY_ARCHIVES_DIR: &str = ".workflow/.archives";
/// The archive manifest.
pub const MANIFEST: &str = ".workflow/archives/manifest.json";
/// The project registry.
pub const PROJECT_JSON: &str = ".workflow/project.json";
/// A session's own record.
pub const SESSION_JSON: &str = "workflow-session.json";
/// A session's plan, where the feature's title and description come from.
pub const IMPL_PLAN: &str = "IMPL_PLAN.md";
/// A session's task folder.
pub const TASK_DIR: &str = ".task";
/// CCW's marker of an archival in progress.
pub const ARCHIVING_MARKER: &str = ".archiving";
/// CCW's prefix for an active-session marker in the old layout.
pub const ACTIVE_MARKER_PREFIX: &str = ".active-";

/// The session id for a slug: `WFS-<slug>`.
pub fn session_id(slug: &str) -> String {
    format!("WFS-{slug}")
}

/// Whether a folder name is a CCW session id, safe to use as one path component.
pub fn is_session_id(name: &str) -> bool {
    name.starts_with("WFS-") && name.len() > 4 && check_id(name).is_ok()
}

/// The old layouts a path can belong to (SPEC §6.1), which the check rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// `.workflow/versions/*/task_sessions/<id>.yml` or `.yaml`.
    FlatTaskSession,
    /// `.workflow/.active-*`.
    ActiveMarker,
    /// `.workflow/WFS-*`, or anything under it.
    SessionDir,
    /// Anything under `.workflow/.archives/`.
    Archives,
}

/// Which old layout `path` belongs to, by its shape alone.
pub fn legacy_kind(path: &str) -> Option<Legacy> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 || parts[0] != WORKFLOW_DIR {
        return None;
    }
    match parts.as_slice() {
        [_, "versions", _, "task_sessions", file] if flat_session_id(file).is_some() => {
            Some(Legacy::FlatTaskSession)
        }
        [_, marker] if marker.starts_with(".active-") => Some(Legacy::ActiveMarker),
        [_, dir, ..] if dir.starts_with("WFS-") => Some(Legacy::SessionDir),
        [_, ".archives", _, ..] => Some(Legacy::Archives),
        _ => None,
    }
}

/// The task-session folder (`.workflow/versions/<v>/task_sessions/<id>`) a path lies
/// in, if it lies in one.
pub fn task_session_folder_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [WORKFLOW_DIR, "versions", _, "task_sessions", _, _, ..] => Some(parts[..5].join("/")),
        _ => None,
    }
}

/// Every folder a CCW session of this id can live in, in SPEC §3's order: the old
/// layout, `sessions/`, `active/`, `archives/`, the old `.archives/`.
pub fn session_places(id: &str) -> [String; 5] {
    [
        WORKFLOW_DIR,
        SESSIONS_DIR,
        ACTIVE_DIR,
        ARCHIVES_DIR,
        LEGACY_ARCHIVES_DIR,
    ]
    .map(|dir| format!("{dir}/{id}"))
}

/// The CCW session folder a path lies in (any layout), with its id.
pub fn session_folder_of(path: &str) -> Option<(String, &str)> {
    let parts: Vec<&str> = path.split('/').collect();
    let (depth, id) = match parts.as_slice() {
        [WORKFLOW_DIR, id, _, ..] if is_session_id(id) => (2, *id),
        [
            WORKFLOW_DIR,
            "sessions" | "active" | "archives" | ".archives",
            id,
            _,
            ..,
        ] if is_session_id(id) => (3, *id),
        _ => return None,
    };
    Some((parts[..depth].join("/"), id))
}

/// The three files every task-session folder must hold.
pub const TASK_SESSION_FILES: [&str; 3] = [SESSION_FILE, TASK_FILE, OPERATIONS_LOG];

/// Whether a path is a state file under `.workflow/` that must parse: YAML or JSON.
pub fn is_state_file(path: &str) -> bool {
    path.starts_with(WORKFLOW_PATHSPEC)
        && [".yml", ".yaml", ".json"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

/// Whether a repository path matches a glob from `git config workflow.graphs`: `*`
/// and `?` stay inside one path component, `**` crosses any number of them.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len()).any(|i| (i == 0 || s[i - 1] == b'/') && go(rest, &s[i..]))
                    || go(rest, s)
            }
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(&p[1..], &s[i..])),
            Some(b'?') => s.first().is_some_and(|&c| c != b'/') && go(&p[1..], &s[1..]),
            Some(&c) => s.first() == Some(&c) && go(&p[1..], &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

/// The three `.workflow/` dialects of SPEC §1, as `status` names them.
pub const GUARDRAIL: &str = "versioned task sessions";
/// SPEC §1.3.
pub const CCW: &str = "claude-code-workflow sessions";
/// SPEC §1.2.
pub const AGENTRELAY: &str = "agentrelay run state";

/// Which dialects a `.workflow/` holds, from the names directly inside it;
/// `has_run_state(name)` says whether folder `name` holds `runs/` or `signals/`.
pub fn dialects(top_level: &[String], has_run_state: impl Fn(&str) -> bool) -> Vec<&'static str> {
    let any = |pred: &dyn Fn(&str) -> bool| top_level.iter().any(|n| pred(n));
    let mut found = Vec::new();
    if any(&|n| matches!(n, "versions" | "index.yml" | "operations.log")) {
        found.push(GUARDRAIL);
    }
    if any(&|n| {
        n.starts_with("WFS-")
            || n.starts_with(".active-")
            || matches!(
                n,
                "sessions" | "archives" | ".archives" | "active" | "project.json"
            )
    }) {
        found.push(CCW);
    }
    if any(&|n| n == "run_info.json" || has_run_state(n)) {
        found.push(AGENTRELAY);
    }
    found
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
    fn ids_that_would_leave_their_folder_are_refused() {
        for bad in ["", ".", "..", "a/b", "a\\b", "a\0b", "a\nb", "\u{7f}"] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_id("task_design").is_ok());
        assert!(check_id("..hidden").is_ok());
    }

    #[test]
    fn workflow_paths_are_recognised_by_component() {
        assert!(is_under_workflow(".workflow"));
        assert!(is_under_workflow(".workflow/index.yml"));
        assert!(!is_under_workflow(".workflowx/a"));
    }

    #[test]
    fn dialects_are_told_apart_by_their_paths() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            dialects(&names(&["versions", "index.yml"]), |_| false),
            vec![GUARDRAIL]
        );
        assert_eq!(
            dialects(&names(&[".active-WFS-x", "WFS-x"]), |_| false),
            vec![CCW]
        );
        assert_eq!(
            dialects(&names(&["build"]), |n| n == "build"),
            vec![AGENTRELAY]
        );
        assert!(dialects(&names(&["notes.md"]), |_| false).is_empty());
    }

    #[test]
    fn old_layout_paths_are_recognised_by_shape() {
        let kind = legacy_kind;
        assert_eq!(
            kind(".workflow/versions/v001/task_sessions/a.yml"),
            Some(Legacy::FlatTaskSession)
        );
        assert_eq!(
            kind(".workflow/versions/v001/task_sessions/a.yaml"),
            Some(Legacy::FlatTaskSession)
        );
        assert_eq!(
            kind(".workflow/versions/v001/task_sessions/a/session.yml"),
            None
        );
        assert_eq!(kind(".workflow/.active-WFS-x"), Some(Legacy::ActiveMarker));
        assert_eq!(
            kind(".workflow/WFS-x/IMPL_PLAN.md"),
            Some(Legacy::SessionDir)
        );
        assert_eq!(
            kind(".workflow/.archives/manifest.json"),
            Some(Legacy::Archives)
        );
        assert_eq!(kind(".workflow/sessions/WFS-x/workflow-session.json"), None);
        assert_eq!(kind("src/.workflow/WFS-x"), None);
    }

    #[test]
    fn task_session_folders_are_found_from_any_file_inside() {
        assert_eq!(
            task_session_folder_of(".workflow/versions/v1/task_sessions/t/session.yml").as_deref(),
            Some(".workflow/versions/v1/task_sessions/t")
        );
        assert_eq!(
            task_session_folder_of(".workflow/versions/v1/task_sessions/t.yml"),
            None
        );
        assert_eq!(
            session_folder_of(".workflow/active/WFS-a/.task/IMPL-1.json"),
            Some((".workflow/active/WFS-a".to_string(), "WFS-a"))
        );
        assert_eq!(
            session_folder_of(".workflow/WFS-a/IMPL_PLAN.md"),
            Some((".workflow/WFS-a".to_string(), "WFS-a"))
        );
        assert_eq!(session_folder_of(".workflow/archives/manifest.json"), None);
        assert!(is_state_file(".workflow/project.json"));
        assert!(!is_state_file(".workflow/IMPL_PLAN.md"));
    }

    #[test]
    fn graph_globs_match_as_git_pathspecs_do() {
        assert!(glob_match("graphs/**/*.yaml", "graphs/a.yaml"));
        assert!(glob_match("graphs/**/*.yaml", "graphs/x/y/a.yaml"));
        assert!(!glob_match("graphs/*.yaml", "graphs/x/a.yaml"));
        assert!(glob_match("*.y?ml", "a.yaml"));
        assert!(!glob_match("graphs/*.yaml", "other/a.yaml"));
    }
}
