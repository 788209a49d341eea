//! The engine every dialect shares: plan → commit → materialise (DESIGN.md).
//!
//! A planner returns a [`Plan`]; [`execute`] turns it into a commit built from
//! `HEAD`'s tree, moves the branch by compare-and-swap, then brings the touched paths
//! of the work tree and index up to date. A journal in the git dir, written before the
//! branch moves and removed after materialising, lets [`Guard::acquire`] finish an
//! interrupted run; a lock file held with an OS lock keeps two runs from interleaving
//! and dies with its process.

mod execute;
pub mod history;
mod journal;
mod lock;
pub mod migration;
mod plan;
mod preflight;
pub mod rollback;
pub mod rule;
mod tree;
pub mod verify;

pub use execute::{execute, refuse_work_tree_conflicts};
pub use journal::Recovery;
pub use lock::{Guard, finish_interrupted};
pub use plan::{Action, Clean, MAX_BODY_LINES, Plan};
pub use preflight::{Base, Tracking, preflight, require_clean};
pub use tree::{MemTree, Tree, WithFolder};
