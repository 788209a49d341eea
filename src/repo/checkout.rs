//! Bringing the work tree and the index from one commit to another for the touched
//! paths only, as `git checkout` does when it switches branches.

use anyhow::{Context, Result, anyhow, bail};
use git2::ObjectType;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::diff::ChangedFile;
use super::index;
use super::index_update::{IndexUpdate, new_entry, unstatted_entry};
use super::{IndexLock, Oid, Repo, folder_prefix};
use crate::fault;

/// The index for an operation's commit, written beside the held `index.lock` before the branch
/// moves ([`Repo::index_ahead`]), with what [`Repo::materialise`] needs of the index
/// as it was: which moves it vouches for, and the base the index is spliced from.
pub struct EarlyIndex {
    base: IndexUpdate,
    removed: Vec<ChangedFile>,
    added: Vec<ChangedFile>,
}

impl Repo {
    /// Writes the index commit `new` will have beside the held `index.lock`, not
    /// yet published: the caller publishes it ([`IndexLock::publish`]) the moment the
    /// branch has moved, then brings the work tree up. `git commit -a` reads the
    /// index before it takes the lock, so one that reads the branch after it moved
    /// and the index before it was replaced commits the old index on top of the
    /// operation; with the index ready beforehand that window is one rename long
    /// instead of the whole work-tree update (`git checkout` writes its index before
    /// it moves `HEAD` for the same reason). The entries carry no stat data until
    /// the files are written; `None` for an index libgit2 writes.
    pub fn index_ahead(
        &self,
        (old, new): (Oid, Oid),
        swept: &[&str],
        top: &str,
        lock: &mut IndexLock,
    ) -> Result<Option<EarlyIndex>> {
        let (removed, added) = self.changed_files(old, new)?;
        let base = IndexUpdate::open(&self.git, &self.index_path())?;
        let dropped = dropped_paths(&base, &removed, swept);
        let primed = self.primed_after((old, new), top, (&dropped, &added), &base)?;
        let entries = added.iter().map(unstatted_entry).collect();
        if !base.write_pending(&dropped, entries, primed, lock)? {
            return Ok(None);
        }
        Ok(Some(EarlyIndex {
            base,
            removed,
            added,
        }))
    }

