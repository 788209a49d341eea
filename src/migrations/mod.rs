//! The registry of the named, ordered migrations of SPEC §3. Each is a pure planner
//! in its dialect's room: given `HEAD`'s tree and the time, it returns what it would
//! do, item by item, and the plan. `adopt` is the one that reads the work tree.

pub mod adopt;

use crate::dialects::{ccw, guardrail};
pub use crate::engine::migration::{Failure, Item, Migration, Outcome, Settings};

/// Every migration, in the order `migrate` runs them.
pub const ALL: &[Migration] = &[
    guardrail::migrate::MIGRATION,
    ccw::migrate::MIGRATION,
    ccw::migrate::ACTIVE_MIGRATION,
];

/// The migration called `name`.
pub fn find(name: &str) -> Option<&'static Migration> {
    ALL.iter().find(|m| m.name == name)
}

/// The names of every migration, for error messages.
pub fn names() -> String {
    ALL.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}
