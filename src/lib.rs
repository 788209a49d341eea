//! git-workflow: owns the `.workflow/` state folder of AI-agent workflow systems and
//! changes it only through ordinary, reviewable, revertable git commits.
//!
//! The layout of this crate is drawn in `DESIGN.md`: commands call the rooms; only
//! `repo` speaks git2, only `formats` knows file syntax, only `layout` knows paths.

pub mod cli;
pub mod commands;
pub mod engine;
pub mod error;
pub mod fault;
pub mod formats;
pub mod graph;
pub mod history;
pub mod hooks;
pub mod layout;
pub mod migrations;
pub mod repo;
pub mod report;
pub mod rollback;
pub mod rules;
pub mod sessions;
pub mod task_sessions;
