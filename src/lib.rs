//! git-workflow: owns the `.workflow/` state folder of AI-agent workflow systems and
//! changes it only through ordinary, reviewable, revertable git commits.
//!
//! The layout of this crate is drawn in `DESIGN.md`: commands call the rooms; only
//! `repo` speaks git2; each dialect's paths, formats, planners and rules live in
//! its room under `dialects/`.

#![warn(missing_docs)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod dialects;
pub mod engine;
pub mod error;
pub mod fault;
pub mod formats;
pub mod hooks;
pub mod layout;
pub mod migrations;
pub mod parallel;
pub mod repo;
pub mod report;
pub mod rules;
