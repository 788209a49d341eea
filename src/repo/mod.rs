//! The only file that speaks git2: open a repository as git does, read trees, build
//! trees and commits, move a branch by compare-and-swap, and bring the work tree and
//! index up to date for the paths an operation touched.
//!
//! Everything above this room sees repository paths as `/`-separated strings and
//! object ids as [`Oid`]; nothing above it knows libgit2 exists.

use anyhow::{Context, Result, anyhow, bail};
use git2::build::TreeUpdateBuilder;
use git2::{
    Delta, DiffOptions, ErrorCode, FileMode, IndexEntry, IndexTime, ObjectType, Repository,
    RepositoryState, Signature, Status, StatusOptions, Time, Tree,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error;
use crate::fault;

mod folder;
mod index;
mod pack;

pub use folder::FolderContents;

/// An object id (a commit, tree or blob hash).
pub type Oid = git2::Oid;

/// An open repository with a work tree.
pub struct Repo {
    git: Repository,
    workdir: PathBuf,
    next_pack_priority: std::cell::Cell<i32>,
    new_blobs: RefCell<Option<Vec<Oid>>>,
}

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

/// One local change under a folder, as `git status` would list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalChange {
    /// The repository path.
    pub path: String,
    /// `staged`, `modified`, `deleted`, `untracked`, `conflicted`, …
    pub state: &'static str,
}

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

/// One edit of a tree, applied by [`Repo::edit_tree`].
#[derive(Debug, Clone)]
pub enum TreeEdit {
    /// Put this blob at this path (replacing what is there).
    Upsert {
        /// The repository path.
        path: String,
        /// The blob.
        id: Oid,
        /// Whether it is executable.
        executable: bool,
    },
    /// Remove the file at this path.
    Remove {
        /// The repository path.
        path: String,
    },
}

/// A commit made by this tool, as `log` reads it back.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Its hash.
    pub id: Oid,
    /// Its parents, first parent first.
    pub parents: Vec<Oid>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The first line of its message.
    pub subject: String,
    /// Its trailers, in order.
    pub trailers: Vec<(String, String)>,
}

/// `dir/`, or nothing for the root.
fn folder_prefix(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    }
}

/// A file as it stands in the work tree.
#[derive(Debug, Clone)]
pub struct WorkFile {
    /// The repository path.
    pub path: String,
    /// Its bytes, unfiltered.
    pub bytes: Vec<u8>,
    /// Whether it is executable.
    pub executable: bool,
}

fn symlink_refusal(path: &str) -> anyhow::Error {
    error::refused(
        format!(
            "{path} is a symbolic link; symlinks under .workflow/ are never followed or committed by this tool"
        ),
        format!("replace {path} with the file it points to, or remove it, then run this again"),
    )
}

/// What the index holds under a folder and what differs from `HEAD` there.
pub struct IndexState {
    files: BTreeMap<String, (Oid, u32)>,
    /// The paths that differ from `HEAD` (or every path, without the comparison),
    /// each with whether it is present in the index.
    pub changed: Vec<(String, bool)>,
}

impl IndexState {
    /// The blob staged at `path`, if any.
    pub fn blob(&self, path: &str) -> Option<Oid> {
        self.files.get(path).map(|(id, _)| *id)
    }

    /// Every path the index holds under the folder.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The paths with a conflict (an entry at stage 1–3), in order.
    pub fn conflicted(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|(_, (_, mode))| mode >> 28 != 0)
            .map(|(p, _)| p.as_str())
            .collect()
    }

    /// Whether the entry at `path` is a symlink or a gitlink rather than a file.
    pub fn is_link(&self, path: &str) -> bool {
        self.files
            .get(path)
            .is_some_and(|(_, mode)| is_link_mode(mode & 0o177777))
    }

    /// Whether anything is staged under `folder`.
    pub fn has_folder(&self, folder: &str) -> bool {
        let prefix = format!("{folder}/");
        self.files
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }

    /// The names of the files staged directly inside `folder`.
    pub fn files_in(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        self.files
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .map(|(p, _)| p)
            .take_while(|p| p.starts_with(&prefix))
            .map(|p| &p[prefix.len()..])
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect()
    }
}

/// A read-only view of one commit's tree: what planners see of the repository.
///
/// Folders are looked up once and kept: libgit2 does not cache large trees, and a
/// `task_sessions/` folder with thousands of entries is read for every file in it.
pub struct Snapshot<'r> {
    repo: &'r Repository,
    tree: Option<Tree<'r>>,
    folders: RefCell<HashMap<String, Option<Tree<'r>>>>,
}

impl Repo {
    /// Opens the repository the way git does: `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_INDEX_FILE`, `GIT_CEILING_DIRECTORIES`, from any subfolder, from a linked
    /// worktree. A bare repository, or no repository, is refused.
    pub fn discover() -> Result<Self> {
        let repo = Self::discover_history()?;
        if repo.git.is_bare() {
            return Err(error::refused(
                format!(
                    "{} is a bare repository: .workflow/ lives in a work tree",
                    repo.git.path().display()
                ),
                "run this inside a clone with a work tree (`git worktree add` or `git clone`); in a bare repository only `check --range` and `log` work",
            ));
        }
        Ok(repo)
    }

