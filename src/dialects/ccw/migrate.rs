//! CCW's two migrations (SPEC §3). `ccw-sessions-dir`: the old layout straight to the
//! target layout (`workflow.ccw.layout`): `.workflow/WFS-*/` into the target folder,
//! the `.active-*` markers gone (a marker-less session was inactive: it keeps its
//! status and the output says so; one with no `workflow-session.json` gets one that
//! says `paused`, or the move would make it active), `.workflow/.archives/` into `archives/`, and every
//! `archive_path` that pointed into `.archives/` rewritten as text.
//! `ccw-active-dir` (target `active` only): `sessions/WFS-*/` into `active/`, CCW 7's
//! other `sessions/` content left where it is. Every file moves as the same blob.

use std::collections::BTreeMap;

use crate::dialects::ccw::{self, files};
use crate::engine::Action;
use crate::engine::Tree;
use crate::engine::migration::{Failure, Item, Migration, Outcome, Settings};
use crate::layout::{self, CcwLayout};
use crate::repo::EntryKind;
use anyhow::Result;

/// The registry entry of `ccw-sessions-dir`.
pub const MIGRATION: Migration = Migration {
    name: "ccw-sessions-dir",
    about: "old-layout CCW sessions move into the target layout, .active-* markers go, .archives/ becomes archives/",
    plan,
};

/// The registry entry of `ccw-active-dir`.
pub const ACTIVE_MIGRATION: Migration = Migration {
    name: "ccw-active-dir",
    about: "CCW sessions in sessions/ move into active/, where CCW's code reads them",
    plan: plan_active,
};

/// Plans the move of every old-layout session, marker and archive.
pub fn plan(snapshot: &dyn Tree, settings: &Settings) -> Result<Outcome> {
    let mut outcome = Outcome::for_migration(MIGRATION.name);
    let places = SessionPlaces::of(snapshot)?;
    let top = snapshot.list(layout::WORKFLOW_DIR)?;
    let markers: Vec<&str> = top
        .iter()
        .filter_map(|e| e.name.strip_prefix(ccw::ACTIVE_MARKER_PREFIX))
        .collect();
    for entry in &top {
        if entry.name.starts_with("WFS-") && entry.kind == EntryKind::Dir {
            let active = markers.contains(&entry.name.as_str());
            move_session(
                snapshot,
                &places,
                &entry.name,
                active,
                settings.ccw,
                &mut outcome,
            )?;
        }
    }
    for entry in &top {
        if let Some(id) = entry.name.strip_prefix(ccw::ACTIVE_MARKER_PREFIX) {
            drop_marker(snapshot, &entry.name, id, settings.ccw, &mut outcome);
        }
    }
    if top
        .iter()
        .any(|e| e.name == ".archives" && e.kind == EntryKind::Dir)
    {
        move_archives(snapshot, &places, &mut outcome)?;
    }
    rewrite_archive_paths(snapshot, &mut outcome)?;
    let sessions = outcome
        .items
        .iter()
        .filter(|i| i.name.starts_with("WFS-"))
        .count();
    let target = settings.ccw.name();
    outcome.plan.subject = format!(
        "workflow: move CCW sessions to {target}/ and archives/ ({})",
        layout::count(sessions, "session")
    );
    outcome.plan.body_summary = format!(
        "{} items moved to the CCW layout `{target}`.",
        outcome.items.len()
    );
    Ok(outcome)
}