    /// Brings the work tree and the index from commit `old` to commit `new` for the
    /// paths that differ between them, and only those: every other path, staged or
    /// not, is left as it is. Safe to run again after an interruption.
    ///
    /// A file that moved keeps its bytes, so it is renamed in the work tree rather than
    /// deleted and written again, when the index vouches that the file there is still
    /// the committed one. The index forgets every entry under the `swept` folders
    /// (a folder archived whole leaves nothing staged behind).
    ///
    /// `top` is the top-level folder the operation works in: when every touched path
    /// lies in it and the index's cache tree vouched that it held exactly `old`'s
    /// tree there, it then holds exactly `new`'s, and its node is written valid.
    /// `early` is the index as it was before [`Repo::index_ahead`] published the
    /// new one, which vouches for the moves and is the base of the final index.
    pub fn materialise(
        &self,
        (old, new): (Oid, Oid),
        swept: &[&str],
        top: &str,
        early: Option<EarlyIndex>,
        (lock, progress): (&mut IndexLock, &dyn Fn(usize, usize)),
    ) -> Result<usize> {
        let (staged, removed, added) = match early {
            Some(early) => (early.base, early.removed, early.added),
            None => {
                let (removed, added) = self.changed_files(old, new)?;
                let staged = IndexUpdate::open(&self.git, &self.index_path())?;
                (staged, removed, added)
            }
        };
        let total = removed.len() + added.len();
        let mut done = 0;
        let mut step = |n: usize| {
            done += n;
            if done % 256 < n || done == total {
                progress(done, total);
            }
        };
        let (moves, mut to_write) = vouched_moves(&staged, &removed, &added);
        let sources: HashSet<&str> = moves.iter().map(|m| m.from.path.as_str()).collect();
        let gone: Vec<&str> = removed
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !sources.contains(p))
            .collect();
        remove_files(&self.workdir, &gone)?;
        step(gone.len());
        fault::point("removed")?;
        let mut written = HashMap::with_capacity(added.len());
        let mut unmoved = Vec::new();
        for (mv, renamed) in moves.iter().zip(rename_files(&self.workdir, &moves)?) {
            match renamed {
                Some(meta) => {
                    written.insert(mv.to.path.as_str(), meta);
                }
                None => {
                    to_write.push(mv.to);
                    unmoved.push(mv.from.path.as_str());
                }
            }
        }
        remove_files(&self.workdir, &unmoved)?;
        step(unmoved.len() + 2 * (moves.len() - unmoved.len()));
        fault::point("renamed")?;
        if self.converts(to_write.iter().map(|f| f.path.as_str())) {
            let blobs: Vec<(Oid, &str, bool)> = to_write
                .iter()
                .map(|f| (f.id, f.path.as_str(), f.executable))
                .collect();
            self.write_smudged(&blobs)?;
        } else {
            written.extend(self.write_files(&to_write, &mut step)?);
        }
        fault::point("written")?;
        let mut entries = Vec::with_capacity(added.len());
        for file in &added {
            let meta = match written.remove(file.path.as_str()) {
                Some(meta) => meta,
                None => fs::metadata(self.workdir.join(&file.path))
                    .with_context(|| format!("reading back {}", file.path))?,
            };
            entries.push(new_entry(file, &meta));
        }
        let dropped = dropped_paths(&staged, &removed, swept);
        let primed = self.primed_after((old, new), top, (&dropped, &added), &staged)?;
        staged.update(&dropped, entries, primed, lock)?;
        fault::point("index")?;
        Ok(removed.len() + added.len())
    }

    /// Brings only the index from commit `old` to commit `new` for the paths that
    /// differ, leaving the work tree alone (what `git add` and `git rm --cached` do).
    /// A work-tree file that holds exactly the new blob gets its stat data, so git
    /// sees it clean; any other gets none, so git compares it before trusting it.
    /// The cache-tree node of `top` stays valid on the terms of [`Repo::materialise`].
    pub fn stage(&self, old: Oid, new: Oid, top: &str, lock: &mut IndexLock) -> Result<usize> {
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
        let primed = self.primed_after((old, new), top, (&dropped, &added), &staged)?;
        staged.update(&dropped, entries, primed, lock)?;
        Ok(removed.len() + added.len())
    }

    /// [`Repo::primed_cache`] for an update that drops `dropped` and adds `added`.
    fn primed_after(
        &self,
        commits: (Oid, Oid),
        top: &str,
        (dropped, added): (&[String], &[ChangedFile]),
        staged: &IndexUpdate,
    ) -> Result<Option<index::CacheNode>> {
        let touched: Vec<&str> = dropped
            .iter()
            .map(String::as_str)
            .chain(added.iter().map(|f| f.path.as_str()))
            .collect();
        self.primed_cache(commits, top, &touched, staged)
    }

    /// The valid cache-tree node of the folder `top` after the index goes from
    /// commit `old` to `new` there, when every touched path lies in it, the index is
    /// one this crate splices, and its node of `top` was valid for `old`'s tree (so
    /// nothing else under `top` is staged: other sessions' staged work leaves the
    /// node invalid, as git leaves it). A subfolder the node already vouches for, at
    /// the same tree and with no touched path in it, keeps its node unread: an
    /// archive's thousands of unchanged sessions cost no tree reads.
    fn primed_cache(
        &self,
        (old, new): (Oid, Oid),
        top: &str,
        touched: &[&str],
        staged: &IndexUpdate,
    ) -> Result<Option<index::CacheNode>> {
        let IndexUpdate::Spliced(file) = staged else {
            return Ok(None);
        };
        let inside = folder_prefix(top);
        if !touched.iter().all(|path| path.starts_with(&inside)) {
            return Ok(None);
        }
        let folder_of = |commit: Oid| -> Result<Option<Oid>> {
            let tree = self.git.find_commit(commit)?.tree()?;
            Ok(tree
                .get_name(top)
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .map(|e| e.id()))
        };
        let old_node = file.cache_node(top);
        let was = old_node.as_ref().and_then(index::CacheNode::valid_id);
        let vouched = match folder_of(old)? {
            Some(id) => was.is_some_and(|was| was == id.as_bytes()),
            None => false,
        };
        let Some(entry) = folder_of(new)?.filter(|_| vouched) else {
            return Ok(None);
        };
        let paths: Vec<&[u8]> = touched.iter().map(|p| p.as_bytes()).collect();
        let holding_touched = index::folders_above(&paths);
        let old = old_node;
        let mut folder = top.as_bytes().to_vec();
        Ok(Some(self.cache_node(
            &mut folder,
            entry,
            old.as_ref(),
            &holding_touched,
        )?))
    }

    /// The valid node of `folder` at tree `id`: `old`, the index's node of it before
    /// the operation, when that was valid for this very tree and no touched path is
    /// below it; else built from the tree, subfolder by subfolder.
    fn cache_node(
        &self,
        folder: &mut Vec<u8>,
        id: Oid,
        old: Option<&index::CacheNode>,
        holding_touched: &HashSet<&[u8]>,
    ) -> Result<index::CacheNode> {
        let id_bytes: [u8; 20] = id.as_bytes().try_into().unwrap_or_default();
        let still_right = |old: &&index::CacheNode| {
            old.valid_id() == Some(id_bytes) && !holding_touched.contains(folder.as_slice())
        };
        if let Some(old) = old.filter(still_right) {
            return Ok(old.clone());
        }
        let name = folder[folder.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1)..].to_vec();
        let tree = self.git.find_tree(id)?;
        let mut entries = 0;
        let mut children = Vec::new();
        for entry in tree.iter() {
            if entry.kind() == Some(ObjectType::Tree) {
                let len = folder.len();
                folder.push(b'/');
                folder.extend_from_slice(entry.name_bytes());
                let old_child = old.and_then(|old| old.child(entry.name_bytes()));
                let child = self.cache_node(folder, entry.id(), old_child, holding_touched)?;
                folder.truncate(len);
                entries += child.entry_count();
                children.push(child);
            } else {
                entries += 1;
            }
        }
        Ok(index::CacheNode::valid(&name, entries, id_bytes, children))
    }

    /// The index file this repository uses: `GIT_INDEX_FILE` when set (as libgit2
    /// opened it), else the work tree's own `index`.
    pub(super) fn index_path(&self) -> PathBuf {
        std::env::var_os("GIT_INDEX_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.git.path().join("index"))
    }

    /// Writes `files` into the work tree, their blobs read here in batches and
    /// written on every core (the writes are system calls, and ext4 takes new files
    /// in several folders at once), and returns each one's stat as written, for its
    /// index entry.
    fn write_files<'f>(
        &self,
        files: &[&'f ChangedFile],
        step: &mut impl FnMut(usize),
    ) -> Result<HashMap<&'f str, fs::Metadata>> {
        let mut written = HashMap::with_capacity(files.len());
        for batch in files.chunks(WRITE_BATCH) {
            let blobs = batch
                .iter()
                .map(|f| Ok((*f, self.git.find_blob(f.id)?.content().to_vec())))
                .collect::<Result<Vec<_>>>()?;
            let workdir = self.workdir.as_path();
            for share in crate::parallel::on_every_core(&blobs, |share| write_share(workdir, share))
            {
                written.extend(share?);
            }
            step(batch.len());
        }
        Ok(written)
    }
}

