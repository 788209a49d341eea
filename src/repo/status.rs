//! What differs from `HEAD` in the index and the work tree: local changes as
//! `git status` lists them, ignore rules, and what the index holds under a folder
//! (read through its cache tree).

use anyhow::Result;
use git2::{ObjectType, Status, StatusOptions};
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

/// The state of an ignored file that was never committed where an operation
/// writes: `git status` does not list it, but it would be replaced.
pub const IGNORED: &str = "ignored and never committed";

/// What the index holds under a folder and what differs from `HEAD` there.
pub struct IndexState {
    /// The entries in index order (by path, then stage), looked up by bisection:
    /// the hook reads a few of tens of thousands, so none is copied into a map.
    pub(super) rows: Vec<index::Row>,
    /// The paths that differ from `HEAD` (or every path, without the comparison),
    /// each with whether it is present in the index.
    pub changed: Vec<(String, bool)>,
}

impl IndexState {
    /// The entry of `path` (its last stage, when conflicted).
    fn row(&self, path: &str) -> Option<&index::Row> {
        let end = self
            .rows
            .partition_point(|r| r.path.as_slice() <= path.as_bytes());
        self.rows[..end]
            .last()
            .filter(|r| r.path == path.as_bytes())
    }

    /// The rows from the first path starting with `prefix`, while they do.
    fn rows_under(&self, prefix: &str) -> impl Iterator<Item = &index::Row> {
        let start = self
            .rows
            .partition_point(|r| r.path.as_slice() < prefix.as_bytes());
        self.rows[start..]
            .iter()
            .take_while(move |r| r.path.starts_with(prefix.as_bytes()))
    }

    /// The blob staged at `path`, if any.
    pub fn blob(&self, path: &str) -> Option<Oid> {
        self.row(path).and_then(|r| Oid::from_bytes(&r.id).ok())
    }

    /// Every path the index holds under the folder, once each.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(i, r)| self.rows.get(i + 1).is_none_or(|next| next.path != r.path))
            .filter_map(|(_, r)| std::str::from_utf8(&r.path).ok())
    }

    /// The paths with a conflict (an entry at stage 1–3), in order.
    pub fn conflicted(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.stage != 0)
            .filter_map(|r| std::str::from_utf8(&r.path).ok())
            .collect();
        paths.dedup();
        paths
    }

    /// Whether the entry at `path` is a symlink or a gitlink rather than a file.
    pub fn is_link(&self, path: &str) -> bool {
        self.row(path).is_some_and(|r| is_link_mode(r.mode))
    }

    /// Whether anything is staged under `folder`.
    pub fn has_folder(&self, folder: &str) -> bool {
        self.rows_under(&format!("{folder}/")).next().is_some()
    }

    /// The names of the files staged directly inside `folder`.
    pub fn files_in(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        let mut names: Vec<String> = self
            .rows_under(&prefix)
            .filter_map(|r| std::str::from_utf8(&r.path[prefix.len()..]).ok())
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect();
        names.dedup();
        names
    }
}

