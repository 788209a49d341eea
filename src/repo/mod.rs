//! The git room: the only code that speaks git2. Split by git concept, as
//! git-branchless's `git/` is, behind this curated face:
//!
//! - `reference`: `HEAD`, branches, compare-and-swap, the operation in progress
//! - `tree`: snapshots of a commit's tree; `tree_edit`: trees built by path edits
//! - `object`: blobs, hashing, one pack per operation (`pack` encodes it)
//! - `commit`: commits written by git itself, hooks and signing included; `log`:
//!   commits read back
//! - `cli`: git run as a child process, for what must be done exactly as git does;
//!   `hook_dir`: where git looks for a hook, so that no process runs an absent one
//! - `diff`: what changed between two commits
//! - `status`: local changes, ignore rules, the index under a folder
//! - `checkout`: the work tree and index brought from one commit to another
//!   (`index_update`, `index/` read and splice the index file)
//! - `worktree`, `folder`: files read from the work tree as `git add` reads them
//! - `perms`: `core.sharedRepository` on every file written in the git dir
//! - `filters`: bytes cleaned and smudged by git (autocrlf, attributes, LFS)
//!
//! Everything above this room sees repository paths as `/`-separated strings and
//! object ids as [`Oid`]; nothing above it knows libgit2 exists. It knows nothing
//! of `.workflow/` either, and words no fix: its refusals are [`GitError`]s, which
//! the command layer (`crate::error`) turns into messages and hints.

use anyhow::{Context, Result};
use git2::{ErrorCode, Repository};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

mod checkout;
mod clean;
mod cli;
mod commit;
mod diff;
mod error;
mod filters;
mod folder;
mod fsync;
mod hash;
mod hook_dir;
mod index;
mod index_lock;
mod index_update;
mod log;
mod object;
mod pack;
mod perms;
mod reference;
mod status;
#[cfg(test)]
mod test_git;
mod tree;
mod tree_edit;
mod worktree;

pub use checkout::EarlyIndex;
pub use cli::{config_by_git, staged_paths_by_git};
pub use diff::{ChangedFile, ChangedPath, Descend, RangeChanges};
pub use error::GitError;
pub use folder::FolderContents;
pub use index::{
    StagedEntry, ViewedFolder, round_trip as index_round_trip, view_rows as index_view_rows,
};
pub use index_lock::IndexLock;
pub use log::CommitInfo;
pub use object::{KeptPack, hash_blob, release_keep};
pub use reference::Head;
pub use status::{IGNORED, IndexState, LocalChange};
pub use tree::{Entry, EntryKind, Snapshot, refuse_lfs_pointer};
pub use tree_edit::TreeEdit;
pub use worktree::WorkFile;

/// An object id (a commit, tree or blob hash).
pub type Oid = git2::Oid;

/// An open repository with a work tree.
pub struct Repo {
    git: Repository,
    workdir: PathBuf,
    new_objects: RefCell<Option<object::NewObjects>>,
    shared: std::cell::OnceCell<i32>,
    conversions: RefCell<Option<filters::Conversions>>,
    /// Where a hook is looked for, worked out once (see `hook_dir.rs`).
    hook_folders: std::cell::OnceCell<Option<[PathBuf; 2]>>,
    /// Whether git may see settings libgit2 does not, worked out once (`cli.rs`).
    beyond_libgit2: std::cell::OnceCell<bool>,
    /// libgit2's view of the configuration, read once per run: a live config
    /// re-reads its files' metadata on every lookup, and the hook asks one key
    /// per rule.
    config: std::cell::OnceCell<git2::Config>,
}

/// The repository extension libgit2's refusal to open names, as git spells it in
/// the config (`extensions.refStorage = reftable`).
fn unsupported_extension(message: &str) -> Option<String> {
    if message.contains("object format") {
        let format = message.split('\'').nth(1).unwrap_or("sha256");
        return Some(format!("extensions.objectFormat = {format}"));
    }
    let name = message.strip_prefix("unsupported extension name ")?;
    Some(match name {
        "extensions.refstorage" => "extensions.refStorage = reftable".to_string(),
        other => other.to_string(),
    })
}

/// `dir/`, or nothing for the root.
fn folder_prefix(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    }
}

