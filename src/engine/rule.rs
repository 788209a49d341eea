//! What a rule is made of, shared by every dialect's rules and the rule engine
//! (`rules.rs`): a rule's id, a violation naming its path and fix, the paths a
//! change touches, and where rules read contents from.

use anyhow::Result;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;

use crate::repo::{GitError, Oid};

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
    /// The blob at `path` when the reader knows it without reading anything: the
    /// key under which a verdict on its bytes is kept ([`Verdicts`]).
    fn blob_id(&self, _path: &str) -> Option<Oid> {
        None
    }
}

/// The syntax verdicts one run has reached, by blob: a push that carries one blob
/// at a million paths, or in a thousand commits, has it parsed once (SPEC §7).
/// Keyed by the blob and how it was read (`"json"`, `"yaml"`, `"graph"`); the
/// verdict is what is wrong with it, with [`PATH_MARK`] where its path goes.
#[derive(Debug, Default)]
pub struct Verdicts {
    seen: RefCell<HashMap<(Oid, &'static str), Option<String>>>,
}

/// Where a kept verdict names the path it was reached at: the same blob at
/// another path gets the same words with its own path.
pub const PATH_MARK: &str = "\u{0}path\u{0}";

impl Verdicts {
    /// The verdict reached on `id` read as `how`, if any yet.
    fn get(&self, id: Oid, how: &'static str) -> Option<Option<String>> {
        self.seen.borrow().get(&(id, how)).cloned()
    }

    /// Keeps a verdict.
    fn put(&self, id: Oid, how: &'static str, verdict: Option<String>) {
        self.seen.borrow_mut().insert((id, how), verdict);
    }

    /// The verdict on the file at `path` read as `how`: kept from an earlier
    /// path holding the same blob, else `judge(path, bytes)` (given [`PATH_MARK`]
    /// for the path, to keep), or `None` when there is no file. A blob refused
    /// from its header is judged by that refusal.
    pub fn judge(
        &self,
        path: &str,
        content: &dyn Content,
        how: &'static str,
        judge: &dyn Fn(&str, &[u8]) -> Option<String>,
    ) -> Result<Option<String>> {
        let id = content.blob_id(path);
        let kept = match id.and_then(|id| self.get(id, how)) {
            Some(kept) => kept,
            None => {
                let verdict = match content.read(path) {
                    Ok(None) => return Ok(None),
                    Ok(Some(bytes)) => judge(PATH_MARK, &bytes),
                    Err(e) => Some(unread_because(&e).ok_or(e)?),
                };
                if let Some(id) = id {
                    self.put(id, how, verdict.clone());
                }
                verdict
            }
        };
        Ok(kept.map(|words| words.replace(PATH_MARK, path)))
    }
}

/// What is wrong with a file that was refused from its blob's header alone,
/// unread (over the size limit), when that is why `err` stopped a read.
fn unread_because(err: &anyhow::Error) -> Option<String> {
    match err.downcast_ref::<GitError>() {
        Some(too_large @ GitError::BlobTooLarge { .. }) => Some(too_large.to_string()),
        _ => None,
    }
}
