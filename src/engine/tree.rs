//! What a planner reads: a tree, through the small [`Tree`] trait. Production passes
//! a [`Snapshot`] of `HEAD`; tests pass a [`MemTree`], which also applies a plan and
//! diffs two trees, so that planners and their properties run without a repository
//! (git-absorb keeps its core callable in-process the same way).

use anyhow::{Result, anyhow};
use std::collections::{BTreeMap, BTreeSet};

use super::plan::{Action, Plan};
use crate::repo::{self, ChangedFile, Entry, EntryKind, Oid, Snapshot};

/// A read-only tree of files, as a commit holds it.
pub trait Tree {
    /// The entry at `path` (a file, a folder, a link), if any.
    fn stat(&self, path: &str) -> Option<Entry>;
    /// The bytes of the file at `path`, if it is a file.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>>;
    /// The entries of the folder at `path`, sorted by name; empty when there is none.
    fn list(&self, path: &str) -> Result<Vec<Entry>>;

    /// Whether there is anything at this path.
    fn exists(&self, path: &str) -> bool {
        self.stat(path).is_some()
    }

    /// Every file below the folder at `path`, recursively, as repository paths.
    fn files_under(&self, path: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in self.list(path)? {
            let child = format!("{path}/{}", entry.name);
            match entry.kind {
                EntryKind::Dir => out.extend(self.files_under(&child)?),
                _ => out.push(child),
            }
        }
        Ok(out)
    }
}

impl Tree for Snapshot<'_> {
    fn stat(&self, path: &str) -> Option<Entry> {
        Snapshot::stat(self, path)
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Snapshot::read(self, path)
    }

    fn list(&self, path: &str) -> Result<Vec<Entry>> {
        Snapshot::list(self, path)
    }

    fn exists(&self, path: &str) -> bool {
        Snapshot::exists(self, path)
    }
}

/// A tree held in memory: files by path, each with its bytes and executable bit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemTree {
    files: BTreeMap<String, (Vec<u8>, bool)>,
}

impl MemTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree with a (non-executable) file added.
    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(path, bytes.into(), false);
        self
    }

    /// Puts a file at `path`, replacing what is there.
    pub fn insert(&mut self, path: &str, bytes: Vec<u8>, executable: bool) {
        self.files.insert(path.to_string(), (bytes, executable));
    }

    /// Every file, by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files
            .iter()
            .map(|(p, (b, _))| (p.as_str(), b.as_slice()))
    }

    /// The tree a plan's commit would have on top of this one, as the executor
    /// builds it (a move keeps its bytes; a restore needs the blob, so it is looked
    /// up in `blobs`). The record, when the plan has one, is applied first.
    pub fn apply(&self, plan: &Plan, blobs: &BTreeMap<Oid, Vec<u8>>) -> Result<Self> {
        let mut tree = match &plan.record {
            Some(record) => self.apply(record, blobs)?,
            None => self.clone(),
        };
        for action in &plan.actions {
            match action {
                Action::Move { from, to } => {
                    let file = tree
                        .files
                        .remove(from)
                        .ok_or_else(|| anyhow!("{from} is not in the tree the plan starts from"))?;
                    tree.files.insert(to.clone(), file);
                }
                Action::Write {
                    path,
                    bytes,
                    executable,
                } => tree.insert(path, bytes.clone(), *executable),
                Action::Restore {
                    path,
                    id,
                    executable,
                } => {
                    let bytes = blobs
                        .get(id)
                        .ok_or_else(|| anyhow!("the blob {id} for {path} is unknown"))?;
                    tree.insert(path, bytes.clone(), *executable);
                }
                Action::Delete { path } => {
                    tree.files.remove(path);
                }
            }
        }
        Ok(tree)
    }

    /// The files removed and added (a modification is both) from `self` to `new`,
    /// as `Repo::changed_files` gives them for two commits.
    pub fn changed_files(&self, new: &MemTree) -> (Vec<ChangedFile>, Vec<ChangedFile>) {
        let changed = |a: &MemTree, b: &MemTree| -> Vec<ChangedFile> {
            a.files
                .iter()
                .filter(|(path, file)| b.files.get(*path) != Some(file))
                .map(|(path, (bytes, executable))| ChangedFile {
                    path: path.clone(),
                    id: repo::hash_blob(bytes),
                    executable: *executable,
                })
                .collect()
        };
        (changed(self, new), changed(new, self))
    }

    /// Every blob of the tree by id, for [`MemTree::apply`] to restore from.
    pub fn blobs(&self) -> BTreeMap<Oid, Vec<u8>> {
        self.files
            .values()
            .map(|(bytes, _)| (repo::hash_blob(bytes), bytes.clone()))
            .collect()
    }

    fn folder_names(&self, path: &str) -> BTreeSet<String> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        self.files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter_map(|(p, _)| p[prefix.len()..].split_once('/'))
            .map(|(dir, _)| dir.to_string())
            .collect()
    }
}

