//! CCW's rules (SPEC §6.1): none of its old layouts (`.active-*` markers, sessions
//! directly in `.workflow/`, `.archives/`), and no session id in two places.

use anyhow::Result;

use crate::dialects::ccw::{self, Legacy};
use crate::engine::rule::{Content, Rule, Violation};
use crate::layout::CcwLayout;

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

/// A session in `sessions/` while the target layout is `active`.
pub const SUPERSEDED: Rule = Rule {
    id: "superseded-sessions-dir",
    rejects: ".workflow/sessions/WFS-* when the CCW target layout is `active`",
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

/// The violation a path commits by its shape alone, if it is in a CCW layout the
/// repository has left behind; the fix names the target layout.
pub fn legacy(path: &str, target: CcwLayout) -> Option<Violation> {
    let dir = target.dir();
    let (rule, message, fix) = match ccw::legacy_kind(path) {
        Some(Legacy::ActiveMarker) => (
            MARKER.id,
            format!("an .active-* marker, the old CCW layout; a session is active because it sits in {dir}/"),
            "drop the marker (`git rm --cached` it, then delete it); `git workflow migrate` removes committed ones".to_string(),
        ),
        Some(Legacy::SessionDir) => (
            SESSION_DIR.id,
            format!("a session in the old place; CCW sessions live in {dir}/WFS-*/"),
            format!("move it under {dir}/, or commit it with GIT_WORKFLOW_SKIP=1 and run `git workflow migrate`"),
        ),
        Some(Legacy::Archives) => (
            ARCHIVES.id,
            "the old archive folder .workflow/.archives/; archives live in .workflow/archives/".to_string(),
            "move it under .workflow/archives/, or commit it with GIT_WORKFLOW_SKIP=1 and run `git workflow migrate`".to_string(),
        ),
        None if target == CcwLayout::Active && in_superseded_sessions(path) => (
            SUPERSEDED.id,
            format!("a session in {}/, which CCW's code no longer reads; sessions live in {dir}/", ccw::SESSIONS_DIR),
            format!(
                "move it under {dir}/ (`git workflow migrate` does, once it is committed with GIT_WORKFLOW_SKIP=1); if your agents still run the seed-era prompts, `git config {} sessions`",
                CcwLayout::KEY
            ),
        ),
        None => return None,
    };
    Some(Violation {
        rule,
        path: path.to_string(),
        message: format!("{path}: {message}"),
        fix,
    })
}

/// Whether `path` lies in a session folder of `.workflow/sessions/`.
fn in_superseded_sessions(path: &str) -> bool {
    path.strip_prefix(ccw::SESSIONS_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(id, _)| ccw::is_session_id(id))
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

/// Whether a rule of this dialect gives meaning to `name` right under
/// `.workflow/`: the session folders of every layout, the old markers and
/// archives (a folder under any other name checks the same wherever it stands).
pub fn reads_first_level(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "sessions" | "active" | "archives" | ".archives"
    ) || lower.starts_with("wfs-")
        || lower.starts_with(".active-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_is_superseded_only_when_the_target_is_active() {
        let path = ".workflow/sessions/WFS-a/IMPL_PLAN.md";
        let v = legacy(path, CcwLayout::Active).expect("a violation");
        assert_eq!(v.rule, SUPERSEDED.id);
        assert!(
            v.fix.contains("git config workflow.ccw.layout sessions"),
            "{}",
            v.fix
        );
        assert!(legacy(path, CcwLayout::Sessions).is_none());
        assert!(legacy(".workflow/sessions/WFR-run/state.json", CcwLayout::Active).is_none());
        let old = legacy(".workflow/WFS-a/x.json", CcwLayout::Active).unwrap();
        assert!(old.fix.contains(".workflow/active/"), "{}", old.fix);
    }
}