/// A file the operation moves whose bytes stay the same, with what the index
/// recorded of it as it was staged: the vouching that lets it be renamed rather than
/// deleted and written again.
struct Move<'f> {
    from: &'f ChangedFile,
    to: &'f ChangedFile,
    staged: index::Stat,
}

/// The index entries an update drops: the removed files, and everything staged
/// under the `swept` folders (a folder archived whole leaves nothing behind).
fn dropped_paths(staged: &IndexUpdate, removed: &[ChangedFile], swept: &[&str]) -> Vec<String> {
    let mut dropped: Vec<String> = removed.iter().map(|f| f.path.clone()).collect();
    for dir in swept {
        dropped.extend(staged.paths_under(&folder_prefix(dir)));
    }
    dropped
}

/// Pairs each added file with a removed one holding the same blob and mode, when the
/// index has the removed one staged as that blob; the added files left over are
/// written from the object store.
fn vouched_moves<'f>(
    staged: &IndexUpdate,
    removed: &'f [ChangedFile],
    added: &'f [ChangedFile],
) -> (Vec<Move<'f>>, Vec<&'f ChangedFile>) {
    let mut sources: HashMap<Oid, Vec<&ChangedFile>> = HashMap::new();
    for file in removed {
        sources.entry(file.id).or_default().push(file);
    }
    let mut moves = Vec::new();
    let mut to_write = Vec::new();
    for to in added {
        let from = sources
            .get_mut(&to.id)
            .and_then(|candidates| candidates.pop())
            .filter(|from| from.executable == to.executable);
        match from.and_then(|from| Some((from, staged.stat(&from.path)?))) {
            Some((from, stat)) if stat.id == *from.id.as_bytes() => moves.push(Move {
                from,
                to,
                staged: stat,
            }),
            _ => to_write.push(to),
        }
    }
    (moves, to_write)
}