impl Repo {
    /// Every staged, unstaged or untracked change under these paths (folders end in
    /// `/`), as `git status` lists them; and, for a file path, an ignored untracked
    /// file there, which `git status` does not list but an operation that writes the
    /// path would replace. When the index's stat data proves every folder of
    /// `paths` clean, no status is run at all; file paths alone are asked about one
    /// by one, so their cost does not grow with the folders around them.
    pub fn local_changes(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        let mut changes = if self.converts(paths.iter().copied()) {
            self.local_changes_by_git(paths)?
        } else if self.all_proved_clean(paths)? {
            Vec::new()
        } else if let Some(changes) = self.files_alone(paths)? {
            changes
        } else {
            self.folder_changes(paths)?
        };
        let listed: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
        let unlisted: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|p| !listed.iter().any(|l| l == p))
            .collect();
        changes.extend(self.ignored_in_the_way(&unlisted)?);
        Ok(changes)
    }

    /// [`Repo::file_changes`] when every path is a file.
    fn files_alone(&self, paths: &[&str]) -> Result<Option<Vec<LocalChange>>> {
        match paths.iter().all(|p| !p.ends_with('/')) {
            true => self.file_changes(paths),
            false => Ok(None),
        }
    }

    /// libgit2's status under `paths`.
    fn folder_changes(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        let mut opts = StatusOptions::new();
        for path in paths {
            opts.pathspec(path);
        }
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true)
            .renames_head_to_index(false);
        let index_path = self.index_path();
        let statuses = self.git.statuses(Some(&mut opts)).map_err(|e| {
            unreadable_index(e, &index_path)
                .context(format!("reading the status of {}", paths.join(" ")))
        })?;
        let index = self
            .git
            .index()
            .map_err(|e| unreadable_index(e, &index_path))?;
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

    /// The file paths among `paths` where the work tree holds a file that neither
    /// the index nor `HEAD` has and `.gitignore` matches: `git status` is silent about it, and
    /// `git checkout` would replace it, but an operation that writes the path would
    /// lose what it holds.
    fn ignored_in_the_way(&self, paths: &[&str]) -> Result<Vec<LocalChange>> {
        let mut found = Vec::new();
        for path in paths.iter().filter(|p| !p.ends_with('/')) {
            let on_disk = std::fs::symlink_metadata(self.workdir.join(path)).is_ok();
            let quiet = on_disk && self.is_ignored(path)? && !self.is_staged(path)?;
            if quiet && !self.head_has(path)? {
                found.push(LocalChange {
                    path: path.to_string(),
                    state: IGNORED,
                    hidden: false,
                });
            }
        }
        Ok(found)
    }

    /// Whether `HEAD` holds `path`: a file git dropped from the index but `HEAD`
    /// has is a staged deletion, which the status names, not a never-committed one.
    fn head_has(&self, path: &str) -> Result<bool> {
        let Ok(head) = self.git.head() else {
            return Ok(false);
        };
        Ok(head.peel_to_tree()?.get_path(Path::new(path)).is_ok())
    }

    /// Whether the index has an entry at `path` (any stage).
    fn is_staged(&self, path: &str) -> Result<bool> {
        let index_path = self.index_path();
        if let Some(file) = index::IndexFile::read(&index_path)? {
            return Ok(file
                .rows_under(path.as_bytes())
                .iter()
                .any(|r| r.path == path.as_bytes()));
        }
        let index = self
            .git
            .index()
            .map_err(|e| unreadable_index(e, &index_path))?;
        Ok(index.get_path(Path::new(path), 0).is_some())
    }

    /// Whether every one of `paths` is a folder [`Repo::proved_clean`] proves clean.
    fn all_proved_clean(&self, paths: &[&str]) -> Result<bool> {
        for path in paths {
            if !path.ends_with('/') || !self.proved_clean(path)? {
                return Ok(false);
            }
        }
        Ok(true)
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
        let rows = self.index_rows_under(paths)?;
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
        let (rows, cache, at_dir) = self.index_rows(dir)?;
        let mut state = IndexState {
            rows,
            changed: Vec::new(),
        };
        if !against_head {
            state.changed = state.paths().map(|p| (p.to_string(), true)).collect();
            add_folder_entry(dir, at_dir, None, &mut state);
            return Ok(state);
        }
        let mut head_entry = Some(None);
        let head = match self.head()? {
            Head::Branch { commit, .. } | Head::Detached { commit } => {
                let root = self.git.find_commit(commit)?.tree()?;
                if dir.is_empty() {
                    Some(root.id())
                } else {
                    let entry = root.get_path(Path::new(dir)).ok();
                    head_entry = Some(
                        entry
                            .as_ref()
                            .map(|e| (e.filemode() as u32, Oid::from(e.id()))),
                    );
                    entry
                        .filter(|e| e.kind() == Some(ObjectType::Tree))
                        .map(|e| e.id())
                }
            }
            Head::Unborn { .. } => None,
        };
        let mut changed = Vec::new();
        let prefix = folder_prefix(dir);
        self.diff_folder(
            prefix.as_bytes(),
            head,
            cache.as_ref(),
            &state.rows,
            &mut changed,
        )?;
        changed.sort();
        state.changed = changed;
        add_folder_entry(dir, at_dir, head_entry, &mut state);
        Ok(state)
    }

    /// The index entries under `dir`, and the cache tree's node of `dir` when the
    /// index is one this crate reads itself (libgit2 reads the others, without it).
    /// With them, the entry at `dir` itself, if any (a link or a submodule where a
    /// folder should be), from the same read of the index.
    fn index_rows(&self, dir: &str) -> Result<IndexRows> {
        let prefix = folder_prefix(dir);
        if let Some(view) = index::IndexView::open(&self.index_path())?
            && let Some(rows) = view.rows_under(prefix.as_bytes())
            && let Some(at_dir) = if dir.is_empty() {
                Some(None)
            } else {
                view.row_at(dir.as_bytes())
            }
        {
            return Ok((rows, view.cache_node(dir), at_dir));
        }
        let mut rows = self.index_rows_by_libgit2(&[dir])?;
        let at = rows
            .iter()
            .rposition(|r| r.path == dir.as_bytes() && !dir.is_empty());
        let at_dir = at.map(|i| rows[i].clone());
        rows.retain(|r| r.path.starts_with(prefix.as_bytes()));
        Ok((rows, None, at_dir))
    }

    /// The index entries under any of `prefixes`, the index read once.
    fn index_rows_under(&self, prefixes: &[&str]) -> Result<Vec<index::Row>> {
        if let Some(view) = index::IndexView::open(&self.index_path())?
            && let Some(rows) = prefixes
                .iter()
                .map(|p| view.rows_under(p.as_bytes()))
                .collect::<Option<Vec<_>>>()
        {
            return Ok(rows.into_iter().flatten().collect());
        }
        self.index_rows_by_libgit2(prefixes)
    }

    fn index_rows_by_libgit2(&self, prefixes: &[&str]) -> Result<Vec<index::Row>> {
        let index_path = self.index_path();
        let unreadable = |e| unreadable_index(e, &index_path);
        let mut git_index = self.git.index().map_err(unreadable)?;
        git_index.read(true).map_err(unreadable)?;
        Ok(git_index
            .iter()
            .filter(|e| prefixes.iter().any(|p| e.path.starts_with(p.as_bytes())))
            .map(|e| index::Row {
                id: e.id.as_bytes().try_into().unwrap_or_default(),
                mode: e.mode,
                stage: (e.flags >> 12) & 0x3,
                hidden: e.flags & 0x8000 != 0 || e.flags_extended & 0x4000 != 0,
                path: e.path,
                recorded: None,
            })
            .collect())
    }

    /// Compares one folder of `HEAD` with the index entries under it (`rows`, in
    /// index order), recursing into subfolders unless the cache tree says they match
    /// `HEAD`; a subfolder's rows are found by the count the cache tree records.
    fn diff_folder(
        &self,
        prefix: &[u8],
        head: Option<Oid>,
        cache: Option<&index::CacheNode>,
        rows: &[index::Row],
        changed: &mut Vec<(String, bool)>,
    ) -> Result<()> {
        if let (Some(tree), Some(valid)) = (head, cache.and_then(index::CacheNode::valid_id))
            && tree.as_bytes() == valid
        {
            return Ok(());
        }
        let head = head.map(|id| self.git.find_tree(id)).transpose()?;
        let mut head_files: HashMap<Vec<u8>, (Oid, u32)> = HashMap::new();
        let mut head_dirs: BTreeMap<Vec<u8>, Oid> = BTreeMap::new();
        for entry in head.iter().flat_map(|t| t.iter()) {
            let name = entry.name_bytes().to_vec();
            if entry.kind() == Some(ObjectType::Tree) {
                head_dirs.insert(name, entry.id());
            } else {
                head_files.insert(name, (entry.id(), entry.filemode() as u32));
            }
        }
        let mut at = 0;
        while at < rows.len() {
            let rest = &rows[at].path[prefix.len()..];
            if let Some(slash) = rest.iter().position(|&b| b == b'/') {
                let name = &rest[..slash];
                let child = cache.and_then(|c| c.find(&String::from_utf8_lossy(name)));
                let end = at + subfolder_len(&rows[at..], prefix.len() + slash + 1, child);
                let mut sub = prefix.to_vec();
                sub.extend_from_slice(&rest[..=slash]);
                let tree = head_dirs.remove(name);
                self.diff_folder(&sub, tree, child, &rows[at..end], changed)?;
                at = end;
                continue;
            }
            let last = at
                + rows[at..]
                    .iter()
                    .take_while(|r| r.path == rows[at].path)
                    .count()
                - 1;
            let row = &rows[last];
            let staged = (
                Oid::from_bytes(&row.id)?,
                row.mode | (u32::from(row.stage) << 28),
            );
            if head_files.remove(rest) != Some(staged) {
                changed.push((String::from_utf8_lossy(&row.path).into_owned(), true));
            }
            at = last + 1;
        }
        let named = |name: &[u8]| {
            let mut path = prefix.to_vec();
            path.extend_from_slice(name);
            String::from_utf8_lossy(&path).into_owned()
        };
        changed.extend(head_files.into_keys().map(|name| (named(&name), false)));
        for (name, tree) in head_dirs {
            let sub = format!("{}/", named(&name));
            self.diff_folder(sub.as_bytes(), Some(tree), None, &[], changed)?;
        }
        Ok(())
    }
}

