//! Where CCW keeps things (SPEC §1.3): its sessions in each layout, the archives,
//! the manifest, the project file, and the files of one session.

use crate::layout::{WORKFLOW_DIR, check_id};

/// Where the seed-era prompts keep active sessions (SPEC §1.3, layout `sessions`).
pub const SESSIONS_DIR: &str = ".workflow/sessions";
/// Where all of CCW's code since 2025-11-20 keeps active sessions (layout `active`).
pub const ACTIVE_DIR: &str = ".workflow/active";
/// Where completed sessions are archived.
pub const ARCHIVES_DIR: &str = ".workflow/archives";
/// CCW's old archive folder.
pub const LEGACY_ARCHIVES_DIR: &str = ".workflow/.archives";
/// The archive manifest.
pub const MANIFEST: &str = ".workflow/archives/manifest.json";
/// The seed-era project registry.
pub const PROJECT_JSON: &str = ".workflow/project.json";
/// CCW 7's project file (from 2026-01-16), whose `development_index` its archive
/// appends to.
pub const PROJECT_TECH_JSON: &str = ".workflow/project-tech.json";
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

/// The old CCW layouts a path can belong to (SPEC §6.1), which the check rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// `.workflow/.active-*`.
    ActiveMarker,
    /// `.workflow/WFS-*`, or anything under it.
    SessionDir,
    /// Anything under `.workflow/.archives/`.
    Archives,
}

/// Which old CCW layout `path` belongs to, by its shape alone.
pub fn legacy_kind(path: &str) -> Option<Legacy> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 || parts[0] != WORKFLOW_DIR {
        return None;
    }
    match parts.as_slice() {
        [_, marker] if marker.starts_with(".active-") => Some(Legacy::ActiveMarker),
        [_, dir, ..] if dir.starts_with("WFS-") => Some(Legacy::SessionDir),
        [_, ".archives", _, ..] => Some(Legacy::Archives),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_layout_paths_are_recognised_by_shape() {
        let kind = legacy_kind;
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
        assert_eq!(kind(".workflow/versions/v001/task_sessions/a.yml"), None);
        assert_eq!(kind("src/.workflow/WFS-x"), None);
    }

    #[test]
    fn session_folders_are_found_from_any_file_inside() {
        assert_eq!(
            session_folder_of(".workflow/active/WFS-a/.task/IMPL-1.json"),
            Some((".workflow/active/WFS-a".to_string(), "WFS-a"))
        );
        assert_eq!(
            session_folder_of(".workflow/WFS-a/IMPL_PLAN.md"),
            Some((".workflow/WFS-a".to_string(), "WFS-a"))
        );
        assert_eq!(session_folder_of(".workflow/archives/manifest.json"), None);
    }
}