/// Removes `paths` from the work tree on every core (one already gone is fine), then
/// the folders they leave empty.
fn remove_files(workdir: &Path, paths: &[&str]) -> Result<()> {
    let removed = crate::parallel::map_on_every_core(paths, |path| {
        match fs::remove_file(workdir.join(path)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing {path}"))
            }
            _ => Ok(()),
        }
    });
    removed.into_iter().collect::<Result<()>>()?;
    remove_emptied_folders(workdir, paths.iter().copied());
    Ok(())
}

/// Renames each move's file on every core, when it is still the one the index
/// vouches for and nothing stands where it goes; each move's stat after the rename,
/// or `None` for one that must be written instead (its source is left in place).
/// The folders the renames leave empty are removed once they are all done, so no
/// rename finds the folder it goes into taken away under it.
fn rename_files(workdir: &Path, moves: &[Move]) -> Result<Vec<Option<fs::Metadata>>> {
    let renamed = crate::parallel::map_on_every_core(moves, |mv| rename_if_clean(workdir, mv))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let emptied = moves.iter().zip(&renamed).filter(|(_, r)| r.is_some());
    remove_emptied_folders(workdir, emptied.map(|(mv, _)| mv.from.path.as_str()));
    Ok(renamed)
}

/// Renames one move's file when the file at its source still has the size, times
/// and inode the index recorded (so it holds the staged blob) and nothing is where it
/// goes; returns its stat after the rename.
fn rename_if_clean(workdir: &Path, mv: &Move) -> Result<Option<fs::Metadata>> {
    let source = workdir.join(&mv.from.path);
    let target = workdir.join(&mv.to.path);
    let Ok(meta) = fs::symlink_metadata(&source) else {
        return Ok(None);
    };
    let stat = &mv.staged;
    let unchanged = meta.is_file()
        && stat.size == meta.len() as u32
        && stat.mtime == meta.mtime() as u32
        && stat.mtime_nsec == meta.mtime_nsec() as u32
        && stat.ino == meta.ino() as u32;
    if !unchanged || fs::symlink_metadata(&target).is_ok() {
        return Ok(None);
    }
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("creating the folder of {}", mv.to.path))?;
    }
    fs::rename(&source, &target)
        .with_context(|| format!("moving {} to {}", mv.from.path, mv.to.path))?;
    let moved =
        fs::symlink_metadata(&target).with_context(|| format!("reading back {}", mv.to.path))?;
    Ok(Some(moved))
}

/// Removes the folders above `paths` (relative to the work tree, already removed)
/// that are left empty, as git does: deepest first, one depth at a time on every
/// core, a folder's parent tried only once the folder itself is gone. A folder still
/// holding anything stays, and the work tree itself is never removed.
pub(super) fn remove_emptied_folders<'p>(workdir: &Path, paths: impl IntoIterator<Item = &'p str>) {
    let mut by_depth: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for path in paths {
        if let Some((folder, _)) = path.rsplit_once('/') {
            by_depth
                .entry(folder.matches('/').count())
                .or_default()
                .insert(folder);
        }
    }
    while let Some((depth, folders)) = by_depth.pop_last() {
        let folders: Vec<&str> = folders.into_iter().collect();
        let gone = crate::parallel::map_on_every_core(&folders, |folder| {
            fs::remove_dir(workdir.join(folder)).is_ok()
        });
        for (folder, _) in folders.iter().zip(gone).filter(|(_, gone)| *gone) {
            if let Some((parent, _)) = folder.rsplit_once('/') {
                by_depth.entry(depth - 1).or_default().insert(parent);
            }
        }
    }
}

/// How many files' bytes are read from the object store before they are written
/// out, so that what is held at once stays small.
const WRITE_BATCH: usize = 1024;