    /// Opens the repository for commands that read only commits (`check --range`,
    /// `log`), which also work in a bare repository such as a server's.
    pub fn discover_history() -> Result<Self> {
        // Like git, trust the object store: libgit2 otherwise re-hashes every object
        // it reads and looks up every object a new tree names.
        git2::opts::strict_hash_verification(false);
        git2::opts::strict_object_creation(false);
        let git = Repository::open_from_env().map_err(|e| {
            error::refused(
                format!("not inside a git repository ({})", e.message()),
                "run this inside a git work tree, or name one with `git workflow -C <dir> …`",
            )
        })?;
        let workdir = git.workdir().unwrap_or_else(|| git.path()).to_path_buf();
        Ok(Self {
            git,
            workdir,
            next_pack_priority: std::cell::Cell::new(1000),
            new_blobs: RefCell::new(None),
        })
    }

    /// The top of the work tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// This work tree's own git dir (`.git`, or `.git/worktrees/<name>`).
    pub fn git_dir(&self) -> &Path {
        self.git.path()
    }

    /// Where `HEAD` points now.
    pub fn head(&self) -> Result<Head> {
        let head = self.git.find_reference("HEAD").context("reading HEAD")?;
        match head.symbolic_target()? {
            Some(target) => {
                let refname = target.to_string();
                match self.git.refname_to_id(&refname) {
                    Ok(commit) => Ok(Head::Branch { refname, commit }),
                    Err(e) if e.code() == ErrorCode::NotFound => Ok(Head::Unborn { refname }),
                    Err(e) => Err(e).with_context(|| format!("reading {refname}")),
                }
            }
            None => Ok(Head::Detached {
                commit: head.target().ok_or_else(|| anyhow!("HEAD has no target"))?,
            }),
        }
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

    /// Every staged, unstaged or untracked change under these paths (folders end in
    /// `/`), as `git status` lists them (ignored files are not changes).
    pub fn local_changes(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        let mut opts = StatusOptions::new();
        for path in paths {
            opts.pathspec(path);
        }
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true)
            .renames_head_to_index(false);
        let statuses = self.git.statuses(Some(&mut opts)).map_err(|e| {
            unreadable_index(e).context(format!("reading the status of {}", paths.join(" ")))
        })?;
        Ok(statuses
            .iter()
            .map(|s| LocalChange {
                path: String::from_utf8_lossy(s.path_bytes()).into_owned(),
                state: describe_status(s.status()),
            })
            .collect())
    }

