//! What changed between two commits, as files (to materialise) or as paths of any
//! kind (for the check).

use anyhow::{Result, anyhow, bail};
use git2::{Delta, DiffOptions, FileMode};
use std::path::Path;

use super::{Oid, Repo, folder_prefix};

/// One side of a changed path: the file as it was before, or as it is after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// The repository path.
    pub path: String,
    /// Its blob.
    pub id: Oid,
    /// Whether it is executable.
    pub executable: bool,
}

impl ChangedFile {
    fn from(file: &git2::DiffFile<'_>) -> Result<Self> {
        let path = file
            .path()
            .and_then(Path::to_str)
            .ok_or_else(|| anyhow!("a changed path is not UTF-8"))?;
        if file.mode() == FileMode::Link || file.mode() == FileMode::Commit {
            bail!("{path} is a symbolic link or submodule; this tool never writes those");
        }
        Ok(Self {
            path: path.to_string(),
            id: file.id(),
            executable: file.mode() == FileMode::BlobExecutable,
        })
    }
}

/// A path one commit changed, as the check reads it: whatever kind of entry it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedPath {
    /// The repository path.
    pub path: String,
    /// False when the commit removed it.
    pub present: bool,
    /// Whether it is (now) a symlink or a gitlink.
    pub link: bool,
}

impl Repo {
    /// The files removed and added (a modification is both) between two commits.
    pub fn changed_files(
        &self,
        old: Oid,
        new: Oid,
    ) -> Result<(Vec<ChangedFile>, Vec<ChangedFile>)> {
        let old_tree = self.git.find_commit(old)?.tree()?;
        let new_tree = self.git.find_commit(new)?.tree()?;
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let diff = self
            .git
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))?;
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        for delta in diff.deltas() {
            let status = delta.status();
            if matches!(status, Delta::Deleted | Delta::Modified | Delta::Typechange) {
                removed.push(ChangedFile::from(&delta.old_file())?);
            }
            if matches!(status, Delta::Added | Delta::Modified | Delta::Typechange) {
                added.push(ChangedFile::from(&delta.new_file())?);
            }
        }
        Ok((removed, added))
    }

    /// Every path that differs between `old` (none: a root commit) and `new` under
    /// `scope` (a folder; `None` for the whole tree). Symlinks, submodules and blobs
    /// missing from a partial clone are reported as paths, never read.
    pub fn changed_paths(
        &self,
        old: Option<Oid>,
        new: Oid,
        scope: Option<&str>,
    ) -> Result<Vec<ChangedPath>> {
        let old_tree = old.map(|id| self.git.find_commit(id)?.tree()).transpose()?;
        let new_tree = self.git.find_commit(new)?.tree()?;
        let mut opts = DiffOptions::new();
        if let Some(scope) = scope {
            opts.pathspec(folder_prefix(scope))
                .disable_pathspec_match(true);
        }
        let diff =
            self.git
                .diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts))?;
        let mut paths = Vec::new();
        for delta in diff.deltas() {
            let present = delta.status() != Delta::Deleted;
            let side = if present {
                delta.new_file()
            } else {
                delta.old_file()
            };
            let Some(path) = side.path_bytes() else {
                continue;
            };
            paths.push(ChangedPath {
                path: String::from_utf8_lossy(path).into_owned(),
                present,
                link: is_link_mode(u32::from(side.mode())),
            });
        }
        Ok(paths)
    }
}

/// Whether a git file mode is a symlink (`120000`) or a gitlink (`160000`).
pub(super) fn is_link_mode(mode: u32) -> bool {
    matches!(mode & 0o170000, 0o120000 | 0o160000)
}