/// One thread's share of [`Repo::write_files`].
fn write_share<'f>(
    workdir: &Path,
    share: &[(&'f ChangedFile, Vec<u8>)],
) -> Result<Vec<(&'f str, fs::Metadata)>> {
    share
        .iter()
        .map(|(file, bytes)| {
            let meta = write_to_work_tree(workdir, &file.path, bytes, file.executable)?;
            Ok((file.path.as_str(), meta))
        })
        .collect()
}

/// Writes a file in place and returns its stat as written. A crash part-way leaves
/// the journal behind, and the next command writes every touched file again, so no
/// temporary file is needed. The file is opened without following a symlink: one
/// standing where the file goes is replaced, as git replaces it, and a folder there
/// is refused.
fn write_to_work_tree(
    workdir: &Path,
    path: &str,
    bytes: &[u8],
    executable: bool,
) -> Result<fs::Metadata> {
    let full = workdir.join(path);
    let open = || {
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(if executable { 0o777 } else { 0o666 })
            .custom_flags(libc::O_NOFOLLOW)
            .open(&full)
    };
    let mut file = match open() {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = full
                .parent()
                .ok_or_else(|| anyhow!("{path} has no folder"))?;
            fs::create_dir_all(parent).with_context(|| format!("creating the folder of {path}"))?;
            open().with_context(|| format!("writing {path}"))?
        }
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            fs::remove_file(&full).with_context(|| format!("replacing the link {path}"))?;
            open().with_context(|| format!("writing {path}"))?
        }
        Err(_) if full.is_dir() => {
            bail!("{path} is a folder in the work tree, where a file must go")
        }
        Err(e) => return Err(e).with_context(|| format!("writing {path}")),
    };
    file.write_all(bytes)
        .with_context(|| format!("writing {path}"))?;
    file.metadata()
        .with_context(|| format!("reading back {path}"))
}

#[cfg(test)]
mod tests {
    use super::super::index::IndexFile;
    use super::*;

    #[test]
    fn a_file_is_written_with_its_folders_and_its_stat_is_the_written_one() {
        let dir = tempfile::tempdir().unwrap();
        let meta = write_to_work_tree(dir.path(), "a/b/c.json", b"{}\n", true).unwrap();
        let path = dir.path().join("a/b/c.json");
        assert_eq!(fs::read(&path).unwrap(), b"{}\n");
        let after = fs::symlink_metadata(&path).unwrap();
        assert_eq!(
            (meta.ino(), meta.mtime_nsec(), meta.len()),
            (after.ino(), after.mtime_nsec(), 3)
        );
        assert_ne!(after.mode() & 0o100, 0, "executable");
    }

