//! What changed between two commits, as files (to materialise) or as paths of any
//! kind (for the check).

use anyhow::{Result, anyhow, bail};
use git2::{Delta, DiffOptions};
use std::cmp::Ordering;
use std::rc::Rc;

use super::tree_edit::{Folders, RawEntry};
use super::{Oid, Repo};

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
    fn from(path: String, entry: &RawEntry) -> Result<Self> {
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

/// A walk of two trees side by side, collecting the files that differ.
struct FileDiff<'r> {
    folders: Folders<'r>,
    removed: Vec<ChangedFile>,
    added: Vec<ChangedFile>,
}

/// Which side of the diff an entry found on one side only belongs to.
#[derive(Clone, Copy)]
enum Side {
    Removed,
    Added,
}

impl FileDiff<'_> {
    /// Compares the folder `old` with the folder `new` (none: absent on that side),
    /// their path being `prefix` (empty, or ending in `/`).
    fn folder(&mut self, old: Option<Oid>, new: Option<Oid>, prefix: &str) -> Result<()> {
        let read = |folders: &mut Folders<'_>, id: Option<Oid>| match id {
            Some(id) => folders.entries(id),
            None => Ok(Rc::new(Vec::new())),
        };
        let old = read(&mut self.folders, old)?;
        let new = read(&mut self.folders, new)?;
        let (mut o, mut n) = (0, 0);
        while o < old.len() || n < new.len() {
            let order = match (old.get(o), new.get(n)) {
                (Some(a), Some(b)) => a.git_cmp(b),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    self.one_side(&old[o], prefix, Side::Removed)?;
                    o += 1;
                }
                Ordering::Greater => {
                    self.one_side(&new[n], prefix, Side::Added)?;
                    n += 1;
                }
                Ordering::Equal => {
                    self.both_sides(&old[o], &new[n], prefix)?;
                    o += 1;
                    n += 1;
                }
            }
        }
        Ok(())
    }

    /// An entry present on one side only: a file, or every file of a folder.
    fn one_side(&mut self, entry: &RawEntry, prefix: &str, side: Side) -> Result<()> {
        let path = entry_path(prefix, entry)?;
        if entry.is_tree() {
            let (old, new) = match side {
                Side::Removed => (Some(entry.id), None),
                Side::Added => (None, Some(entry.id)),
            };
            return self.folder(old, new, &format!("{path}/"));
        }
        let file = ChangedFile::from(path, entry)?;
        match side {
            Side::Removed => self.removed.push(file),
            Side::Added => self.added.push(file),
        }
        Ok(())
    }

    /// An entry of the same name and kind on both sides: the same tree is skipped
    /// unread, submodules are ignored, a file whose blob or mode differs is both
    /// removed and added.
    fn both_sides(&mut self, old: &RawEntry, new: &RawEntry, prefix: &str) -> Result<()> {
        if old.id == new.id && old.mode == new.mode || old.is_gitlink() && new.is_gitlink() {
            return Ok(());
        }
        if old.is_tree() {
            let path = entry_path(prefix, old)?;
            return self.folder(Some(old.id), Some(new.id), &format!("{path}/"));
        }
        self.one_side(old, prefix, Side::Removed)?;
        self.one_side(new, prefix, Side::Added)
    }
}

/// The repository path of an entry of the folder at `prefix`.
fn entry_path(prefix: &str, entry: &RawEntry) -> Result<String> {
    let name =
        std::str::from_utf8(&entry.name).map_err(|_| anyhow!("a changed path is not UTF-8"))?;
    Ok(format!("{prefix}{name}"))
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
    /// The files removed and added (a modification is both) between two commits,
    /// in git's order, as libgit2's tree-to-tree diff gives them with submodules
    /// ignored. Folders whose tree is the same on both sides are not read (libgit2
    /// walks every file of both trees, which in a million-file repository is most
    /// of a migration's rollback).
    pub fn changed_files(
        &self,
        old: Oid,
        new: Oid,
    ) -> Result<(Vec<ChangedFile>, Vec<ChangedFile>)> {
        let old_tree = self.git.find_commit(old)?.tree_id();
        let new_tree = self.git.find_commit(new)?.tree_id();
        let mut walk = FileDiff {
            folders: Folders::new(self),
            removed: Vec::new(),
            added: Vec::new(),
        };
        walk.folder(Some(old_tree), Some(new_tree), "")?;
        Ok((walk.removed, walk.added))
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
            // The folder's own name too, without the `/`: a link or submodule at
            // `scope` itself is a change there (callers drop the neighbours this
            // prefix also matches, such as `scope-old/`).
            opts.pathspec(scope).disable_pathspec_match(true);
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
