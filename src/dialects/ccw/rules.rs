//! CCW's rules (SPEC §6.1): none of its old layouts (`.active-*` markers, sessions
//! directly in `.workflow/`, `.archives/`), and no session id in two places.

use anyhow::Result;

use crate::dialects::ccw::{self, Legacy};
use crate::engine::rule::{Content, Rule, Violation};

/// An old-layout active marker.
pub const MARKER: Rule = Rule {
    id: "active-marker",
    rejects: ".workflow/.active-*",
};

/// A session directly in `.workflow/`, the old layout.
pub const SESSION_DIR: Rule = Rule {
    id: "legacy-session-dir",
    rejects: ".workflow/WFS-* (anything under it)",
};

/// The old archive folder.
pub const ARCHIVES: Rule = Rule {
    id: "legacy-archives",
    rejects: ".workflow/.archives/…",
};

/// One session id in two layouts.
pub const DUPLICATE: Rule = Rule {
    id: "duplicate-session",
    rejects: "a CCW session id in two places (old layout, sessions/, active/, archives/, .archives/)",
};

/// The violation a path commits by its shape alone, if it is in an old CCW layout.
pub fn legacy(path: &str) -> Option<Violation> {
    let (rule, message, fix) = match ccw::legacy_kind(path)? {
        Legacy::ActiveMarker => (
            MARKER.id,
            "an .active-* marker, the old CCW layout; a session is active because it sits in .workflow/sessions/",
            "drop the marker (`git rm --cached` it, then delete it); `git workflow migrate` removes committed ones",
        ),
        Legacy::SessionDir => (
            SESSION_DIR.id,
            "a session in the old place; CCW sessions live in .workflow/sessions/WFS-*/",
            "move it under .workflow/sessions/, or commit it with GIT_WORKFLOW_SKIP=1 and run `git workflow migrate`",
        ),
        Legacy::Archives => (
            ARCHIVES.id,
            "the old archive folder .workflow/.archives/; archives live in .workflow/archives/",
            "move it under .workflow/archives/, or commit it with GIT_WORKFLOW_SKIP=1 and run `git workflow migrate`",
        ),
    };
    Some(Violation {
        rule,
        path: path.to_string(),
        message: format!("{path}: {message}"),
        fix: fix.to_string(),
    })
}

/// A session folder whose id also names a folder in another layout: CCW sees one
/// session twice, and completing or migrating it cannot say which one is meant.
pub fn duplicate(folder: &str, id: &str, content: &dyn Content) -> Result<Option<Violation>> {
    for other in ccw::session_places(id) {
        if other != folder && content.has_folder(&other)? {
            return Ok(Some(Violation {
                rule: DUPLICATE.id,
                path: format!("{folder}/"),
                message: format!("{id} is in two places: {folder}/ and {other}/"),
                fix: format!(
                    "compare {folder}/ with {other}/ and keep one (`git rm -r` the other, or give it a new id), then commit"
                ),
            }));
        }
    }
    Ok(None)
}