    /// Every file under `dir` in the work tree, as `git add` would take them: ignored
    /// files left out unless `take_ignored`. A symbolic link or a name that is not
    /// UTF-8 is refused with its path: this tool never follows or commits links.
    pub fn work_tree_files(&self, dir: &str, take_ignored: bool) -> Result<Vec<WorkFile>> {
        let mut files = Vec::new();
        if fs::symlink_metadata(self.workdir.join(dir)).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(symlink_refusal(dir));
        }
        self.collect_files(dir, take_ignored, &mut files)?;
        Ok(files)
    }

    fn collect_files(
        &self,
        dir: &str,
        take_ignored: bool,
        files: &mut Vec<WorkFile>,
    ) -> Result<()> {
        for (path, entry) in self.entries_of(dir)? {
            let kind = entry.file_type()?;
            if !take_ignored && self.is_ignored(&path)? {
                continue;
            }
            if kind.is_dir() {
                self.collect_files(&path, take_ignored, files)?;
            } else if kind.is_file() {
                files.push(WorkFile::read(path, &entry)?);
            }
        }
        Ok(())
    }

    /// Whether git would ignore this repository path.
    pub fn is_ignored(&self, path: &str) -> Result<bool> {
        Ok(self.git.status_should_ignore(Path::new(path))?)
    }

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
            repo: &self.git,
            tree,
            folders: RefCell::default(),
        })
    }

    /// Runs `write`, which makes one commit, with every object it writes (blobs,
    /// trees, the commit) held in memory, then stores them as one pack of whole
    /// objects: thousands of new files cost one pack file instead of thousands of
    /// loose objects, which is most of what `git add` and `git commit` spend.
    ///
    /// `write` may make a chain of commits on `base` (a record, then the operation):
    /// every commit back to `base` goes into the pack.
    pub fn in_one_pack(&self, base: Oid, write: impl FnOnce() -> Result<Oid>) -> Result<Oid> {
        let odb = self.git.odb()?;
        let priority = self.next_pack_priority.get();
        self.next_pack_priority.set(priority + 1);
        let mempack = odb.add_new_mempack_backend(priority)?;
        self.new_blobs.replace(Some(Vec::new()));
        let result = write().and_then(|commit| {
            self.store_as_pack(&odb, base, commit)?;
            Ok(commit)
        });
        self.new_blobs.replace(None);
        mempack.reset()?;
        odb.refresh()?;
        result
    }

    /// Writes the commits from `base` (excluded) to `tip`, their new trees and the
    /// blobs written for them into one pack.
    fn store_as_pack(&self, odb: &git2::Odb<'_>, base: Oid, tip: Oid) -> Result<()> {
        let mut ids = self.new_blobs.borrow().clone().unwrap_or_default();
        let mut commit = tip;
        while commit != base {
            let new = self.git.find_commit(commit)?;
            let parent = new.parent_ids().next();
            let parent_tree = match parent {
                Some(parent) => Some(self.git.find_commit(parent)?.tree_id()),
                None => None,
            };
            self.collect_new_trees(new.tree_id(), parent_tree, &mut ids)?;
            ids.push(commit);
            match parent {
                Some(parent) => commit = parent,
                None => break,
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut pack = pack::PackBuilder::new();
        for id in ids {
            if !seen.insert(id) {
                continue;
            }
            let object = odb.read(id)?;
            let kind = match object.kind() {
                ObjectType::Commit => pack::Kind::Commit,
                ObjectType::Tree => pack::Kind::Tree,
                _ => pack::Kind::Blob,
            };
            pack.add(kind, object.data())?;
        }
        let mut writer = odb.packwriter()?;
        writer.write_all(&pack.finish())?;
        writer.commit()?;
        Ok(())
    }

    /// The trees of `new` that differ from `old` at the same path: every tree an
    /// edit of `old` had to write.
    fn collect_new_trees(&self, new: Oid, old: Option<Oid>, out: &mut Vec<Oid>) -> Result<()> {
        if Some(new) == old {
            return Ok(());
        }
        out.push(new);
        let new_tree = self.git.find_tree(new)?;
        let old_tree = old.map(|id| self.git.find_tree(id)).transpose()?;
        for entry in new_tree.iter() {
            if entry.kind() != Some(ObjectType::Tree) {
                continue;
            }
            let before = old_tree
                .as_ref()
                .and_then(|t| t.get_name_bytes(entry.name_bytes()))
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .map(|e| e.id());
            self.collect_new_trees(entry.id(), before, out)?;
        }
        Ok(())
    }

    /// Stores bytes as a blob.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<Oid> {
        let id = self.git.blob(bytes)?;
        if let Some(new) = self.new_blobs.borrow_mut().as_mut() {
            new.push(id);
        }
        Ok(id)
    }

    /// A new tree: `base` with the edits applied, touching only the subtrees on their
    /// paths (no index, no walk of the whole tree).
    pub fn edit_tree(&self, base: Oid, edits: &[TreeEdit]) -> Result<Oid> {
        let base = self.git.find_tree(base)?;
        let mut builder = TreeUpdateBuilder::new();
        for edit in edits {
            match edit {
                TreeEdit::Upsert {
                    path,
                    id,
                    executable,
                } => {
                    let mode = if *executable {
                        FileMode::BlobExecutable
                    } else {
                        FileMode::Blob
                    };
                    builder.upsert(path.as_str(), *id, mode);
                }
                TreeEdit::Remove { path } => {
                    builder.remove(path.as_str());
                }
            }
        }
        builder
            .create_updated(&self.git, &base)
            .context("building the new tree")
    }

    /// Writes a commit object (no ref moves) with the author and committer git would
    /// use: `GIT_AUTHOR_*`/`GIT_COMMITTER_*`, else `user.name`/`user.email`.
    pub fn write_commit(&self, tree: Oid, parent: Oid, message: &str) -> Result<Oid> {
        let author = self.identity("AUTHOR")?;
        let committer = self.identity("COMMITTER")?;
        let tree = self.git.find_tree(tree)?;
        let parent = self.git.find_commit(parent)?;
        Ok(self
            .git
            .commit(None, &author, &committer, message, &tree, &[&parent])?)
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
            Ok(_) => Ok(true),
            Err(e) if e.code() == ErrorCode::Modified || e.code() == ErrorCode::Locked => Ok(false),
            Err(e) => Err(e).with_context(|| format!("moving {refname}")),
        }
    }

    /// Where a ref points now, if it exists.
    pub fn ref_target(&self, refname: &str) -> Result<Option<Oid>> {
        match self.git.refname_to_id(refname) {
            Ok(id) => Ok(Some(id)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {refname}")),
        }
    }

    /// Brings the work tree and the index from commit `old` to commit `new` for the
    /// paths that differ between them, and only those: every other path, staged or
    /// not, is left as it is. Safe to run again after an interruption.
    ///
    /// A file that moved keeps its bytes, so it is renamed in the work tree rather than
    /// deleted and written again, when the index vouches that the file there is still
    /// the committed one. The index forgets every entry under the `swept` folders
    /// (a folder archived whole leaves nothing staged behind).
    pub fn materialise(&self, old: Oid, new: Oid, swept: &[&str]) -> Result<usize> {
        let (removed, added) = self.changed_files(old, new)?;
        let staged = IndexUpdate::open(&self.git, &self.index_path())?;
        let mut renamed_from = std::collections::HashSet::new();
        let mut to_write = Vec::new();
        let mut sources: HashMap<Oid, Vec<&ChangedFile>> = HashMap::new();
        for file in &removed {
            sources.entry(file.id).or_default().push(file);
        }
        for file in &added {
            let source = sources
                .get_mut(&file.id)
                .and_then(|candidates| candidates.pop())
                .filter(|from| from.executable == file.executable);
            match source {
                Some(from) if self.rename_if_clean(&staged, from, file)? => {
                    renamed_from.insert(from.path.as_str());
                }
                _ => to_write.push(file),
            }
        }
        fault::point("renamed")?;
        for file in &removed {
            if !renamed_from.contains(file.path.as_str()) {
                self.remove_from_work_tree(&file.path)?;
            }
        }
        fault::point("removed")?;
        for file in to_write {
            let blob = self.git.find_blob(file.id)?;
            self.write_to_work_tree(&file.path, blob.content(), file.executable)?;
        }
        fault::point("written")?;
        let mut entries = Vec::with_capacity(added.len());
        for file in &added {
            let meta = fs::metadata(self.workdir.join(&file.path))
                .with_context(|| format!("reading back {}", file.path))?;
            entries.push(new_entry(file, &meta));
        }
        let primed = self.primed_cache(new, &removed, &added, &staged)?;
        let mut dropped: Vec<String> = removed.iter().map(|f| f.path.clone()).collect();
        for dir in swept {
            dropped.extend(staged.paths_under(&folder_prefix(dir)));
        }
        staged.update(&dropped, entries, primed)?;
        fault::point("index")?;
        Ok(removed.len() + added.len())
    }

    /// Brings only the index from commit `old` to commit `new` for the paths that
    /// differ, leaving the work tree alone (what `git add` and `git rm --cached` do).
    /// A work-tree file that holds exactly the new blob gets its stat data, so git
    /// sees it clean; any other gets none, so git compares it before trusting it.
    pub fn stage(&self, old: Oid, new: Oid) -> Result<usize> {
        let (removed, added) = self.changed_files(old, new)?;
        let staged = IndexUpdate::open(&self.git, &self.index_path())?;
        let mut entries = Vec::with_capacity(added.len());
        for file in &added {
            let meta = fs::symlink_metadata(self.workdir.join(&file.path))
                .ok()
                .filter(|m| m.is_file())
                .filter(|_| self.blob_id_of_file(&file.path).ok() == Some(file.id));
            entries.push(match meta {
                Some(meta) => new_entry(file, &meta),
                None => unstatted_entry(file),
            });
        }
        fault::point("index")?;
        let dropped: Vec<String> = removed.iter().map(|f| f.path.clone()).collect();
        staged.update(&dropped, entries, None)?;
        Ok(removed.len() + added.len())
    }

    /// When every touched path lies in one top-level folder (`.workflow/`), the index
    /// now holds exactly the new commit's tree there (operations refuse to start over
    /// local changes in it), so its cache-tree node can be written valid.
    fn primed_cache(
        &self,
        new: Oid,
        removed: &[ChangedFile],
        added: &[ChangedFile],
        staged: &IndexUpdate,
    ) -> Result<Option<index::CacheNode>> {
        let top = crate::layout::WORKFLOW_DIR;
        let inside = |f: &ChangedFile| f.path.starts_with(&format!("{top}/"));
        if !matches!(staged, IndexUpdate::Spliced(_)) || !removed.iter().chain(added).all(inside) {
            return Ok(None);
        }
        let tree = self.git.find_commit(new)?.tree()?;
        let Some(entry) = tree
            .get_name(top)
            .filter(|e| e.kind() == Some(ObjectType::Tree))
        else {
            return Ok(None);
        };
        Ok(Some(self.cache_node(top.as_bytes(), entry.id())?))
    }

    fn cache_node(&self, name: &[u8], id: Oid) -> Result<index::CacheNode> {
        let tree = self.git.find_tree(id)?;
        let mut entries = 0;
        let mut children = Vec::new();
        for entry in tree.iter() {
            if entry.kind() == Some(ObjectType::Tree) {
                let child = self.cache_node(entry.name_bytes(), entry.id())?;
                entries += child.entry_count();
                children.push(child);
            } else {
                entries += 1;
            }
        }
        Ok(index::CacheNode::valid(
            name,
            entries,
            id.as_bytes().try_into().unwrap_or_default(),
            children,
        ))
    }

    /// The index file this repository uses: `GIT_INDEX_FILE` when set (as libgit2
    /// opened it), else the work tree's own `index`.
    fn index_path(&self) -> PathBuf {
        std::env::var_os("GIT_INDEX_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.git.path().join("index"))
    }

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

    /// Renames `from` to `to` in the work tree when the index says the file at `from`
    /// is unchanged since it was staged as `from`'s blob and nothing is at `to` yet.
    fn rename_if_clean(
        &self,
        staged: &IndexUpdate,
        from: &ChangedFile,
        to: &ChangedFile,
    ) -> Result<bool> {
        let source = self.workdir.join(&from.path);
        let target = self.workdir.join(&to.path);
        let (Some(stat), Ok(meta)) = (staged.stat(&from.path), fs::symlink_metadata(&source))
        else {
            return Ok(false);
        };
        let unchanged = stat.id == *from.id.as_bytes()
            && meta.is_file()
            && stat.size == meta.len() as u32
            && stat.mtime == meta.mtime() as u32
            && stat.mtime_nsec == meta.mtime_nsec() as u32
            && stat.ino == meta.ino() as u32;
        if !unchanged || fs::symlink_metadata(&target).is_ok() {
            return Ok(false);
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("creating the folder of {}", to.path))?;
        }
        fs::rename(&source, &target)
            .with_context(|| format!("moving {} to {}", from.path, to.path))?;
        self.remove_empty_parents(&source);
        Ok(true)
    }

    /// What the index holds under `dir` and, with `against_head`, which of those
    /// paths differ from `HEAD`: the paths a commit made now would add, change or
    /// remove there. Folders the index's cache tree vouches for are not read at all.
    pub fn index_under(&self, dir: &str, against_head: bool) -> Result<IndexState> {
        let (rows, cache) = self.index_rows(&folder_prefix(dir))?;
        let files: BTreeMap<String, (Oid, u32)> = rows
            .into_iter()
            .filter_map(|r| {
                let path = String::from_utf8(r.path).ok()?;
                Some((
                    path,
                    (
                        Oid::from_bytes(&r.id).ok()?,
                        r.mode | (u32::from(r.stage) << 28),
                    ),
                ))
            })
            .collect();
        let mut state = IndexState {
            files,
            changed: Vec::new(),
        };
        if !against_head {
            state.changed = state.files.keys().map(|p| (p.clone(), true)).collect();
            return Ok(state);
        }
        let head = match self.head()? {
            Head::Branch { commit, .. } | Head::Detached { commit } => {
                let root = self.git.find_commit(commit)?.tree()?;
                if dir.is_empty() {
                    Some(root)
                } else {
                    root.get_path(Path::new(dir))
                        .ok()
                        .filter(|e| e.kind() == Some(ObjectType::Tree))
                        .map(|e| self.git.find_tree(e.id()))
                        .transpose()?
                }
            }
            Head::Unborn { .. } => None,
        };
        let cache = cache.as_ref().and_then(|root| root.find(dir));
        let mut changed = Vec::new();
        self.diff_folder(dir, head.as_ref(), cache, &state.files, &mut changed)?;
        changed.sort();
        state.changed = changed;
        Ok(state)
    }

    /// The index entries under `prefix`, and the cache tree when the index is one
    /// this crate reads itself (libgit2 reads the others, without the cache).
    fn index_rows(&self, prefix: &str) -> Result<(Vec<index::Row>, Option<index::CacheNode>)> {
        if let Some(file) = index::IndexFile::read(&self.index_path())? {
            return Ok((file.rows_under(prefix.as_bytes()), file.cache_tree()));
        }
        let mut git_index = self.git.index().map_err(unreadable_index)?;
        git_index.read(true).map_err(unreadable_index)?;
        let rows = git_index
            .iter()
            .filter(|e| e.path.starts_with(prefix.as_bytes()))
            .map(|e| index::Row {
                id: e.id.as_bytes().try_into().unwrap_or_default(),
                mode: e.mode,
                stage: (e.flags >> 12) & 0x3,
                path: e.path,
            })
            .collect();
        Ok((rows, None))
    }

    /// Compares one folder of `HEAD` with the index entries under it, recursing into
    /// subfolders unless the cache tree says they match `HEAD`.
    fn diff_folder(
        &self,
        dir: &str,
        head: Option<&Tree<'_>>,
        cache: Option<&index::CacheNode>,
        files: &BTreeMap<String, (Oid, u32)>,
        changed: &mut Vec<(String, bool)>,
    ) -> Result<()> {
        if let (Some(tree), Some(valid)) = (head, cache.and_then(index::CacheNode::valid_id))
            && tree.id().as_bytes() == valid
        {
            return Ok(());
        }
        let prefix = folder_prefix(dir);
        let mut head_files: HashMap<String, (Oid, u32)> = HashMap::new();
        let mut subdirs: BTreeMap<String, Option<Tree<'_>>> = BTreeMap::new();
        for entry in head.into_iter().flat_map(|t| t.iter()) {
            let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
            if entry.kind() == Some(ObjectType::Tree) {
                subdirs.insert(name, Some(self.git.find_tree(entry.id())?));
            } else {
                head_files.insert(name, (entry.id(), entry.filemode() as u32));
            }
        }
        let below = files.range::<str, _>((
            std::ops::Bound::Excluded(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ));
        for (path, staged) in below.take_while(|(p, _)| p.starts_with(&prefix)) {
            let rest = &path[prefix.len()..];
            match rest.split_once('/') {
                Some((sub, _)) => {
                    subdirs.entry(sub.to_string()).or_insert(None);
                }
                None => {
                    if head_files.remove(rest) != Some(*staged) {
                        changed.push((path.clone(), true));
                    }
                }
            }
        }
        changed.extend(
            head_files
                .into_keys()
                .map(|name| (format!("{prefix}{name}"), false)),
        );
        for (name, tree) in &subdirs {
            let child = cache.and_then(|c| c.find(name));
            self.diff_folder(
                &format!("{prefix}{name}"),
                tree.as_ref(),
                child,
                files,
                changed,
            )?;
        }
        Ok(())
    }

    /// The bytes of a blob.
    pub fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
        Ok(self.git.find_blob(id)?.content().to_vec())
    }

    /// Reads booleans from git config the way git does (`yes`, `on`, `1`, …), opening
    /// the configuration once for all of them (the hook reads one per rule).
    pub fn config_bools(&self, keys: &[String]) -> Result<Vec<Option<bool>>> {
        let config = self.git.config()?;
        keys.iter()
            .map(|key| match config.get_bool(key) {
                Ok(value) => Ok(Some(value)),
                Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
                Err(e) => Err(error::refused(
                    format!("git config {key} is not a boolean: {}", e.message()),
                    format!("set it to true or false: `git config {key} false`"),
                )),
            })
            .collect()
    }

    /// Reads a string from git config; `None` when unset.
    pub fn config_string(&self, key: &str) -> Result<Option<String>> {
        match self.git.config()?.get_string(key) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading git config {key}")),
        }
    }

    /// The git dir shared by every worktree (where hooks live by default).
    pub fn common_dir(&self) -> &Path {
        self.git.commondir()
    }

    /// The commits `range` names (`A..B`, or `B` alone for everything reachable from
    /// it that no ref reaches yet, as a pre-receive hook sees a new branch), oldest
    /// first. An all-zero `A` means the same as `B` alone.
    pub fn commits_in_range(&self, range: &str) -> Result<Vec<CommitInfo>> {
        let bad = |why: &str| {
            error::usage(
                format!("--range {range}: {why}"),
                "give A..B (two revisions) or one revision, as `git log` takes them",
            )
        };
        let (from, to) = match range.split_once("..") {
            Some((from, to)) => (Some(from), to),
            None => (None, range),
        };
        let from = from.filter(|f| !f.is_empty() && !f.bytes().all(|b| b == b'0'));
        let mut walk = self.git.revwalk()?;
        if to.bytes().all(|b| b == b'0') {
            return Ok(Vec::new());
        }
        let to = self
            .git
            .revparse_single(if to.is_empty() { "HEAD" } else { to })
            .map_err(|e| bad(e.message()))?;
        walk.push(to.peel_to_commit().map_err(|e| bad(e.message()))?.id())?;
        match from {
            Some(from) => {
                let from = self
                    .git
                    .revparse_single(from)
                    .map_err(|e| bad(e.message()))?;
                walk.hide(from.peel_to_commit().map_err(|e| bad(e.message()))?.id())?;
            }
            None => walk.hide_glob("refs/*")?,
        }
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        walk.map(|id| self.commit(id?)).collect()
    }

    /// The commits reachable from `HEAD`, newest first, that carry `trailer_key`.
    pub fn commits_with_trailer(&self, trailer_key: &str) -> Result<Vec<CommitInfo>> {
        let mut walk = self.git.revwalk()?;
        if walk.push_head().is_err() {
            return Ok(Vec::new());
        }
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        let mut found = Vec::new();
        for id in walk {
            let commit = self.git.find_commit(id?)?;
            let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
            if !message.contains(trailer_key) {
                continue;
            }
            let trailers = trailers(&message);
            if trailers.iter().any(|(k, _)| k == trailer_key) {
                found.push(commit_info(&commit, message, trailers));
            }
        }
        Ok(found)
    }

    /// The commit a revision names (`1a2b3c4`, `HEAD~2`, a branch), refused clearly
    /// when it names none.
    pub fn resolve_commit(&self, rev: &str) -> Result<Oid> {
        self.git
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map(|commit| commit.id())
            .map_err(|_| {
                error::refused(
                    format!("'{rev}' does not name a commit in this repository"),
                    "name the operation by its hash, as `git workflow log` lists it",
                )
            })
    }

    /// A commit's hash, parents, time, subject and trailers.
    pub fn commit(&self, id: Oid) -> Result<CommitInfo> {
        let commit = self.git.find_commit(id)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = trailers(&message);
        Ok(commit_info(&commit, message, trailers))
    }

    /// Whether `ancestor` is `descendant` or in its history.
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> Result<bool> {
        Ok(ancestor == descendant || self.git.graph_descendant_of(descendant, ancestor)?)
    }

    /// The commits after `since` up to `HEAD`, newest first, that changed any of
    /// `paths`, each with the paths among them it changed.
    pub fn commits_touching(
        &self,
        since: Oid,
        paths: &[String],
    ) -> Result<Vec<(CommitInfo, Vec<String>)>> {
        let mut walk = self.git.revwalk()?;
        walk.push_head()?;
        walk.hide(since)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        let mut found = Vec::new();
        for id in walk {
            let commit = self.git.find_commit(id?)?;
            let parent_tree = match commit.parent_ids().next() {
                Some(parent) => Some(self.git.find_commit(parent)?.tree()?),
                None => None,
            };
            let mut opts = DiffOptions::new();
            opts.disable_pathspec_match(true);
            for path in paths {
                opts.pathspec(path);
            }
            let diff = self.git.diff_tree_to_tree(
                parent_tree.as_ref(),
                Some(&commit.tree()?),
                Some(&mut opts),
            )?;
            let touched: Vec<String> = diff
                .deltas()
                .filter_map(|d| {
                    d.new_file()
                        .path()
                        .or(d.old_file().path())?
                        .to_str()
                        .map(str::to_string)
                })
                .collect();
            if !touched.is_empty() {
                found.push((self.commit(commit.id())?, touched));
            }
        }
        Ok(found)
    }

    /// The blob id these bytes would have, without storing them.
    pub fn blob_id(&self, bytes: &[u8]) -> Result<Oid> {
        Ok(Oid::hash_object(ObjectType::Blob, bytes)?)
    }

    /// The blob id of a work-tree file as it is on disk, unfiltered.
    pub fn blob_id_of_file(&self, path: &str) -> Result<Oid> {
        Ok(Oid::hash_file(ObjectType::Blob, self.workdir.join(path))?)
    }

    /// The abbreviated hash git would print for a commit.
    pub fn short_id(&self, id: Oid) -> String {
        self.git
            .find_object(id, None)
            .and_then(|o| o.short_id())
            .ok()
            .and_then(|buf| buf.as_str().map(str::to_string).ok())
            .unwrap_or_else(|| id.to_string()[..7].to_string())
    }

    fn identity(&self, role: &str) -> Result<Signature<'static>> {
        let config = self.git.config()?;
        let field = |what: &str, key: &str| {
            std::env::var(format!("GIT_{role}_{what}"))
                .ok()
                .or_else(|| config.get_string(key).ok())
        };
        let (Some(name), Some(email)) = (field("NAME", "user.name"), field("EMAIL", "user.email"))
        else {
            return Err(error::refused(
                "git does not know who you are: user.name or user.email is not set",
                "run `git config user.name \"Your Name\"` and `git config user.email you@example.com`",
            ));
        };
        let time = match std::env::var(format!("GIT_{role}_DATE")) {
            Ok(date) => parse_git_date(&date)
                .with_context(|| format!("GIT_{role}_DATE={date:?} is not a date git accepts"))?,
            Err(_) => {
                let now = chrono::Local::now();
                Time::new(now.timestamp(), now.offset().local_minus_utc() / 60)
            }
        };
        Ok(Signature::new(&name, &email, &time)?)
    }

    fn remove_from_work_tree(&self, path: &str) -> Result<()> {
        let full = self.workdir.join(path);
        match fs::remove_file(&full) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {path}")),
        }
        self.remove_empty_parents(&full);
        Ok(())
    }

    /// Removes the folders above a removed file that it left empty, as git does.
    fn remove_empty_parents(&self, removed: &Path) {
        let mut dir = removed.parent();
        while let Some(d) = dir {
            if d == self.workdir || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }

    /// Writes a file in place. A crash part-way leaves the journal behind, and the
    /// next command writes every touched file again, so no temporary file is needed.
    fn write_to_work_tree(&self, path: &str, bytes: &[u8], executable: bool) -> Result<()> {
        let full = self.workdir.join(path);
        let parent = full
            .parent()
            .ok_or_else(|| anyhow!("{path} has no folder"))?;
        fs::create_dir_all(parent).with_context(|| format!("creating the folder of {path}"))?;
        match fs::symlink_metadata(&full) {
            Ok(meta) if meta.is_dir() => {
                bail!("{path} is a folder in the work tree, where a file must go")
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                fs::remove_file(&full).with_context(|| format!("replacing the link {path}"))?
            }
            _ => {}
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(if executable { 0o777 } else { 0o666 })
            .open(&full)
            .with_context(|| format!("writing {path}"))?;
        file.write_all(bytes)
            .with_context(|| format!("writing {path}"))?;
        Ok(())
    }
}

impl<'r> Snapshot<'r> {
    /// Whether there is anything at this path.
    pub fn exists(&self, path: &str) -> bool {
        self.entry(path).is_some()
    }

    /// Every file below the folder at `path`, recursively, as repository paths.
    pub fn files_under(&self, path: &str) -> Result<Vec<String>> {
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

    /// The bytes of the file at `path`, if it is a file.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.entry(path) else {
            return Ok(None);
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Ok(None);
        }
        Ok(Some(self.repo.find_blob(entry.id())?.content().to_vec()))
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
                let name = std::str::from_utf8(e.name_bytes()).map_err(|_| {
                    error::refused(
                        format!(
                            "{path}/ holds a file whose name is not UTF-8 ({})",
                            String::from_utf8_lossy(e.name_bytes())
                        ),
                        format!("rename it with `git mv` to a UTF-8 name under {path}/"),
                    )
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
        let tree = self
            .entry(path)
            .filter(|e| e.kind() == Some(ObjectType::Tree))
            .and_then(|e| self.repo.find_tree(e.id()).ok());
        self.folders
            .borrow_mut()
            .insert(path.to_string(), tree.clone());
        tree
    }
}

fn commit_info(
    commit: &git2::Commit<'_>,
    message: String,
    trailers: Vec<(String, String)>,
) -> CommitInfo {
    CommitInfo {
        id: commit.id(),
        parents: commit.parent_ids().collect(),
        time: commit.committer().when().seconds(),
        subject: message.lines().next().unwrap_or("").to_string(),
        trailers,
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

fn describe_status(status: Status) -> &'static str {
    if status.is_conflicted() {
        "conflicted"
    } else if status.is_wt_new() {
        "untracked"
    } else if status.intersects(
        Status::INDEX_NEW | Status::INDEX_MODIFIED | Status::INDEX_DELETED | Status::INDEX_RENAMED,
    ) {
        "staged"
    } else if status.is_wt_deleted() {
        "deleted"
    } else {
        "modified"
    }
}

/// Whether a git file mode is a symlink (`120000`) or a gitlink (`160000`).
fn is_link_mode(mode: u32) -> bool {
    matches!(mode & 0o170000, 0o120000 | 0o160000)
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

/// The index as materialising updates it: spliced in one pass when its format allows
/// (see `index.rs`), through libgit2 otherwise.
enum IndexUpdate {
    Spliced(index::IndexFile),
    Libgit2(git2::Index),
}

impl IndexUpdate {
    fn open(git: &Repository, path: &Path) -> Result<Self> {
        if let Some(file) = index::IndexFile::read(path)? {
            return Ok(Self::Spliced(file));
        }
        let mut index = git.index().map_err(unreadable_index)?;
        index.read(true).map_err(unreadable_index)?;
        Ok(Self::Libgit2(index))
    }

    /// The stage-0 stat data of a path.
    fn stat(&self, path: &str) -> Option<index::Stat> {
        match self {
            Self::Spliced(file) => file.stat(path.as_bytes()),
            Self::Libgit2(index) => index.get_path(Path::new(path), 0).map(|e| index::Stat {
                id: e.id.as_bytes().try_into().unwrap_or_default(),
                size: e.file_size,
                mtime: e.mtime.seconds() as u32,
                mtime_nsec: e.mtime.nanoseconds(),
                ino: e.ino,
            }),
        }
    }

    /// Every path staged under `prefix` (a folder ending in `/`), any stage.
    fn paths_under(&self, prefix: &str) -> Vec<String> {
        match self {
            Self::Spliced(file) => file
                .rows_under(prefix.as_bytes())
                .into_iter()
                .filter_map(|r| String::from_utf8(r.path).ok())
                .collect(),
            Self::Libgit2(index) => index
                .iter()
                .filter(|e| e.path.starts_with(prefix.as_bytes()))
                .filter_map(|e| String::from_utf8(e.path).ok())
                .collect(),
        }
    }

    /// Drops the removed paths, puts in the new entries, writes the index.
    fn update(
        self,
        removed: &[String],
        added: Vec<index::NewEntry>,
        primed: Option<index::CacheNode>,
    ) -> Result<()> {
        match self {
            Self::Spliced(file) => {
                let removed = removed.iter().map(|p| p.as_bytes().to_vec()).collect();
                file.write_spliced(&removed, added, primed)
            }
            Self::Libgit2(mut index) => {
                for path in removed {
                    index.remove_path(Path::new(path))?;
                }
                for entry in &added {
                    index.add(&git_entry(entry)?)?;
                }
                index.write().context("writing the index")
            }
        }
    }
}

/// libgit2 cannot read a split index; say so with the fix instead of its own words.
fn unreadable_index(e: git2::Error) -> anyhow::Error {
    if e.message().contains("mandatory extension") {
        return error::refused(
            format!(
                "the index uses an extension libgit2 cannot read ({})",
                e.message()
            ),
            "turn the split index off with `git update-index --no-split-index` (and `git config core.splitIndex false`), then run this again",
        );
    }
    e.into()
}

/// The index entry for a file just written or moved into place.
fn new_entry(file: &ChangedFile, meta: &fs::Metadata) -> index::NewEntry {
    index::NewEntry {
        path: file.path.as_bytes().to_vec(),
        ctime: (meta.ctime() as u32, meta.ctime_nsec() as u32),
        mtime: (meta.mtime() as u32, meta.mtime_nsec() as u32),
        dev: meta.dev() as u32,
        ino: meta.ino() as u32,
        mode: if file.executable { 0o100755 } else { 0o100644 },
        uid: meta.uid(),
        gid: meta.gid(),
        size: meta.len() as u32,
        id: file.id.as_bytes().try_into().unwrap_or_default(),
    }
}

/// The index entry for a file whose work-tree copy cannot vouch for the blob: no
/// stat data, so git re-reads the file before calling it clean.
fn unstatted_entry(file: &ChangedFile) -> index::NewEntry {
    index::NewEntry {
        path: file.path.as_bytes().to_vec(),
        ctime: (0, 0),
        mtime: (0, 0),
        dev: 0,
        ino: 0,
        mode: if file.executable { 0o100755 } else { 0o100644 },
        uid: 0,
        gid: 0,
        size: 0,
        id: file.id.as_bytes().try_into().unwrap_or_default(),
    }
}

fn git_entry(entry: &index::NewEntry) -> Result<IndexEntry> {
    Ok(IndexEntry {
        ctime: IndexTime::new(entry.ctime.0 as i32, entry.ctime.1),
        mtime: IndexTime::new(entry.mtime.0 as i32, entry.mtime.1),
        dev: entry.dev,
        ino: entry.ino,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        file_size: entry.size,
        id: Oid::from_bytes(&entry.id)?,
        flags: entry.path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: entry.path.clone(),
    })
}

/// Splits a commit message's trailer block into `(key, value)` pairs.
fn trailers(message: &str) -> Vec<(String, String)> {
    git2::message_trailers_strs(message)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses the date forms git accepts in `GIT_AUTHOR_DATE` that tools and tests use:
/// `@<secs> [±hhmm]`, `<secs> ±hhmm`, RFC 2822, RFC 3339, `YYYY-MM-DD HH:MM:SS ±hhmm`.
fn parse_git_date(date: &str) -> Result<Time> {
    let date = date.trim();
    let mut parts = date.split_whitespace();
    let first = parts.next().unwrap_or("");
    let digits = first.strip_prefix('@').unwrap_or(first);
    if let Ok(secs) = digits.parse::<i64>()
        && (first.starts_with('@') || parts.clone().next().is_some())
    {
        let offset = parts.next().map(parse_offset).transpose()?.unwrap_or(0);
        return Ok(Time::new(secs, offset));
    }
    let parsed = chrono::DateTime::parse_from_rfc2822(date)
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(date))
        .or_else(|_| chrono::DateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S %z"))?;
    Ok(Time::new(
        parsed.timestamp(),
        parsed.offset().local_minus_utc() / 60,
    ))
}

fn parse_offset(text: &str) -> Result<i32> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => bail!("bad time zone {text:?}"),
    };
    if rest.len() != 4 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        bail!("bad time zone {text:?}");
    }
    let hours: i32 = rest[..2].parse()?;
    let minutes: i32 = rest[2..].parse()?;
    Ok(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dates_in_the_forms_tests_and_tools_use() {
        let t = parse_git_date("@1700000000 +0100").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 60));
        let t = parse_git_date("1700000000 -0230").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, -150));
        let t = parse_git_date("2005-04-07T22:13:13+02:00").unwrap();
        assert_eq!(t.offset_minutes(), 120);
        assert!(parse_git_date("yesterday-ish").is_err());
    }

    #[test]
    fn trailers_come_from_the_last_paragraph() {
        let t = trailers("subject\n\nbody\n\nWorkflow-Operation: migrate\nWorkflow-Migration: x\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0], ("Workflow-Operation".into(), "migrate".into()));
    }
}