/// Plans `sessions/WFS-*/` → `active/WFS-*/` when the target is `active`.
pub fn plan_active(snapshot: &dyn Tree, settings: &Settings) -> Result<Outcome> {
    let mut outcome = Outcome::for_migration(ACTIVE_MIGRATION.name);
    if settings.ccw != CcwLayout::Active {
        return Ok(outcome);
    }
    let places = SessionPlaces::of(snapshot)?;
    for entry in snapshot.list(ccw::SESSIONS_DIR)? {
        if entry.kind != EntryKind::Dir || !ccw::is_session_id(&entry.name) {
            continue;
        }
        outcome.processed += 1;
        let from = format!("{}/{}", ccw::SESSIONS_DIR, entry.name);
        if let Some(failure) = places.elsewhere(&entry.name, &from, OLD_REPORTED) {
            outcome.failures.push(failure);
            continue;
        }
        let to = format!("{}/{}", ccw::ACTIVE_DIR, entry.name);
        move_folder(snapshot, &from, &to, &mut outcome)?;
        outcome.plan.carry.push((from.clone(), to.clone()));
        outcome
            .plan
            .body
            .push(format!("{}: {from}/ -> {to}/", entry.name));
        outcome.items.push(Item {
            name: entry.name.clone(),
            from: format!("{from}/"),
            to: format!("{to}/"),
        });
    }
    let n = outcome.items.len();
    outcome.plan.subject = format!(
        "workflow: move CCW sessions from sessions/ to active/ ({})",
        layout::count(n, "session")
    );
    outcome.plan.body_summary =
        format!("{n} sessions moved to active/, where CCW's code reads them.");
    Ok(outcome)
}

/// `ccw-active-dir` leaves twins in the old layout to `ccw-sessions-dir`'s report.
const OLD_REPORTED: bool = true;

/// Where each session id (lower-cased) has a folder: the old layout, `sessions/`,
/// `active/`, `archives/`, `.archives/`.
struct SessionPlaces(BTreeMap<String, Vec<String>>);

impl SessionPlaces {
    fn of(snapshot: &dyn Tree) -> Result<Self> {
        let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for dir in [
            layout::WORKFLOW_DIR,
            ccw::SESSIONS_DIR,
            ccw::ACTIVE_DIR,
            ccw::ARCHIVES_DIR,
            ccw::LEGACY_ARCHIVES_DIR,
        ] {
            for entry in snapshot.list(dir)? {
                let named = entry.name.to_ascii_lowercase().starts_with("wfs-");
                if entry.kind == EntryKind::Dir && named {
                    let place = format!("{dir}/{}", entry.name);
                    found
                        .entry(entry.name.to_lowercase())
                        .or_default()
                        .push(place);
                }
            }
        }
        Ok(Self(found))
    }

    /// The failure when `id` has a folder besides `here` (case-insensitively): CCW
    /// would see one session twice, and a move would mix them. `skip_old` leaves out
    /// a twin in the old layout, which `ccw-sessions-dir` reports already.
    fn elsewhere(&self, id: &str, here: &str, skip_old: bool) -> Option<Failure> {
        let old = |place: &str| place.matches('/').count() == 1;
        let other = self
            .0
            .get(&id.to_lowercase())?
            .iter()
            .find(|place| place.as_str() != here && !(skip_old && old(place)))?;
        Some(Failure {
            path: format!("{here}/"),
            reason: format!(
                "{id} is in two places: {here}/ and {other}/; keep one (`git rm -r` the other, or merge them by hand), commit, then run `git workflow migrate` again"
            ),
        })
    }
}

/// Every file under `from` moved to the same path under `to`.
fn move_folder(snapshot: &dyn Tree, from: &str, to: &str, outcome: &mut Outcome) -> Result<()> {
    for file in snapshot.files_under(from)? {
        let target = format!("{to}{}", &file[from.len()..]);
        outcome.plan.actions.push(Action::Move {
            from: file,
            to: target,
        });
    }
    Ok(())
}

