//! The Claude-Code-Workflow dialect (SPEC §1.3): its paths, its files (session,
//! tasks, plan, manifest, project file), the `ccw-sessions-dir` migration, sessions
//! started, listed and completed, and the rules that keep its old layouts out.

pub mod complete;
pub mod development;
pub mod files;
pub mod metrics;
pub mod migrate;
mod paths;
pub mod rules;
pub mod sessions;

pub use paths::*;
