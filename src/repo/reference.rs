//! Where `HEAD` and the branches point, moving a branch by compare-and-swap, and the
//! multi-step git operation (merge, rebase, …) in progress.

use anyhow::{Context, Result, anyhow};
use git2::{ErrorCode, RepositoryState};

use super::{GitError, Oid, Repo};

/// How many symbolic refs git follows before it gives up (`SYMREF_MAXDEPTH`).
const MAX_SYMREF_DEPTH: usize = 5;

/// Where `HEAD` points, which decides whether an operation may commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// A branch with no commit yet (a fresh `git init`).
    Unborn {
        /// The branch's full ref name.
        refname: String,
    },
    /// A branch with a commit: the normal case.
    Branch {
        /// The branch's full ref name, e.g. `refs/heads/main`.
        refname: String,
        /// The commit it points to.
        commit: Oid,
    },
    /// `HEAD` points at a commit directly.
    Detached {
        /// The commit `HEAD` points to.
        commit: Oid,
    },
}

impl Repo {
    /// Where `HEAD` points now. A chain of symbolic refs (`HEAD` → `refs/heads/alias`
    /// → `refs/heads/main`) is followed to its end, as git follows it: the ref a
    /// commit moves is the last one.
    pub fn head(&self) -> Result<Head> {
        let head = self.git.find_reference("HEAD").context("reading HEAD")?;
        let Some(target) = head.symbolic_target()? else {
            return Ok(Head::Detached {
                commit: head.target().ok_or_else(|| anyhow!("HEAD has no target"))?,
            });
        };
        let mut refname = target.to_string();
        for _ in 0..MAX_SYMREF_DEPTH {
            let reference = match self.git.find_reference(&refname) {
                Ok(reference) => reference,
                Err(e) if e.code() == ErrorCode::NotFound => return Ok(Head::Unborn { refname }),
                Err(e) => return Err(e).with_context(|| format!("reading {refname}")),
            };
            match (reference.symbolic_target()?, reference.target()) {
                (Some(next), _) => refname = next.to_string(),
                (None, Some(commit)) => return Ok(Head::Branch { refname, commit }),
                (None, None) => break,
            }
        }
        Err(anyhow!(
            "HEAD points through more than {MAX_SYMREF_DEPTH} symbolic refs"
        ))
    }

    /// Whether this is a shallow clone (`.git/shallow`): commits at its boundary
    /// show no parents here.
    pub fn is_shallow(&self) -> bool {
        self.git.is_shallow()
    }

    /// The multi-step git operation in progress, if any, in the words git uses.
    pub fn operation_in_progress(&self) -> Option<&'static str> {
        match self.git.state() {
            RepositoryState::Clean => None,
            RepositoryState::Merge => Some("a merge"),
            RepositoryState::Revert | RepositoryState::RevertSequence => Some("a revert"),
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => {
                Some("a cherry-pick")
            }
            RepositoryState::Bisect => Some("a bisect"),
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge => Some("a rebase"),
            RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => {
                Some("a `git am`")
            }
        }
    }

    /// Moves `refname` from `old` to `new` only if it still points at `old`.
    /// Returns false, changing nothing, when someone else moved it first.
    pub fn compare_and_swap(
        &self,
        refname: &str,
        old: Oid,
        new: Oid,
        reflog: &str,
    ) -> Result<bool> {
        match self.git.reference_matching(refname, new, true, old, reflog) {
            Ok(_) => {
                let common = self.git.commondir();
                self.share(&common.join(refname))?;
                self.share(&common.join("logs").join(refname))?;
                self.share(&self.git.path().join("logs/HEAD"))?;
                Ok(true)
            }
            Err(e) if e.code() == ErrorCode::Modified => Ok(false),
            Err(e) if e.code() == ErrorCode::Locked => Err(self.ref_busy(refname)),
            Err(e) => Err(e).with_context(|| format!("moving {refname}")),
        }
    }

    /// Refuses when another git process holds the ref's lock (`<ref>.lock`), as
    /// git's own ref update would, before anything is written.
    pub fn refuse_if_ref_locked(&self, refname: &str) -> Result<()> {
        match self.ref_lock_path(refname).exists() {
            true => Err(self.ref_busy(refname)),
            false => Ok(()),
        }
    }

    fn ref_busy(&self, refname: &str) -> anyhow::Error {
        GitError::RefBusy {
            refname: refname.to_string(),
            lock: self.ref_lock_path(refname),
        }
        .into()
    }

    /// `<ref>.lock` in the files backend: `HEAD`'s beside this worktree's `HEAD`,
    /// a branch's in the common git dir.
    fn ref_lock_path(&self, refname: &str) -> std::path::PathBuf {
        let dir = if refname == "HEAD" {
            self.git.path()
        } else {
            self.git.commondir()
        };
        dir.join(format!("{refname}.lock"))
    }

    /// Where a ref points now, if it exists.
    pub fn ref_target(&self, refname: &str) -> Result<Option<Oid>> {
        match self.git.refname_to_id(refname) {
            Ok(id) => Ok(Some(id)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {refname}")),
        }
    }
}
