//! What changed between two commits, as files (to materialise) or as paths of any
//! kind (for the check), found by one walk of both trees side by side. The walk
//! keeps one path buffer and a stack of folders, never a string per folder: a tree
//! someone pushed 100,000 folders deep costs its own size, and past
//! [`MAX_TREE_DEPTH`] it is refused naming the path, as git refuses it.

use anyhow::{Result, anyhow, bail};
use std::cmp::Ordering;
use std::rc::Rc;

use super::error::GitError;
use super::tree_edit::{Folders, RawEntry};
use super::{Oid, Repo};

/// The most folders deep a path may lie: git's `core.maxTreeDepth` default, past
/// which git refuses a tree too.
pub const MAX_TREE_DEPTH: usize = 2048;

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
    /// The file a tree entry at `path` stands for; a symlink or a submodule is
    /// refused, as this tool never writes those.
    fn from(path: &[u8], entry: &RawEntry) -> Result<Self> {
        let path = utf8(path)?;
        if matches!(entry.mode & 0o170000, 0o120000 | 0o160000) {
            bail!("{path} is a symbolic link or submodule; this tool never writes those");
        }
        Ok(Self {
            path,
            id: entry.id,
            executable: entry.mode == 0o100755,
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
    /// The blob (or link, or submodule commit) it now holds; `None` when removed.
    pub id: Option<Oid>,
}

/// How an entry that is not a folder differs between the two trees.
enum Difference<'e> {
    /// Only in the old tree.
    Removed(&'e RawEntry),
    /// Only in the new tree.
    Added(&'e RawEntry),
    /// In both, with another blob or mode.
    Changed(&'e RawEntry, &'e RawEntry),
}

/// One folder of the walk: both sides' entries, how far each is read, and where
/// its path ends in the walk's buffer.
struct Frame {
    old: Rc<Vec<RawEntry>>,
    new: Rc<Vec<RawEntry>>,
    o: usize,
    n: usize,
    path_len: usize,
}

/// Whether to enter a folder found on one side only: its path (ending in `/`),
/// whether it was added (else removed), and its tree.
pub type Descend<'d> = &'d mut dyn FnMut(&str, bool, Oid) -> bool;

/// Walks two trees side by side without recursion, telling `visit` every entry
/// that is not a folder and differs; folders with the same id on both sides are not
/// read, nor a folder on one side only that `descend` turns down. `scope` limits
/// the root to the one entry of that name.
fn diff_trees(
    folders: &mut Folders<'_>,
    (old, new): (Option<Oid>, Option<Oid>),
    scope: Option<&[u8]>,
    descend: Descend<'_>,
    visit: &mut dyn FnMut(&[u8], Difference<'_>) -> Result<()>,
) -> Result<()> {
    let mut path: Vec<u8> = Vec::new();
    let mut stack = vec![frame(folders, old, new, 0)?];
    while let Some(top) = stack.last_mut() {
        let (o, n) = (top.o, top.n);
        let order = match (top.old.get(o), top.new.get(n)) {
            (None, None) => {
                stack.pop();
                if let Some(parent) = stack.last() {
                    path.truncate(parent.path_len);
                }
                continue;
            }
            (Some(a), Some(b)) => a.git_cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        let (old_entry, new_entry) = match order {
            Ordering::Less => (top.old.get(o).cloned(), None),
            Ordering::Greater => (None, top.new.get(n).cloned()),
            Ordering::Equal => (top.old.get(o).cloned(), top.new.get(n).cloned()),
        };
        top.o += usize::from(old_entry.is_some());
        top.n += usize::from(new_entry.is_some());
        let name = &old_entry
            .as_ref()
            .or(new_entry.as_ref())
            .expect("a side")
            .name;
        let at_root = stack.len() == 1;
        if at_root && scope.is_some_and(|scope| scope != name.as_slice()) {
            continue;
        }
        let is_tree = old_entry
            .as_ref()
            .or(new_entry.as_ref())
            .is_some_and(RawEntry::is_tree);
        if let (Some(a), Some(b)) = (&old_entry, &new_entry)
            && a.id == b.id
            && a.mode == b.mode
        {
            continue;
        }
        let base = path.len();
        path.extend_from_slice(name);
        if is_tree {
            if stack.len() >= MAX_TREE_DEPTH {
                return Err(GitError::TreeTooDeep {
                    path: String::from_utf8_lossy(&path).into_owned(),
                    depth: MAX_TREE_DEPTH,
                }
                .into());
            }
            path.push(b'/');
            let one_side = match (&old_entry, &new_entry) {
                (None, Some(b)) => Some((true, b.id)),
                (Some(a), None) => Some((false, a.id)),
                _ => None,
            };
            if let Some((added, id)) = one_side
                && !descend(&String::from_utf8_lossy(&path), added, id)
            {
                path.truncate(base);
                continue;
            }
            let below = frame(
                folders,
                old_entry.map(|e| e.id),
                new_entry.map(|e| e.id),
                path.len(),
            )?;
            stack.push(below);
            continue;
        }
        let difference = match (&old_entry, &new_entry) {
            (Some(a), Some(b)) => Difference::Changed(a, b),
            (Some(a), None) => Difference::Removed(a),
            (None, Some(b)) => Difference::Added(b),
            (None, None) => unreachable!("one side holds the entry"),
        };
        visit(&path, difference)?;
        path.truncate(base);
    }
    Ok(())
}

/// The frame for one folder's two sides (none: absent on that side).
fn frame(
    folders: &mut Folders<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    path_len: usize,
) -> Result<Frame> {
    let mut read = |id: Option<Oid>| match id {
        Some(id) => folders.entries(id),
        None => Ok(Rc::new(Vec::new())),
    };
    Ok(Frame {
        old: read(old)?,
        new: read(new)?,
        o: 0,
        n: 0,
        path_len,
    })
}

/// A path of a tree as this crate passes paths on.
fn utf8(path: &[u8]) -> Result<String> {
    String::from_utf8(path.to_vec()).map_err(|_| anyhow!("a changed path is not UTF-8"))
}

impl Repo {
    /// The files removed and added (a modification is both) between two commits,
    /// in git's order, with submodules ignored. Folders whose tree is the same on
    /// both sides are not read (libgit2 walks every file of both trees, which in a
    /// million-file repository is most of a migration's rollback).
    pub fn changed_files(
        &self,
        old: Oid,
        new: Oid,
    ) -> Result<(Vec<ChangedFile>, Vec<ChangedFile>)> {
        let old_tree = self.git.find_commit(old)?.tree_id();
        let new_tree = self.git.find_commit(new)?.tree_id();
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        let mut folders = Folders::new(self);
        diff_trees(
            &mut folders,
            (Some(old_tree), Some(new_tree)),
            None,
            &mut |_, _, _| true,
            &mut |path, difference| {
                match difference {
                    Difference::Removed(a) => removed.push(ChangedFile::from(path, a)?),
                    Difference::Added(b) => added.push(ChangedFile::from(path, b)?),
                    Difference::Changed(a, b) if a.is_gitlink() && b.is_gitlink() => {}
                    Difference::Changed(a, b) => {
                        removed.push(ChangedFile::from(path, a)?);
                        added.push(ChangedFile::from(path, b)?);
                    }
                }
                Ok(())
            },
        )?;
        Ok((removed, added))
    }

    /// A reader of many commits' changes that reads each folder once, however
    /// many commits it appears in (a `--range` of a push).
    pub fn range_changes(&self) -> RangeChanges<'_> {
        RangeChanges {
            repo: self,
            folders: Folders::new(self),
        }
    }

    /// Every path under `scope` (a folder of the root, or the entry of that name
    /// itself when it is no folder; `None` for the whole tree) that differs
    /// between two trees, one path at a time to `each`. Symlinks, submodules and
    /// blobs missing from a partial clone are reported as paths, never read; a name
    /// outside `scope` is never parsed beyond its bytes;
    /// entering a one-sided folder when `descend` says so and reading folders
    /// through `folders`: nothing is collected, so a commit of a million paths
    /// costs the walk one path at a time.
    fn each_changed_path(
        &self,
        (old, new): (Option<Oid>, Oid),
        scope: Option<&str>,
        (descend, folders): (Descend<'_>, &mut Folders<'_>),
        each: &mut dyn FnMut(ChangedPath) -> Result<()>,
    ) -> Result<()> {
        if old == Some(new) {
            return Ok(());
        }
        diff_trees(
            folders,
            (old, Some(new)),
            scope.map(str::as_bytes),
            descend,
            &mut |path, difference| {
                let (present, now) = match difference {
                    Difference::Removed(a) => (false, a),
                    Difference::Added(b) | Difference::Changed(_, b) => (true, b),
                };
                each(ChangedPath {
                    path: String::from_utf8_lossy(path).into_owned(),
                    present,
                    link: is_link_mode(now.mode),
                    id: present.then_some(now.id),
                })
            },
        )
    }
}

/// What [`Repo::range_changes`] returns: one commit's changes at a time.
pub struct RangeChanges<'r> {
    repo: &'r Repo,
    folders: Folders<'r>,
}

impl RangeChanges<'_> {
    /// Each path under `scope` that `commit` changed against its first parent
    /// (against nothing for a root commit), to `each`, entering a folder found on
    /// one side only when `descend` says so.
    pub fn of(
        &mut self,
        commit: Oid,
        scope: Option<&str>,
        descend: Descend<'_>,
        each: &mut dyn FnMut(ChangedPath) -> Result<()>,
    ) -> Result<()> {
        let found = self.repo.git.find_commit(commit)?;
        let old = match found.parent_ids().next() {
            Some(parent) => Some(self.repo.git.find_commit(parent)?.tree_id()),
            None => None,
        };
        self.repo.each_changed_path(
            (old, found.tree_id()),
            scope,
            (descend, &mut self.folders),
            each,
        )
    }

    /// Every file of the tree `id` as added at `prefix` (ending in `/`), to
    /// `each`: a folder [`RangeChanges::of`] was told not to enter, read after all.
    pub fn added_tree(
        &mut self,
        id: Oid,
        prefix: &str,
        each: &mut dyn FnMut(ChangedPath) -> Result<()>,
    ) -> Result<()> {
        self.repo.each_changed_path(
            (None, id),
            None,
            (&mut |_, _, _| true, &mut self.folders),
            &mut |mut changed| {
                changed.path.insert_str(0, prefix);
                each(changed)
            },
        )
    }
}

/// Whether a git file mode is a symlink (`120000`) or a gitlink (`160000`).
pub(super) fn is_link_mode(mode: u32) -> bool {
    matches!(mode & 0o170000, 0o120000 | 0o160000)
}

#[cfg(test)]
mod tests {
    use super::super::test_git::git;
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn write(root: &Path, path: &str, text: &str) {
        fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        fs::write(root.join(path), text).unwrap();
    }

    fn commit(root: &Path, message: &str) -> Oid {
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "--allow-empty", "-m", message]);
        Oid::from_str(git(root, &["rev-parse", "HEAD"]).trim()).unwrap()
    }

    /// `git diff-tree -r` between two commits, as the files removed and added.
    fn by_git(root: &Path, old: Oid, new: Oid) -> (Vec<ChangedFile>, Vec<ChangedFile>) {
        let raw = git(
            root,
            &[
                "-c",
                "core.quotePath=false",
                "diff-tree",
                "-r",
                "--no-renames",
                "--ignore-submodules",
                &old.to_string(),
                &new.to_string(),
            ],
        );
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        for line in raw.lines() {
            let (meta, path) = line.split_once('\t').unwrap();
            let f: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
            let side = |mode: &str, id: &str| ChangedFile {
                path: path.to_string(),
                id: Oid::from_str(id).unwrap(),
                executable: mode == "100755",
            };
            if f[4] != "A" {
                removed.push(side(f[0], f[2]));
            }
            if f[4] != "D" {
                added.push(side(f[1], f[3]));
            }
        }
        (removed, added)
    }

    #[test]
    fn the_files_changed_between_two_commits_are_the_ones_git_diff_tree_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        for (path, text) in [
            ("a/one.txt", "1\n"),
            ("a-x/two.txt", "2\n"),
            ("a.b", "3\n"),
            ("x", "a file that becomes a folder\n"),
            ("y/inner.txt", "a folder that becomes a file\n"),
            ("gone/deep/file.md", "removed with its folders\n"),
            ("same/deep/file.md", "never read\n"),
            ("会话/状态.yml", "状态: 进行中\n"),
            ("run.sh", "#!/bin/sh\n"),
        ] {
            write(root, path, text);
        }
        std::os::unix::fs::symlink("a.b", root.join("link")).unwrap();
        fs::create_dir(root.join("module")).unwrap();
        let module = "160000,1111111111111111111111111111111111111111,module";
        git(root, &["update-index", "--add", "--cacheinfo", module]);
        let old = commit(root, "old");

        write(root, "a/one.txt", "changed\n");
        write(root, "a/new.txt", "added beside\n");
        fs::remove_file(root.join("x")).unwrap();
        write(root, "x/now.txt", "inside\n");
        fs::remove_dir_all(root.join("y")).unwrap();
        write(root, "y", "now a file\n");
        fs::remove_dir_all(root.join("gone")).unwrap();
        write(root, "会话/状态.yml", "状态: 已完成\n");
        write(root, "new/folder/file.txt", "added with its folders\n");
        let executable = fs::Permissions::from_mode(0o755);
        fs::set_permissions(root.join("run.sh"), executable).unwrap();
        let module = "160000,2222222222222222222222222222222222222222,module";
        git(root, &["update-index", "--add", "--cacheinfo", module]);
        let new = commit(root, "new");

        // The folder both commits share is never read: its tree is taken away.
        let same = git(root, &["rev-parse", "HEAD:same"]);
        let (fan, rest) = same.trim().split_at(2);
        fs::remove_file(root.join(".git/objects").join(fan).join(rest)).unwrap();

        let repo = Repo::open_at(root).unwrap();
        let ours = repo.changed_files(old, new).unwrap();
        assert_eq!(ours, by_git(root, old, new));
        assert_eq!((ours.0.len(), ours.1.len()), (6, 7), "{ours:?}");
        let reverse = repo.changed_files(new, old).unwrap();
        assert_eq!(reverse, by_git(root, new, old));
        assert_eq!(repo.changed_files(old, old).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn a_changed_symbolic_link_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::os::unix::fs::symlink("one", root.join("link")).unwrap();
        let old = commit(root, "old");
        fs::remove_file(root.join("link")).unwrap();
        std::os::unix::fs::symlink("two", root.join("link")).unwrap();
        let new = commit(root, "new");
        let repo = Repo::open_at(root).unwrap();
        let error = repo.changed_files(old, new).unwrap_err().to_string();
        assert_eq!(
            error,
            "link is a symbolic link or submodule; this tool never writes those"
        );
    }
}