    #[test]
    fn a_symlink_where_the_file_goes_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("outside"), "keep").unwrap();
        std::os::unix::fs::symlink("outside", dir.path().join("link")).unwrap();
        write_to_work_tree(dir.path(), "link", b"new", false).unwrap();
        assert_eq!(fs::read(dir.path().join("outside")).unwrap(), b"keep");
        let link = fs::symlink_metadata(dir.path().join("link")).unwrap();
        assert!(link.is_file());
        assert_eq!(fs::read(dir.path().join("link")).unwrap(), b"new");
    }

    #[test]
    fn a_folder_where_the_file_goes_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("x/inner")).unwrap();
        let err = write_to_work_tree(dir.path(), "x", b"new", false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x is a folder in the work tree, where a file must go"
        );
        assert!(dir.path().join("x/inner").is_dir());
    }

    #[test]
    fn emptied_folders_go_deepest_first_and_a_folder_still_holding_anything_stays() {
        let dir = tempfile::tempdir().unwrap();
        let mut gone = Vec::new();
        for n in 0..300 {
            fs::create_dir_all(dir.path().join(format!("s/t{n}/deep"))).unwrap();
            gone.push(format!("s/t{n}/deep/f"));
        }
        fs::write(dir.path().join("s/t7/kept"), "").unwrap();
        fs::create_dir_all(dir.path().join("alone")).unwrap();
        gone.push("alone/f".into());
        gone.push("top-level-file".into());
        remove_emptied_folders(dir.path(), gone.iter().map(String::as_str));
        let left: Vec<String> = walkdir(dir.path());
        assert_eq!(left, ["s", "s/t7", "s/t7/kept"]);
    }

    #[test]
    fn a_file_is_renamed_only_while_it_is_what_the_index_vouches_for() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), "bytes").unwrap();
        fs::write(dir.path().join("taken"), "mine").unwrap();
        let meta = fs::symlink_metadata(dir.path().join("a")).unwrap();
        let file = |path: &str| ChangedFile {
            path: path.into(),
            id: crate::repo::hash_blob(b"bytes"),
            executable: false,
        };
        let (a, taken, moved) = (file("a"), file("taken"), file("x/y/moved"));
        let staged = index::Stat {
            id: a.id.as_bytes().try_into().unwrap(),
            size: 5,
            mtime: meta.mtime() as u32,
            mtime_nsec: meta.mtime_nsec() as u32,
            ino: meta.ino() as u32,
        };
        let onto_taken = Move {
            from: &a,
            to: &taken,
            staged: staged.clone(),
        };
        assert!(rename_if_clean(dir.path(), &onto_taken).unwrap().is_none());
        assert_eq!(fs::read(dir.path().join("taken")).unwrap(), b"mine");
        let changed = Move {
            from: &a,
            to: &moved,
            staged: index::Stat {
                size: 4,
                ..staged.clone()
            },
        };
        assert!(rename_if_clean(dir.path(), &changed).unwrap().is_none());
        let vouched = Move {
            from: &a,
            to: &moved,
            staged,
        };
        let after = rename_if_clean(dir.path(), &vouched).unwrap().unwrap();
        assert_eq!(after.ino(), meta.ino());
        assert_eq!(fs::read(dir.path().join("x/y/moved")).unwrap(), b"bytes");
        assert!(!dir.path().join("a").exists());
    }

    /// Every path under `root`, relative and sorted.
    fn walkdir(root: &Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                found.push(path.strip_prefix(root).unwrap().display().to_string());
                if path.is_dir() {
                    stack.push(path);
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn the_primed_cache_node_is_the_one_git_builds_and_unchanged_folders_are_not_read() {
        use super::super::test_git::{git, git_with};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        for path in [
            ".workflow/archives/WFS-a/workflow-session.json",
            ".workflow/archives/WFS-a/.task/IMPL-1.json",
            ".workflow/archives/WFS-b/workflow-session.json",
            ".workflow/sessions/WFS-c/.task/IMPL-1.json",
            ".workflow/sessions/WFS-c/IMPL_PLAN.md",
            ".workflow/project.json",
            "src/lib.rs",
        ] {
            fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            fs::write(root.join(path), format!("{path}\n")).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "old"]);
        let rev = |r: &str| Oid::from_str(git(root, &["rev-parse", r]).trim()).unwrap();
        let old = rev("HEAD");
        git(
            root,
            &["mv", ".workflow/sessions/WFS-c", ".workflow/archives/WFS-c"],
        );
        fs::write(root.join(".workflow/project.json"), "{}\n").unwrap();
        git(root, &["commit", "-q", "-am", "new"]);
        let new = rev("HEAD");
        git(root, &["reset", "-q", "--hard", &old.to_string()]);
        let index = root.join(".git/index");
        let before = IndexFile::read(&index).unwrap().unwrap();
        assert!(
            before
                .cache_node(".workflow/archives/WFS-a")
                .unwrap()
                .valid_id()
                .is_some()
        );

        let by_git = root.join(".git/index-by-git");
        let env = [("GIT_INDEX_FILE", by_git.as_os_str())];
        git_with(root, &["read-tree", &new.to_string()], &env, "");
        let expected = IndexFile::read(&by_git)
            .unwrap()
            .unwrap()
            .cache_node(".workflow");

        // The archived sessions both commits hold are never read: their trees go.
        for unchanged in ["WFS-a/.task", "WFS-a", "WFS-b"] {
            let id = rev(&format!("HEAD:.workflow/archives/{unchanged}")).to_string();
            fs::remove_file(root.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
        }
        let repo = Repo::open_at(root).unwrap();
        let mut lock = repo.lock_index().unwrap();
        repo.materialise((old, new), &[], ".workflow", None, (&mut lock, &|_, _| {}))
            .unwrap();
        drop(lock);
        let ours = IndexFile::read(&index)
            .unwrap()
            .unwrap()
            .cache_node(".workflow");
        assert!(expected.is_some());
        assert_eq!(ours, expected);
    }
}
