//! The graph migration over random v01 graphs: the result passes agentrelay's
//! check, a second migration changes nothing, and rollback gives the text back.

use super::{CASES, apply, roll_back};
use git_workflow::dialects::agentrelay::{check, migration};
use git_workflow::engine::{MemTree, Tree};
use proptest::prelude::*;

/// A v01 graph: tasks in order, each depending on some earlier ones, some with a
/// model of their own; a `keep_panes` line and a comment.
fn v01() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((any::<u8>(), any::<bool>()), 1..12),
        any::<bool>(),
    )
        .prop_map(|(tasks, keep_panes)| {
            let mut text = String::from(
                "# generated graph\nname: build\ntarget_repo: /src/app\ntmux_session: agents\n",
            );
            if keep_panes {
                text.push_str("keep_panes: true\n");
            }
            text.push_str("tasks:\n");
            for (i, (deps, model)) in tasks.iter().enumerate() {
                text.push_str(&format!("  - id: t{i}\n"));
                if *model {
                    text.push_str("    model: m   # keep this task's model\n");
                }
                let earlier: Vec<String> = (0..i)
                    .filter(|j| deps >> (j % 8) & 1 == 1)
                    .map(|j| format!("t{j}"))
                    .collect();
                if !earlier.is_empty() {
                    text.push_str(&format!("    dependencies: [{}]\n", earlier.join(", ")));
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, .. ProptestConfig::default() })]

    #[test]
    fn graph_migration_gives_a_valid_graph_once_and_rolls_back(text in v01()) {
        let paths = vec!["graphs/g.yaml".to_string()];
        let before = MemTree::new().with(&paths[0], text.clone());
        let planned = migration::plan(&before, &paths).unwrap();
        let plan = planned.plan.expect("a v01 graph migrates");
        let after = apply(&before, &plan);
        let migrated = String::from_utf8(after.read(&paths[0]).unwrap().unwrap()).unwrap();
        let verdict = check::check(&paths[0], &migrated);
        prop_assert!(verdict.error.is_none(), "{:?}\n{}", verdict.error, migrated);
        let again = migration::plan(&after, &paths).unwrap();
        prop_assert!(again.plan.is_none(), "a second migration changes nothing");
        prop_assert_eq!(roll_back(&before, &after, &plan), before);
    }
}
