//! The guardrail dialect (SPEC §1.1): versioned task sessions, their file formats
//! (`session.yml`, the `task.yml` snapshot, `operations.log`), the
//! `task-session-dirs` migration, version and task commands, and its rules.

pub mod migrate;
pub mod operations_log;
mod paths;
pub mod rules;
pub mod task_session;
pub mod task_snapshot;
pub mod versions;

pub use paths::*;