fn move_session(
    snapshot: &dyn Tree,
    places: &SessionPlaces,
    id: &str,
    active: bool,
    target: CcwLayout,
    outcome: &mut Outcome,
) -> Result<()> {
    outcome.processed += 1;
    let from = format!("{}/{id}", layout::WORKFLOW_DIR);
    let to = format!("{}/{id}", target.dir());
    if let Err(why) = layout::check_id(id) {
        outcome.failures.push(Failure {
            path: format!("{from}/"),
            reason: format!("{why}; rename it by hand"),
        });
        return Ok(());
    }
    if let Some(failure) = places.elsewhere(id, &from, false) {
        outcome.failures.push(failure);
        return Ok(());
    }
    move_folder(snapshot, &from, &to, outcome)?;
    outcome.plan.carry.push((from.clone(), to.clone()));
    let session_json = format!("{from}/{}", ccw::SESSION_JSON);
    let inactive = match (active, snapshot.exists(&session_json)) {
        (true, _) => "",
        (false, true) => " (inactive: it had no .active- marker; its status is kept)",
        (false, false) => {
            outcome.plan.actions.push(Action::Write {
                path: format!("{to}/{}", ccw::SESSION_JSON),
                bytes: files::paused_session(id).into_bytes(),
                executable: false,
            });
            " (inactive: it had no .active- marker and no workflow-session.json; a new one says \"paused\", so that it is not taken for active)"
        }
    };
    outcome
        .plan
        .body
        .push(format!("{id}: {from}/ -> {to}/{inactive}"));
    outcome.items.push(Item {
        name: format!("{id}{}", if active { "" } else { " (inactive)" }),
        from: format!("{from}/"),
        to: format!("{to}/"),
    });
    Ok(())
}

/// A marker goes; one that names a session found nowhere is an error naming both.
fn drop_marker(
    snapshot: &dyn Tree,
    marker: &str,
    id: &str,
    target: CcwLayout,
    outcome: &mut Outcome,
) {
    outcome.processed += 1;
    let path = format!("{}/{marker}", layout::WORKFLOW_DIR);
    let old = format!("{}/{id}", layout::WORKFLOW_DIR);
    let new = format!("{}/{id}", target.dir());
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
        "{marker}: removed (active sessions are the ones in {}/)",
        target.name()
    ));
    outcome.items.push(Item {
        name: marker.to_string(),
        from: path,
        to: String::new(),
    });
}

