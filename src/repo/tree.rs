//! Trees: a read-only snapshot of one commit's tree for planners (new trees are
//! built in `tree_edit.rs`).

use anyhow::Result;
use git2::{ObjectType, Tree};
use std::cell::RefCell;
use std::collections::HashMap;

use super::{GitError, Oid, Repo};

/// What a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A file with the executable bit.
    Executable,
    /// A folder.
    Dir,
    /// A symbolic link.
    Link,
    /// A submodule commit.
    Submodule,
}

/// One entry of a folder in a commit's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's own name (one path component).
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// The blob or tree it points to.
    pub id: Oid,
}

/// A read-only view of one commit's tree: what planners see of the repository.
///
/// Folders are looked up once and kept: libgit2 does not cache large trees, and a
/// `task_sessions/` folder with thousands of entries is read for every file in it.
pub struct Snapshot<'r> {
    repo: &'r Repo,
    tree: Option<Tree<'r>>,
    folders: RefCell<HashMap<String, Option<Tree<'r>>>>,
}

impl Repo {
    /// The tree of a commit.
    pub fn tree_of(&self, commit: Oid) -> Result<Oid> {
        Ok(self.git.find_commit(commit)?.tree_id())
    }

    /// A view of a commit's tree for planners; `None` gives an empty view.
    pub fn snapshot(&self, commit: Option<Oid>) -> Result<Snapshot<'_>> {
        let tree = match commit {
            Some(id) => Some(self.git.find_commit(id)?.tree()?),
            None => None,
        };
        Ok(Snapshot {
            repo: self,
            tree,
            folders: RefCell::default(),
        })
    }
}

/// How every git-lfs pointer file begins (the LFS specification, v1).
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";

/// Refuses a git-lfs pointer by name: a planner reads a file's text, which the
/// pointer a commit holds is not. Every tree a planner reads refuses it alike.
pub fn refuse_lfs_pointer(path: &str, bytes: &[u8]) -> Result<()> {
    if bytes.starts_with(LFS_POINTER) {
        return Err(GitError::LfsPointer {
            path: path.to_string(),
        }
        .into());
    }
    Ok(())
}

impl<'r> Snapshot<'r> {
    /// Whether there is anything at this path.
    pub fn exists(&self, path: &str) -> bool {
        self.entry(path).is_some()
    }

    /// The bytes of the file at `path`, if it is a file. A git-lfs pointer is
    /// refused by name: what the planners read is the file's text, which the
    /// commit does not hold.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.read_blob_at(path, None)
    }

    /// [`Snapshot::read`] of a file that may be at most `limit` bytes: a larger
    /// blob is refused from its header, unread.
    pub fn read_at_most(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        self.read_blob_at(path, Some(limit))
    }

    /// The blob at `path` (at most `limit` bytes, when given), an LFS pointer
    /// refused by name.
    fn read_blob_at(&self, path: &str, limit: Option<u64>) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.entry(path) else {
            return Ok(None);
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Ok(None);
        }
        let bytes = match limit {
            Some(limit) => self.repo.read_blob_at_most(entry.id(), limit)?,
            None => self.repo.read_blob(entry.id())?,
        };
        refuse_lfs_pointer(path, &bytes)?;
        Ok(Some(bytes))
    }

    /// The entry at `path`, with its kind and id.
    pub fn stat(&self, path: &str) -> Option<Entry> {
        let entry = self.entry(path)?;
        Some(Entry {
            name: String::from_utf8_lossy(entry.name_bytes()).into_owned(),
            kind: entry_kind(entry.filemode()),
            id: entry.id(),
        })
    }

    /// The entries of the folder at `path`, sorted as git sorts them; empty when
    /// there is no such folder. A name that is not UTF-8 is refused with its folder.
    pub fn list(&self, path: &str) -> Result<Vec<Entry>> {
        let Some(tree) = self.folder(path) else {
            return Ok(Vec::new());
        };
        tree.iter()
            .map(|e| {
                let name =
                    std::str::from_utf8(e.name_bytes()).map_err(|_| GitError::NonUtf8TreeName {
                        folder: path.to_string(),
                        name: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                    })?;
                Ok(Entry {
                    name: name.to_string(),
                    kind: entry_kind(e.filemode()),
                    id: e.id(),
                })
            })
            .collect()
    }

    fn entry(&self, path: &str) -> Option<git2::TreeEntry<'r>> {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let folder = self.folder(parent)?;
        let entry = folder.get_name(name)?.to_owned();
        Some(entry)
    }

    /// The tree at a folder path, read once per snapshot.
    fn folder(&self, path: &str) -> Option<Tree<'r>> {
        if path.is_empty() {
            return self.tree.clone();
        }
        if let Some(cached) = self.folders.borrow().get(path) {
            return cached.clone();
        }
        let tree = self.walk_to(path);
        self.folders
            .borrow_mut()
            .insert(path.to_string(), tree.clone());
        tree
    }

    /// The tree at a folder path, walked down one name at a time from its parent
    /// when that was read already, else from the root, without recursion and
    /// without keeping the folders on the way: a path
    /// thousands of folders deep costs its length, not its length squared. Paths
    /// deeper than git's `core.maxTreeDepth` hold nothing.
    fn walk_to(&self, path: &str) -> Option<Tree<'r>> {
        if path.split('/').count() > super::diff::MAX_TREE_DEPTH {
            return None;
        }
        let parent = path
            .rsplit_once('/')
            .and_then(|(parent, name)| Some((self.folders.borrow().get(parent)?.clone(), name)));
        let (mut tree, rest) = match parent {
            Some((parent, name)) => (parent?, name),
            None => (self.tree.clone()?, path),
        };
        for name in rest.split('/') {
            let id = {
                let entry = tree.get_name(name)?;
                if entry.kind() != Some(ObjectType::Tree) {
                    return None;
                }
                entry.id()
            };
            tree = self.repo.git.find_tree(id).ok()?;
        }
        Some(tree)
    }
}

fn entry_kind(mode: i32) -> EntryKind {
    match mode {
        0o040000 => EntryKind::Dir,
        0o100755 => EntryKind::Executable,
        0o120000 => EntryKind::Link,
        0o160000 => EntryKind::Submodule,
        _ => EntryKind::File,
    }
}
