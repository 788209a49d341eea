//! What differs from `HEAD` in the index and the work tree: local changes as
//! `git status` lists them, ignore rules, and what the index holds under a folder
//! (read through its cache tree).

use anyhow::Result;
use git2::{ObjectType, Status, StatusOptions, Tree};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::diff::is_link_mode;
use super::index;
use super::index_update::unreadable_index;
use super::{Head, Oid, Repo, folder_prefix};

/// A file that is only "deleted" in the work tree because its index entry is
/// `skip-worktree` (outside a sparse checkout): git does not call that a change, and
/// neither do we (libgit2's status does).
fn outside_sparse_checkout(index: &git2::Index, path: &[u8], status: Status) -> bool {
    const SKIP_WORKTREE: u16 = 1 << 14;
    status == Status::WT_DELETED
        && index
            .get_path(Path::new(&*String::from_utf8_lossy(path)), 0)
            .is_some_and(|entry| entry.flags_extended & SKIP_WORKTREE != 0)
}

/// One local change under a folder, as `git status` would list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalChange {
    /// The repository path.
    pub path: String,
    /// `staged`, `modified`, `deleted`, `untracked`, `conflicted`, …
    pub state: &'static str,
    /// Whether git hides it (`assume-unchanged`, `skip-worktree`): `git add` and
    /// `git stash` do not see it until it is shown again.
    pub hidden: bool,
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

impl Repo {
    /// Every staged, unstaged or untracked change under these paths (folders end in
    /// `/`), as `git status` lists them (ignored files are not changes).
    pub fn local_changes(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        if self.converts(paths.iter().copied()) {
            return self.local_changes_by_git(paths);
        }
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
        let index = self.git.index().map_err(unreadable_index)?;
        Ok(statuses
            .iter()
            .filter(|s| !outside_sparse_checkout(&index, s.path_bytes(), s.status()))
            .map(|s| LocalChange {
                path: String::from_utf8_lossy(s.path_bytes()).into_owned(),
                state: describe_status(s.status()),
                hidden: false,
            })
            .collect())
    }

    /// `git status` itself, where a filter or line-ending conversion applies:
    /// libgit2 runs no external filter driver, so a racily clean file under one
    /// (git-lfs) would look modified to it.
    fn local_changes_by_git(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        let mut args = vec![
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--ignore-submodules",
            "--",
        ];
        args.extend_from_slice(paths);
        let output = self.run_git(&args, b"")?;
        if !output.status.success() {
            anyhow::bail!("git status failed: {}", super::cli::stderr_text(&output));
        }
        Ok(output
            .stdout
            .split(|&b| b == 0)
            .filter(|entry| entry.len() > 3)
            .map(|entry| LocalChange {
                path: String::from_utf8_lossy(&entry[3..]).into_owned(),
                state: describe_porcelain(entry[0], entry[1]),
                hidden: false,
            })
            .collect())
    }

    /// The local edits `git status` does not show: files under these paths (folders
    /// end in `/`) marked `assume-unchanged` or `skip-worktree` whose work-tree copy
    /// differs from the index. git refuses to overwrite them ("would be
    /// overwritten"); an operation must too. A skip-worktree file that is simply
    /// absent (a sparse checkout) is no edit.
    pub fn hidden_changes(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        let (rows, _) = self.index_rows_under(paths)?;
        let declared = |path: &[u8]| {
            paths.iter().any(|p| {
                path.starts_with(p.as_bytes()) && (p.ends_with('/') || path == p.as_bytes())
            })
        };
        let mut hidden = Vec::new();
        for row in rows.into_iter().filter(|r| r.hidden && declared(&r.path)) {
            let Ok(path) = String::from_utf8(row.path) else {
                continue;
            };
            if !self.workdir.join(&path).exists() {
                continue;
            }
            let edited = self
                .blob_id_of_file(&path)
                .map_or(true, |id| id.as_bytes() != row.id);
            if edited {
                hidden.push(LocalChange {
                    path,
                    state: "modified, hidden by assume-unchanged or skip-worktree",
                    hidden: true,
                });
            }
        }
        Ok(hidden)
    }

    /// Whether git would ignore this repository path.
    pub fn is_ignored(&self, path: &str) -> Result<bool> {
        Ok(self.git.status_should_ignore(Path::new(path))?)
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
        self.index_rows_under(&[prefix])
    }

    /// The index entries under any of `prefixes`, the index read once.
    fn index_rows_under(
        &self,
        prefixes: &[&str],
    ) -> Result<(Vec<index::Row>, Option<index::CacheNode>)> {
        if let Some(file) = index::IndexFile::read(&self.index_path())? {
            let rows = prefixes
                .iter()
                .flat_map(|p| file.rows_under(p.as_bytes()))
                .collect();
            return Ok((rows, file.cache_tree()));
        }
        let mut git_index = self.git.index().map_err(unreadable_index)?;
        git_index.read(true).map_err(unreadable_index)?;
        let rows = git_index
            .iter()
            .filter(|e| prefixes.iter().any(|p| e.path.starts_with(p.as_bytes())))
            .map(|e| index::Row {
                id: e.id.as_bytes().try_into().unwrap_or_default(),
                mode: e.mode,
                stage: (e.flags >> 12) & 0x3,
                hidden: e.flags & 0x8000 != 0 || e.flags_extended & 0x4000 != 0,
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
}

/// The same words for `git status --porcelain` codes.
fn describe_porcelain(index: u8, work_tree: u8) -> &'static str {
    match (index, work_tree) {
        (b'U', _) | (_, b'U') | (b'A', b'A') | (b'D', b'D') => "conflicted",
        (b'?', _) => "untracked",
        (b' ', b'D') => "deleted",
        (b' ', _) => "modified",
        _ => "staged",
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