impl Repo {
    /// Opens the repository the way git does: `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_INDEX_FILE`, `GIT_CEILING_DIRECTORIES`, from any subfolder, from a linked
    /// worktree. A bare repository, or no repository, is refused.
    pub fn discover() -> Result<Self> {
        let repo = Self::discover_history()?;
        if repo.git.is_bare() {
            return Err(GitError::Bare {
                git_dir: repo.git.path().to_path_buf(),
            }
            .into());
        }
        Ok(repo)
    }

    /// Opens the repository for commands that read only commits (`check --range`,
    /// `log`), which also work in a bare repository such as a server's.
    pub fn discover_history() -> Result<Self> {
        let git = Self::open_git(Repository::open_from_env())?;
        Ok(Self::from_git(git))
    }

    /// The repository at `path` itself, for tests that cannot change the process's
    /// folder or environment.
    #[cfg(test)]
    pub(crate) fn open_at(path: &Path) -> Result<Self> {
        Ok(Self::from_git(Self::open_git(Repository::open(path))?))
    }

    /// A repository libgit2 opened, or why it could not, in git's words.
    fn open_git(opened: Result<Repository, git2::Error>) -> Result<Repository> {
        Ok(opened.map_err(|e| match e.code() {
            ErrorCode::Owner => GitError::DubiousOwnership {
                path: e.message().split('\'').nth(1).unwrap_or("").to_string(),
            },
            _ if unsupported_extension(e.message()).is_some() => GitError::UnsupportedRepository {
                extension: unsupported_extension(e.message()).unwrap_or_default(),
            },
            _ => GitError::NotARepository {
                message: e.message().to_string(),
            },
        })?)
    }

    fn from_git(git: Repository) -> Self {
        // Like git, trust the object store: libgit2 otherwise re-hashes every object
        // it reads and looks up every object a new tree names (and the blobs an
        // operation writes are not in the store until its pack is: `write_blob`).
        git2::opts::strict_hash_verification(false);
        git2::opts::strict_object_creation(false);
        let workdir = git.workdir().unwrap_or_else(|| git.path()).to_path_buf();
        Self {
            git,
            workdir,
            new_objects: RefCell::new(None),
            shared: std::cell::OnceCell::new(),
            hook_folders: std::cell::OnceCell::new(),
            beyond_libgit2: std::cell::OnceCell::new(),
            config: std::cell::OnceCell::new(),
            conversions: RefCell::new(None),
        }
    }

    /// The top of the work tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// This work tree's own git dir (`.git`, or `.git/worktrees/<name>`).
    pub fn git_dir(&self) -> &Path {
        self.git.path()
    }

    /// The git dir shared by every worktree (where hooks live by default).
    pub fn common_dir(&self) -> &Path {
        self.git.commondir()
    }

    /// The configuration as libgit2 reads it, taken once per run and shared by
    /// every reader here.
    pub(super) fn config_snapshot(&self) -> Result<&git2::Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let config = self.git.config()?.snapshot()?;
        Ok(self.config.get_or_init(|| config))
    }

    /// Reads booleans from git config as git reads them here (`yes`, `on`, `1`, …):
    /// from libgit2, opening the configuration once for all of them (the hook reads
    /// one per rule), or from git itself when the configuration holds what libgit2
    /// cannot see (`git -c`, `GIT_CONFIG_*`, a condition libgit2 does not evaluate).
    pub fn config_bools(&self, keys: &[String]) -> Result<Vec<Option<bool>>> {
        if self.config_beyond_libgit2()? {
            return keys
                .iter()
                .map(|key| self.config_bool_by_git(key))
                .collect();
        }
        self.config_bools_by_libgit2(keys)
    }

    fn config_bools_by_libgit2(&self, keys: &[String]) -> Result<Vec<Option<bool>>> {
        let config = self.config_snapshot()?;
        keys.iter()
            .map(|key| match config.get_bool(key) {
                Ok(value) => Ok(Some(value)),
                Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
                Err(e) => Err(GitError::NotABoolean {
                    key: key.clone(),
                    message: e.message().to_string(),
                }
                .into()),
            })
            .collect()
    }

    /// Reads a string from git config as git reads it here: from libgit2, or from
    /// git itself when the configuration holds what libgit2 cannot see; `None` when
    /// unset.
    pub fn config_string(&self, key: &str) -> Result<Option<String>> {
        if self.config_beyond_libgit2()? {
            return self.config_string_by_git(key);
        }
        match self.config_snapshot()?.get_string(key) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading git config {key}")),
        }
    }
}