fn move_archives(snapshot: &dyn Tree, places: &SessionPlaces, outcome: &mut Outcome) -> Result<()> {
    outcome.processed += 1;
    let mut clashes = Vec::new();
    for entry in snapshot.list(ccw::LEGACY_ARCHIVES_DIR)? {
        let here = format!("{}/{}", ccw::LEGACY_ARCHIVES_DIR, entry.name);
        if entry.kind == EntryKind::Dir
            && entry.name.starts_with("WFS-")
            && let Some(failure) = places.elsewhere(&entry.name, &here, false)
        {
            outcome.failures.push(failure);
        }
    }
    for entry in snapshot.list(ccw::LEGACY_ARCHIVES_DIR)? {
        if entry.kind == EntryKind::Dir && ccw::is_session_id(&entry.name) {
            outcome.plan.carry.push((
                format!("{}/{}", ccw::LEGACY_ARCHIVES_DIR, entry.name),
                format!("{}/{}", ccw::ARCHIVES_DIR, entry.name),
            ));
        }
    }
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

/// Every `archive_path` into `.archives/` in the manifest (where it lands) and the
/// project files, rewritten as a text edit of the same file.
fn rewrite_archive_paths(snapshot: &dyn Tree, outcome: &mut Outcome) -> Result<()> {
    let legacy_manifest = format!("{}/manifest.json", ccw::LEGACY_ARCHIVES_DIR);
    let files = [
        (legacy_manifest.as_str(), ccw::MANIFEST),
        (ccw::MANIFEST, ccw::MANIFEST),
        (ccw::PROJECT_JSON, ccw::PROJECT_JSON),
        (ccw::PROJECT_TECH_JSON, ccw::PROJECT_TECH_JSON),
    ];
    for (read_from, written_to) in files {
        let Some(bytes) = snapshot.read(read_from)? else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let Some(rewritten) = files::rewrite_archive_paths(text) else {
            continue;
        };
        let moved = read_from != written_to;
        if moved {
            outcome
                .plan
                .actions
                .retain(|a| !matches!(a, Action::Move { from, .. } if from == read_from));
            outcome.plan.actions.push(Action::Delete {
                path: read_from.to_string(),
            });
        } else {
            outcome.processed += 1;
            outcome.items.push(Item {
                name: format!("archive paths in {written_to}"),
                from: written_to.to_string(),
                to: written_to.to_string(),
            });
        }
        outcome.plan.actions.push(Action::Write {
            path: written_to.to_string(),
            bytes: rewritten.into_bytes(),
            executable: false,
        });
        outcome.plan.body.push(format!(
            "{written_to}: archive_path values .workflow/.archives/… -> .workflow/archives/…"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MemTree;

    fn settings(ccw: CcwLayout) -> Settings {
        Settings {
            now: String::new(),
            ccw,
        }
    }

    #[test]
    fn old_sessions_markers_and_archives_move_to_the_target_layout() {
        let tree = MemTree::new()
            .with(".workflow/WFS-auth/workflow-session.json", "{}")
            .with(".workflow/.active-WFS-auth", "")
            .with(".workflow/WFS-idle/workflow-session.json", "{}")
            .with(
                ".workflow/.archives/manifest.json",
                "[{\"archive_path\": \".workflow/.archives/WFS-old\"}]",
            )
            .with(".workflow/.archives/WFS-old/workflow-session.json", "{}");
        for (target, dir) in [
            (CcwLayout::Active, "active"),
            (CcwLayout::Sessions, "sessions"),
        ] {
            let outcome = plan(&tree, &settings(target)).unwrap();
            assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
            let after = tree
                .apply(&outcome.plan, &std::collections::BTreeMap::new())
                .unwrap();
            let paths: std::collections::BTreeSet<String> =
                after.files().map(|(p, _)| p.to_string()).collect();
            let expected = [
                ".workflow/archives/WFS-old/workflow-session.json".to_string(),
                ".workflow/archives/manifest.json".to_string(),
                format!(".workflow/{dir}/WFS-auth/workflow-session.json"),
                format!(".workflow/{dir}/WFS-idle/workflow-session.json"),
            ];
            assert_eq!(paths, expected.into_iter().collect());
            assert_eq!(
                after
                    .read(".workflow/archives/manifest.json")
                    .unwrap()
                    .unwrap(),
                b"[{\"archive_path\": \".workflow/archives/WFS-old\"}]"
            );
            assert!(
                outcome
                    .items
                    .iter()
                    .any(|i| i.name == "WFS-idle (inactive)")
            );
            assert!(plan(&after, &settings(target)).unwrap().is_nothing_to_do());
        }
    }

    #[test]
    fn an_id_in_two_places_is_a_failure_naming_both_whatever_the_case() {
        let tree = MemTree::new()
            .with(".workflow/WFS-auth/workflow-session.json", "{}")
            .with(".workflow/archives/wfs-AUTH/workflow-session.json", "{}");
        let outcome = plan(&tree, &settings(CcwLayout::Active)).unwrap();
        assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.items);
        assert!(
            outcome.failures[0]
                .reason
                .contains(".workflow/archives/wfs-AUTH/")
        );
    }

    #[test]
    fn sessions_move_to_active_and_the_rest_of_sessions_stays() {
        let tree = MemTree::new()
            .with(".workflow/sessions/WFS-a/IMPL_PLAN.md", "# A")
            .with(".workflow/sessions/WFR-run-1/state.json", "{}")
            .with(".workflow/sessions/state.json", "{}");
        let outcome = plan_active(&tree, &settings(CcwLayout::Active)).unwrap();
        let after = tree
            .apply(&outcome.plan, &std::collections::BTreeMap::new())
            .unwrap();
        let paths: Vec<&str> = after.files().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                ".workflow/active/WFS-a/IMPL_PLAN.md",
                ".workflow/sessions/WFR-run-1/state.json",
                ".workflow/sessions/state.json",
            ]
        );
        assert!(
            plan_active(&tree, &settings(CcwLayout::Sessions))
                .unwrap()
                .is_nothing_to_do()
        );
    }
}
