//! Properties of the planners, run in-process over in-memory trees (no repository,
//! no binary), so that each runs thousands of cases: nothing lost, a migration run
//! twice is run once, and undoing an operation gives back the tree it started from.
//! The same properties over real repositories, through the binary, are in
//! `tests/cli/` (`rollback.rs`, `completion_props.rs`).

mod completion;
mod graphs;
mod migrations;

use git_workflow::dialects::ccw::complete;
use git_workflow::engine::history::Operation;
use git_workflow::engine::rollback;
use git_workflow::engine::{MemTree, Plan};
use git_workflow::repo::hash_blob;

/// Cases per property: CI runs every property this many times.
const CASES: u32 = 2_000;

/// The tree a plan's commit would have, as the executor builds it.
fn apply(tree: &MemTree, plan: &Plan) -> MemTree {
    tree.apply(plan, &tree.blobs())
        .unwrap_or_else(|e| panic!("the plan does not apply: {e}"))
}

/// The tree after rolling back the operation that took `before` to `after`.
fn roll_back(before: &MemTree, after: &MemTree, plan: &Plan) -> MemTree {
    let (removed, added) = before.changed_files(after);
    let op = Operation {
        id: hash_blob(b"the operation"),
        parents: 1,
        time: 0,
        subject: plan.subject.clone(),
        operation: plan.operation.clone(),
        trailers: plan.trailers.clone(),
        reverts: None,
        rolled_back_by: None,
    };
    let revert = rollback::revert(
        &op,
        &removed,
        &added,
        std::slice::from_ref(&op),
        &complete::moved_whole,
    )
    .unwrap();
    after
        .apply(&revert, &before.blobs())
        .unwrap_or_else(|e| panic!("the revert does not apply: {e}"))
}