impl Tree for MemTree {
    fn stat(&self, path: &str) -> Option<Entry> {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        if let Some((bytes, executable)) = self.files.get(path) {
            let kind = if *executable {
                EntryKind::Executable
            } else {
                EntryKind::File
            };
            return Some(Entry {
                name,
                kind,
                id: repo::hash_blob(bytes),
            });
        }
        let prefix = format!("{path}/");
        let is_dir = self
            .files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix));
        is_dir.then_some(Entry {
            name,
            kind: EntryKind::Dir,
            id: Oid::ZERO_SHA1,
        })
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.files.get(path).map(|(bytes, _)| bytes.clone()))
    }

    fn list(&self, path: &str) -> Result<Vec<Entry>> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let mut entries: Vec<Entry> = self
            .files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('/'))
            .filter_map(|(p, _)| self.stat(p))
            .collect();
        entries.extend(
            self.folder_names(path)
                .into_iter()
                .filter_map(|dir| self.stat(&format!("{prefix}{dir}"))),
        );
        entries.sort_by_key(git_order);
        Ok(entries)
    }
}

/// A tree with one top-level folder laid over it: what `base` would be once
/// `folder` holds `files`, such as `HEAD` after `.workflow/` is adopted. A planner
/// reads it to plan on a commit that is not made yet, so that a refusal comes
/// before the first of two commits.
pub struct WithFolder<'a> {
    /// The tree beneath.
    pub base: &'a dyn Tree,
    /// The top-level folder `files` replaces.
    pub folder: &'a str,
    /// Every file of the folder, by repository path.
    pub files: MemTree,
}

impl WithFolder<'_> {
    fn laid_over(&self, path: &str) -> bool {
        path == self.folder
            || path
                .strip_prefix(self.folder)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl Tree for WithFolder<'_> {
    fn stat(&self, path: &str) -> Option<Entry> {
        match self.laid_over(path) {
            true => self.files.stat(path),
            false => self.base.stat(path),
        }
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        if !self.laid_over(path) {
            return self.base.read(path);
        }
        let bytes = self.files.read(path)?;
        if let Some(bytes) = &bytes {
            repo::refuse_lfs_pointer(path, bytes)?;
        }
        Ok(bytes)
    }

    fn list(&self, path: &str) -> Result<Vec<Entry>> {
        if self.laid_over(path) {
            return self.files.list(path);
        }
        let mut entries = self.base.list(path)?;
        if path.is_empty() {
            entries.retain(|e| e.name != self.folder);
            entries.extend(self.files.stat(self.folder));
            entries.sort_by_key(git_order);
        }
        Ok(entries)
    }
}

/// Git sorts a folder's entries as if folder names ended in `/`.
fn git_order(entry: &Entry) -> String {
    match entry.kind {
        EntryKind::Dir => format!("{}/", entry.name),
        _ => entry.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_tree_lists_folders_and_files_as_git_sorts_them() {
        let tree = MemTree::new()
            .with("a/b.txt", "1")
            .with("a/b/c", "2")
            .with("a/b-x", "3");
        let names: Vec<String> = tree
            .list("a")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["b-x", "b.txt", "b"]);
        assert_eq!(tree.stat("a/b").unwrap().kind, EntryKind::Dir);
        assert_eq!(
            tree.files_under("a").unwrap(),
            ["a/b-x", "a/b.txt", "a/b/c"]
        );
        assert!(!tree.exists("a/c"));
    }

    #[test]
    fn applying_a_plan_and_diffing_back_gives_the_revert() {
        let before = MemTree::new().with("x/one", "1").with("x/two", "2");
        let plan = Plan {
            actions: vec![
                Action::Move {
                    from: "x/one".into(),
                    to: "y/one".into(),
                },
                Action::Delete {
                    path: "x/two".into(),
                },
            ],
            ..Plan::default()
        };
        let after = before.apply(&plan, &BTreeMap::new()).unwrap();
        assert_eq!(after.files().map(|(p, _)| p).collect::<Vec<_>>(), ["y/one"]);
        let (removed, added) = before.changed_files(&after);
        assert_eq!(removed.len(), 2);
        assert_eq!(added[0].path, "y/one");
    }
}
