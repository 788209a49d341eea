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
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error;

/// An object id (a commit, tree or blob hash).
pub type Oid = git2::Oid;

/// An open repository with a work tree.
pub struct Repo {
    git: Repository,
    workdir: PathBuf,
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
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The first line of its message.
    pub subject: String,
    /// Its trailers, in order.
    pub trailers: Vec<(String, String)>,
}

/// A read-only view of one commit's tree: what planners see of the repository.
pub struct Snapshot<'r> {
    repo: &'r Repository,
    tree: Option<Tree<'r>>,
}

impl Repo {
    /// Opens the repository the way git does: `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_INDEX_FILE`, `GIT_CEILING_DIRECTORIES`, from any subfolder, from a linked
    /// worktree. A bare repository, or no repository, is refused.
    pub fn discover() -> Result<Self> {
        let git = Repository::open_from_env().map_err(|e| {
            error::refused(
                format!("not inside a git repository ({})", e.message()),
                "run this inside a git work tree, or name one with `git workflow -C <dir> …`",
            )
        })?;
        let workdir = git.workdir().map(Path::to_path_buf).ok_or_else(|| {
            error::refused(
                format!(
                    "{} is a bare repository: .workflow/ lives in a work tree",
                    git.path().display()
                ),
                "run this inside a clone with a work tree (`git worktree add` or `git clone`)",
            )
        })?;
        Ok(Self { git, workdir })
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

    /// Every staged, unstaged or untracked change under `folder`, as `git status`
    /// lists them (ignored files are not changes).
    pub fn local_changes(&self, folder: &str) -> Result<Vec<LocalChange>> {
        let mut opts = StatusOptions::new();
        opts.pathspec(format!("{folder}/"))
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true)
            .renames_head_to_index(false);
        let statuses = self
            .git
            .statuses(Some(&mut opts))
            .with_context(|| format!("reading the status of {folder}/"))?;
        Ok(statuses
            .iter()
            .map(|s| LocalChange {
                path: String::from_utf8_lossy(s.path_bytes()).into_owned(),
                state: describe_status(s.status()),
            })
            .collect())
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
        })
    }

    /// Stores bytes as a blob.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<Oid> {
        Ok(self.git.blob(bytes)?)
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
    pub fn materialise(&self, old: Oid, new: Oid) -> Result<usize> {
        let old_tree = self.git.find_commit(old)?.tree()?;
        let new_tree = self.git.find_commit(new)?.tree()?;
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let diff = self
            .git
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))?;
        let mut removed = Vec::new();
        let mut written = Vec::new();
        for delta in diff.deltas() {
            match delta.status() {
                Delta::Deleted => removed.push(delta.old_file()),
                Delta::Added | Delta::Modified | Delta::Typechange => {
                    if delta.status() == Delta::Typechange {
                        removed.push(delta.old_file());
                    }
                    written.push(delta.new_file());
                }
                _ => {}
            }
        }
        let mut index = self.git.index()?;
        index.read(true)?;
        for file in &removed {
            let path = diff_path(file)?;
            self.remove_from_work_tree(path)?;
            index.remove_path(Path::new(path))?;
        }
        for file in &written {
            let path = diff_path(file)?;
            let executable = file.mode() == FileMode::BlobExecutable;
            let blob = self.git.find_blob(file.id())?;
            let meta = self.write_to_work_tree(path, blob.content(), executable)?;
            index.add(&index_entry(path, file.id(), executable, &meta))?;
        }
        index.write().context("writing the index")?;
        Ok(removed.len() + written.len())
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
                found.push(CommitInfo {
                    id: commit.id(),
                    time: commit.committer().when().seconds(),
                    subject: message.lines().next().unwrap_or("").to_string(),
                    trailers,
                });
            }
        }
        Ok(found)
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
        let mut dir = full.parent();
        while let Some(d) = dir {
            if d == self.workdir || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }

    /// Writes a file atomically (temporary file, then rename) and returns its metadata
    /// for the index entry.
    fn write_to_work_tree(
        &self,
        path: &str,
        bytes: &[u8],
        executable: bool,
    ) -> Result<fs::Metadata> {
        let full = self.workdir.join(path);
        let parent = full
            .parent()
            .ok_or_else(|| anyhow!("{path} has no folder"))?;
        fs::create_dir_all(parent).with_context(|| format!("creating the folder of {path}"))?;
        if let Ok(meta) = fs::symlink_metadata(&full)
            && meta.is_dir()
        {
            bail!("{path} is a folder in the work tree, where a file must go");
        }
        let tmp = parent.join(format!(
            ".{}.git-workflow-tmp",
            full.file_name().and_then(|n| n.to_str()).unwrap_or("file")
        ));
        let _ = fs::remove_file(&tmp);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if executable { 0o777 } else { 0o666 })
            .open(&tmp)
            .with_context(|| format!("writing {path}"))?;
        file.write_all(bytes)
            .with_context(|| format!("writing {path}"))?;
        drop(file);
        fs::rename(&tmp, &full).with_context(|| format!("writing {path}"))?;
        Ok(fs::metadata(&full)?)
    }
}

impl Snapshot<'_> {
    /// Whether there is anything at this path.
    pub fn exists(&self, path: &str) -> bool {
        self.entry(path).is_some()
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
        let tree = match (&self.tree, path) {
            (None, _) => return Ok(Vec::new()),
            (Some(root), "") => root.clone(),
            (Some(_), _) => match self.entry(path) {
                Some(e) if e.kind() == Some(ObjectType::Tree) => self.repo.find_tree(e.id())?,
                _ => return Ok(Vec::new()),
            },
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

    fn entry(&self, path: &str) -> Option<git2::TreeEntry<'static>> {
        self.tree.as_ref()?.get_path(Path::new(path)).ok()
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

fn diff_path<'a>(file: &'a git2::DiffFile<'_>) -> Result<&'a str> {
    file.path()
        .and_then(Path::to_str)
        .ok_or_else(|| anyhow!("a changed path is not UTF-8"))
}

fn index_entry(path: &str, id: Oid, executable: bool, meta: &fs::Metadata) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32),
        mtime: IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32),
        dev: meta.dev() as u32,
        ino: meta.ino() as u32,
        mode: if executable { 0o100755 } else { 0o100644 },
        uid: meta.uid(),
        gid: meta.gid(),
        file_size: meta.len() as u32,
        id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
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