/// How many of `rows` (from the first) lie in the subfolder whose path is the
/// first `len` bytes of the first row's: the cache tree's count when it is valid
/// and the rows agree with it, else counted.
fn subfolder_len(rows: &[index::Row], len: usize, cache: Option<&index::CacheNode>) -> usize {
    let folder = &rows[0].path[..len];
    let inside = |r: &index::Row| r.path.starts_with(folder);
    if let Some(n) = cache
        .filter(|c| c.valid_id().is_some())
        .map(|c| c.entry_count())
        && let Ok(n) = usize::try_from(n)
        && n > 0
        && n <= rows.len()
        && inside(&rows[n - 1])
        && rows.get(n).is_none_or(|r| !inside(r))
    {
        return n;
    }
    rows.iter().take_while(|r| inside(r)).count()
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

/// The index entries under a folder, its cache-tree node, and an entry at the
/// folder's own path.
type IndexRows = (
    Vec<index::Row>,
    Option<index::CacheNode>,
    Option<index::Row>,
);

/// An index entry at `dir` itself (a link or submodule where a folder should be)
/// joins the rows, and the changed paths when `HEAD` holds something else there
/// (`head`: HEAD's entry at `dir` as mode and id; `None` for `--all`, where every
/// row counts).
fn add_folder_entry(
    dir: &str,
    at_dir: Option<index::Row>,
    head: Option<Option<(u32, Oid)>>,
    state: &mut IndexState,
) {
    let Some(row) = at_dir else {
        return;
    };
    let same_as_head = head.is_some_and(|entry| {
        entry.is_some_and(|(mode, id)| mode == row.mode && id.as_bytes() == row.id)
    });
    if !same_as_head {
        state.changed.insert(0, (dir.to_string(), true));
    }
    state.rows.insert(0, row);
}
