//! Every `git config` key the tool reads, with its default, in one place (as
//! git-absorb's `config.rs`): a new setting is added here, and `README.md` lists
//! these. Values are read the way git reads them (`Repo::config_*`).

use anyhow::Result;

use crate::engine::rule::Rule;
use crate::error;
use crate::layout::{CcwLayout, Globs};
use crate::repo::Repo;

/// Globs of the task-graph files the check and `graph migrate` cover, separated by
/// spaces or commas. Default: none (only `.workflow/` is checked).
pub const GRAPHS: &str = "workflow.graphs";

/// `workflow.ccw.layout`: where CCW's active sessions go, `active` (default) or
/// `sessions` (SPEC §1.3).
pub const CCW_LAYOUT: &str = CcwLayout::KEY;

/// The CCW target layout of this repository; a value that names neither is refused.
pub fn ccw_layout(repo: &Repo) -> Result<CcwLayout> {
    let Some(value) = repo.config_string(CCW_LAYOUT)? else {
        return Ok(CcwLayout::default());
    };
    CcwLayout::parse(&value).ok_or_else(|| {
        error::refused(
            format!("git config {CCW_LAYOUT} is {value:?}, which names no CCW layout"),
            format!("set it to `active` (what CCW's code reads) or `sessions` (the seed-era prompts): `git config {CCW_LAYOUT} active`"),
        )
    })
}

/// `workflow.check.<rule>`: `false` switches one rule off. Default: every rule on.
pub const CHECK_PREFIX: &str = "workflow.check.";

/// git's own hooks folder setting, which `hooks install` honours. Default: the
/// common git dir's `hooks/`.
pub const HOOKS_PATH: &str = "core.hooksPath";

/// The task-graph globs of `workflow.graphs`; none when it is unset.
pub fn graph_globs(repo: &Repo) -> Result<Globs> {
    parse_graph_globs(repo.config_string(GRAPHS)?)
}

/// The globs a `workflow.graphs` value lists (space- or comma-separated).
pub fn parse_graph_globs(value: Option<String>) -> Result<Globs> {
    let patterns: Vec<String> = value
        .map(|v| {
            v.split([' ', ','])
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Globs::new(&patterns).map_err(|why| {
        error::refused(
            format!("git config {GRAPHS}: {why}"),
            format!("set it to globs such as `git config {GRAPHS} 'graphs/**/*.yaml'`"),
        )
    })
}

/// The key that switches `rule` on or off.
pub fn check_key(rule: &Rule) -> String {
    format!("{CHECK_PREFIX}{}", rule.id)
}
