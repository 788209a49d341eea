//! What a rule is made of, shared by every dialect's rules and the rule engine
//! (`rules.rs`): a rule's id, a violation naming its path and fix, the paths a
//! change touches, and where rules read contents from.

use anyhow::Result;
use serde::Serialize;

/// A rule as `check` lists it and `git config workflow.check.<id>` switches it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The id: `flat-task-session`, ….
    pub id: &'static str,
    /// What it rejects, in one line.
    pub rejects: &'static str,
}

/// One broken rule at one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The rule's id.
    pub rule: &'static str,
    /// The path at fault.
    pub path: String,
    /// What is wrong, naming the path.
    pub message: String,
    /// What to run or do about it.
    pub fix: String,
}

/// A path the thing being checked adds, changes or removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    /// The repository path.
    pub path: String,
    /// False when the path is removed (it still matters to the folder it leaves).
    pub present: bool,
    /// Whether it is a symlink or a gitlink (a submodule), not a file: its content is
    /// never read.
    pub link: bool,
}

/// Where the rules read what they need beyond a path: a file's bytes, a folder's files.
pub trait Content {
    /// The bytes of a file, if there is one at `path`.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>>;
    /// The names of the files directly inside `folder`.
    fn files_in(&self, folder: &str) -> Result<Vec<String>>;
    /// Whether anything lies under `folder`.
    fn has_folder(&self, folder: &str) -> Result<bool>;
}
