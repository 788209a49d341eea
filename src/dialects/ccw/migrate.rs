//! `ccw-sessions-dir` (SPEC §3): CCW's old layout to its new one. `.workflow/WFS-*/`
//! moves into `.workflow/sessions/`, the `.active-*` markers go (a session is active
//! because it sits in `sessions/`), and `.workflow/.archives/` becomes
//! `.workflow/archives/`, manifest included. Every file moves as the same blob.

use crate::dialects::ccw;
use crate::engine::Action;
use crate::engine::Tree;
use crate::engine::migration::{Failure, Item, Migration, Outcome};
use crate::layout;
use crate::repo::EntryKind;
use anyhow::Result;

/// The registry entry.
pub const MIGRATION: Migration = Migration {
    name: "ccw-sessions-dir",
    about: "CCW sessions move into sessions/, .active-* markers go, .archives/ becomes archives/",
    plan,
};

/// Plans the move of every old-layout session, marker and archive.
pub fn plan(snapshot: &dyn Tree, _now: &str) -> Result<Outcome> {
    let mut outcome = Outcome::for_migration(MIGRATION.name);
    let top = snapshot.list(layout::WORKFLOW_DIR)?;
    for entry in &top {
        if entry.name.starts_with("WFS-") && entry.kind == EntryKind::Dir {
            move_session(snapshot, &entry.name, &mut outcome)?;
        }
    }
    for entry in &top {
        if let Some(id) = entry.name.strip_prefix(ccw::ACTIVE_MARKER_PREFIX) {
            drop_marker(snapshot, &entry.name, id, &mut outcome);
        }
    }
    if top
        .iter()
        .any(|e| e.name == ".archives" && e.kind == EntryKind::Dir)
    {
        move_archives(snapshot, &mut outcome)?;
    }
    let sessions = outcome
        .items
        .iter()
        .filter(|i| i.name.starts_with("WFS-"))
        .count();
    outcome.plan.subject = format!(
        "workflow: move CCW sessions to sessions/ and archives/ ({sessions} session{})",
        if sessions == 1 { "" } else { "s" }
    );
    outcome.plan.body_summary = format!(
        "{} items moved to the current CCW layout.",
        outcome.items.len()
    );
    Ok(outcome)
}

fn move_session(snapshot: &dyn Tree, id: &str, outcome: &mut Outcome) -> Result<()> {
    outcome.processed += 1;
    let from = format!("{}/{id}", layout::WORKFLOW_DIR);
    let to = format!("{}/{id}", ccw::SESSIONS_DIR);
    if let Err(why) = layout::check_id(id) {
        outcome.failures.push(Failure {
            path: format!("{from}/"),
            reason: format!("{why}; rename it by hand"),
        });
        return Ok(());
    }
    if snapshot.exists(&to) {
        outcome.failures.push(Failure {
            path: format!("{from}/"),
            reason: format!("{to}/ exists too; keep one of the two (merge by hand), commit, then run `git workflow migrate` again"),
        });
        return Ok(());
    }
    for file in snapshot.files_under(&from)? {
        let target = format!("{to}{}", &file[from.len()..]);
        outcome.plan.actions.push(Action::Move {
            from: file,
            to: target,
        });
    }
    outcome
        .plan
        .body
        .push(format!("{id}: .workflow/{id}/ -> .workflow/sessions/{id}/"));
    outcome.items.push(Item {
        name: id.to_string(),
        from: format!("{from}/"),
        to: format!("{to}/"),
    });
    Ok(())
}

/// A marker goes; one that names a session found nowhere is an error naming both.
fn drop_marker(snapshot: &dyn Tree, marker: &str, id: &str, outcome: &mut Outcome) {
    outcome.processed += 1;
    let path = format!("{}/{marker}", layout::WORKFLOW_DIR);
    let old = format!("{}/{id}", layout::WORKFLOW_DIR);
    let new = format!("{}/{id}", ccw::SESSIONS_DIR);
    if !snapshot.exists(&old) && !snapshot.exists(&new) {
        outcome.failures.push(Failure {
            path: path.clone(),
            reason: format!(
                "{path} marks {id} active, but neither {old}/ nor {new}/ exists; delete the marker (`git rm {path}`) or restore the session, then run `git workflow migrate` again"
            ),
        });
        return;
    }
    outcome
        .plan
        .actions
        .push(Action::Delete { path: path.clone() });
    outcome.plan.body.push(format!(
        "{marker}: removed (active sessions are the ones in sessions/)"
    ));
    outcome.items.push(Item {
        name: marker.to_string(),
        from: path,
        to: String::new(),
    });
}

fn move_archives(snapshot: &dyn Tree, outcome: &mut Outcome) -> Result<()> {
    outcome.processed += 1;
    let mut clashes = Vec::new();
    let mut moves = Vec::new();
    for file in snapshot.files_under(ccw::LEGACY_ARCHIVES_DIR)? {
        let target = format!(
            "{}{}",
            ccw::ARCHIVES_DIR,
            &file[ccw::LEGACY_ARCHIVES_DIR.len()..]
        );
        if snapshot.exists(&target) {
            clashes.push(format!("{file} and {target}"));
        }
        moves.push(Action::Move {
            from: file,
            to: target,
        });
    }
    if !clashes.is_empty() {
        outcome.failures.push(Failure {
            path: format!("{}/", ccw::LEGACY_ARCHIVES_DIR),
            reason: format!(
                "both archive folders hold the same paths: {}; merge them by hand, commit, then run `git workflow migrate` again",
                clashes.join(", ")
            ),
        });
        return Ok(());
    }
    outcome.plan.actions.extend(moves);
    outcome
        .plan
        .body
        .push(".archives/ -> archives/ (manifest included)".into());
    outcome.items.push(Item {
        name: ".archives".into(),
        from: format!("{}/", ccw::LEGACY_ARCHIVES_DIR),
        to: format!("{}/", ccw::ARCHIVES_DIR),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MemTree;

    #[test]
    fn old_sessions_markers_and_archives_move_to_the_current_layout() {
        let tree = MemTree::new()
            .with(".workflow/WFS-auth/workflow-session.json", "{}")
            .with(".workflow/.active-WFS-auth", "")
            .with(".workflow/.archives/WFS-old/workflow-session.json", "{}");
        let outcome = plan(&tree, "").unwrap();
        assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        let after = tree
            .apply(&outcome.plan, &std::collections::BTreeMap::new())
            .unwrap();
        let paths: Vec<&str> = after.files().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                ".workflow/archives/WFS-old/workflow-session.json",
                ".workflow/sessions/WFS-auth/workflow-session.json",
            ]
        );
        assert!(plan(&after, "").unwrap().is_nothing_to_do());
    }

    #[test]
    fn a_session_already_in_sessions_is_a_failure_not_a_merge() {
        let tree = MemTree::new()
            .with(".workflow/WFS-auth/workflow-session.json", "{}")
            .with(".workflow/sessions/WFS-auth/workflow-session.json", "{}");
        let outcome = plan(&tree, "").unwrap();
        assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.items);
        assert_eq!(outcome.failures[0].path, ".workflow/WFS-auth/");
    }
}
