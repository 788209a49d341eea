//! Both migrations over random layouts: nothing lost, twice is once, rollback is the
//! identity on the tree.

use super::{CASES, apply, roll_back};
use git_workflow::dialects::{ccw, guardrail};
use git_workflow::engine::{MemTree, Tree};
use git_workflow::migrations;
use proptest::prelude::*;
use std::collections::BTreeMap;

const NOW: &str = "2026-01-01T00:00:00Z";

fn settings() -> migrations::Settings {
    migrations::Settings {
        now: NOW.into(),
        ..migrations::Settings::default()
    }
}

/// One flat task session of a random guardrail layout.
#[derive(Debug, Clone)]
struct Session {
    version: u8,
    id: String,
    yaml_ext: bool,
    has_definition: bool,
    operations: u8,
}

fn session() -> impl Strategy<Value = Session> {
    (
        1u8..=3,
        "[a-z][a-z0-9_]{0,8}",
        any::<bool>(),
        any::<bool>(),
        0u8..3,
    )
        .prop_map(
            |(version, id, yaml_ext, has_definition, operations)| Session {
                version,
                id,
                yaml_ext,
                has_definition,
                operations,
            },
        )
}

/// Sessions keyed by (version, id) so that no two collide.
fn layout() -> impl Strategy<Value = Vec<Session>> {
    prop::collection::vec(session(), 1..12).prop_map(|all| {
        let unique: BTreeMap<(u8, String), Session> = all
            .into_iter()
            .map(|s| ((s.version, s.id.clone()), s))
            .collect();
        unique.into_values().collect()
    })
}

fn session_text(s: &Session) -> String {
    let mut text = format!("task_id: {}\nstatus: completed\noperations:\n", s.id);
    for i in 0..s.operations {
        text.push_str(&format!(
            "  - type: update\n    target_type: file\n    target_id: f{i}\n    timestamp: '2025-01-0{}T00:00:00'\n",
            i + 1
        ));
    }
    if s.operations == 0 {
        text.push_str("  []\n");
    }
    text
}

/// The layout as a tree, and each session's folder-to-be with its text.
fn guardrail_tree(sessions: &[Session]) -> (MemTree, BTreeMap<String, String>) {
    let mut tree = MemTree::new().with("README.md", "project\n");
    let mut flat = BTreeMap::new();
    for s in sessions {
        let dir = format!(".workflow/versions/v{:03}", s.version);
        let ext = if s.yaml_ext { "yaml" } else { "yml" };
        let text = session_text(s);
        tree.insert(
            &format!("{dir}/task_sessions/{}.{ext}", s.id),
            text.clone().into_bytes(),
            false,
        );
        if s.has_definition {
            tree.insert(
                &format!("{dir}/tasks/{}.yml", s.id),
                format!("id: {}\n", s.id).into_bytes(),
                false,
            );
        }
        flat.insert(format!("{dir}/task_sessions/{}", s.id), text);
    }
    (tree, flat)
}

fn text(tree: &MemTree, path: &str) -> String {
    let bytes = tree
        .read(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path} missing"));
    String::from_utf8(bytes).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, .. ProptestConfig::default() })]

    #[test]
    fn task_session_dirs_loses_nothing_is_idempotent_and_rolls_back(sessions in layout()) {
        let (before, flat) = guardrail_tree(&sessions);
        let outcome = guardrail::migrate::plan(&before, &settings()).unwrap();
        prop_assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        prop_assert_eq!(outcome.items.len(), sessions.len());
        let after = apply(&before, &outcome.plan);
        for (folder, session) in &flat {
            prop_assert_eq!(&text(&after, &format!("{folder}/session.yml")), session);
            let snapshot = format!("{folder}/task.yml");
            prop_assert!(after.exists(&snapshot), "{} missing", snapshot);
            let log = text(&after, &format!("{folder}/operations.log"));
            let entries = log.lines().filter(|l| l.contains(" UPDATE file: ")).count();
            prop_assert_eq!(entries, session.matches("type: update").count());
        }
        let flat_left = after
            .files()
            .filter(|(p, _)| p.contains("/task_sessions/") && p.matches('/').count() == 4)
            .count();
        prop_assert_eq!(flat_left, 0);
        let again = guardrail::migrate::plan(&after, &settings()).unwrap();
        prop_assert!(again.is_nothing_to_do(), "{:?}", again.items);
        prop_assert_eq!(roll_back(&before, &after, &outcome.plan), before);
    }
}

/// A random CCW old layout: sessions (slug, marker, task files) and archived slugs.
fn ccw_layout() -> impl Strategy<Value = (Vec<(String, bool, u8)>, Vec<String>)> {
    (
        prop::collection::btree_map("[a-z][a-z0-9]{0,6}", (any::<bool>(), 0u8..3), 0..6).prop_map(
            |m| {
                m.into_iter()
                    .map(|(k, (marker, tasks))| (k, marker, tasks))
                    .collect()
            },
        ),
        prop::collection::btree_set("[a-z][a-z0-9]{0,6}", 0..4)
            .prop_map(|s| s.into_iter().collect()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, .. ProptestConfig::default() })]

    #[test]
    fn ccw_sessions_dir_loses_nothing_is_idempotent_and_rolls_back((sessions, archived) in ccw_layout()) {
        prop_assume!(!sessions.is_empty() || !archived.is_empty());
        let mut before = MemTree::new().with("README.md", "project\n");
        let mut moves = Vec::new();
        for (slug, marker, tasks) in &sessions {
            let dir = format!(".workflow/WFS-{slug}");
            let to = format!(".workflow/active/WFS-{slug}");
            let json = format!("{{\"session_id\": \"WFS-{slug}\"}}\n");
            before.insert(&format!("{dir}/workflow-session.json"), json.into_bytes(), false);
            moves.push((format!("{dir}/workflow-session.json"), format!("{to}/workflow-session.json")));
            for t in 0..*tasks {
                let task = format!("{{\"id\": \"IMPL-{t}\"}}\n");
                before.insert(&format!("{dir}/.task/IMPL-{t}.json"), task.into_bytes(), false);
                moves.push((format!("{dir}/.task/IMPL-{t}.json"), format!("{to}/.task/IMPL-{t}.json")));
            }
            if *marker {
                before.insert(&format!(".workflow/.active-WFS-{slug}"), Vec::new(), false);
            }
        }
        for slug in &archived {
            let from = format!(".workflow/.archives/WFS-old-{slug}/workflow-session.json");
            before.insert(&from, b"{}\n".to_vec(), false);
            moves.push((from, format!(".workflow/archives/WFS-old-{slug}/workflow-session.json")));
        }
        let outcome = ccw::migrate::plan(&before, &settings()).unwrap();
        prop_assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        let after = apply(&before, &outcome.plan);
        for (from, to) in &moves {
            prop_assert_eq!(after.read(to).unwrap(), before.read(from).unwrap());
        }
        prop_assert!(after.files().all(|(p, _)| !p.contains(".active-")
            && !p.contains(".archives/")
            && !p.starts_with(".workflow/WFS-")));
        let again = ccw::migrate::plan(&after, &settings()).unwrap();
        prop_assert!(again.is_nothing_to_do(), "{:?}", again.items);
        prop_assert_eq!(roll_back(&before, &after, &outcome.plan), before);
    }
}
