//! Properties over random flat-session layouts: nothing lost, migrate twice is
//! migrate once, and migrate then rollback is the identity on the tree.

use crate::support::TestRepo;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// One flat session a layout holds.
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

fn write_layout(repo: &TestRepo, sessions: &[Session]) -> BTreeMap<String, String> {
    let mut flat = BTreeMap::new();
    for s in sessions {
        let dir = format!(".workflow/versions/v{:03}", s.version);
        let ext = if s.yaml_ext { "yaml" } else { "yml" };
        let path = format!("{dir}/task_sessions/{}.{ext}", s.id);
        let text = session_text(s);
        repo.write(&path, &text);
        if s.has_definition {
            repo.write(
                &format!("{dir}/tasks/{}.yml", s.id),
                &format!("id: {}\n", s.id),
            );
        }
        flat.insert(format!("{dir}/task_sessions/{}", s.id), text);
    }
    repo.commit_all("random layout");
    flat
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn migrate_loses_nothing_is_idempotent_and_rolls_back_to_the_same_tree(sessions in layout()) {
        let repo = TestRepo::with_commit();
        let flat = write_layout(&repo, &sessions);
        let original = repo.rev("HEAD:.workflow");

        repo.wf(&["migrate"]).expect(0);
        for (folder, text) in &flat {
            prop_assert_eq!(&repo.read(&format!("{folder}/session.yml")), text);
            let snapshot = format!("{folder}/task.yml");
            prop_assert!(repo.exists(&snapshot), "{} missing", snapshot);
            let log = repo.read(&format!("{folder}/operations.log"));
            let entries = log.lines().filter(|l| l.contains(" UPDATE file: ")).count();
            prop_assert_eq!(entries, text.matches("type: update").count());
        }
        let tracked = repo.git(&["ls-files", ".workflow"]);
        let flat_left = tracked.lines().filter(|p| p.contains("/task_sessions/") && p.matches('/').count() == 4).count();
        prop_assert_eq!(flat_left, 0);
        prop_assert_eq!(repo.status(), "");

        let once = repo.rev("HEAD");
        repo.wf(&["migrate"]).expect(0);
        prop_assert_eq!(repo.rev("HEAD"), once);

        repo.wf(&["rollback"]).expect(0);
        prop_assert_eq!(repo.rev("HEAD:.workflow"), original);
        prop_assert_eq!(repo.status(), "");
    }
}

/// One CCW session of a random old layout: its slug, whether it has a marker, and
/// how many task files it holds.
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
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn the_ccw_migration_loses_nothing_and_rolls_back_to_the_same_tree((sessions, archived) in ccw_layout()) {
        prop_assume!(!sessions.is_empty() || !archived.is_empty());
        let repo = TestRepo::with_commit();
        let mut files = Vec::new();
        for (slug, marker, tasks) in &sessions {
            let dir = format!(".workflow/WFS-{slug}");
            repo.write(&format!("{dir}/workflow-session.json"), &format!("{{\"session_id\": \"WFS-{slug}\"}}\n"));
            files.push((format!("{dir}/workflow-session.json"), format!(".workflow/sessions/WFS-{slug}/workflow-session.json")));
            for t in 0..*tasks {
                repo.write(&format!("{dir}/.task/IMPL-{t}.json"), &format!("{{\"id\": \"IMPL-{t}\"}}\n"));
                files.push((format!("{dir}/.task/IMPL-{t}.json"), format!(".workflow/sessions/WFS-{slug}/.task/IMPL-{t}.json")));
            }
            if *marker {
                repo.write(&format!(".workflow/.active-WFS-{slug}"), "");
            }
        }
        for slug in &archived {
            let from = format!(".workflow/.archives/WFS-old-{slug}/workflow-session.json");
            repo.write(&from, "{}\n");
            files.push((from, format!(".workflow/archives/WFS-old-{slug}/workflow-session.json")));
        }
        repo.commit_all("ccw layout");
        let original = repo.rev("HEAD:.workflow");
        let contents: Vec<String> = files.iter().map(|(from, _)| repo.read(from)).collect();
        repo.wf(&["migrate"]).expect(0);
        for ((_, to), content) in files.iter().zip(&contents) {
            prop_assert_eq!(&repo.read(to), content);
        }
        let tracked = repo.git(&["ls-files", ".workflow"]);
        prop_assert!(!tracked.contains(".active-") && !tracked.contains(".archives/"), "{}", tracked);
        prop_assert!(tracked.lines().all(|p| !p.starts_with(".workflow/WFS-")), "{}", tracked);
        let once = repo.rev("HEAD");
        repo.wf(&["migrate"]).expect(0);
        prop_assert_eq!(repo.rev("HEAD"), once);
        repo.wf(&["rollback"]).expect(0);
        prop_assert_eq!(repo.rev("HEAD:.workflow"), original);
        prop_assert_eq!(repo.status(), "");
    }
}
