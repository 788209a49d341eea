//! Bringing the work tree and the index from one commit to another for the touched
//! paths only, as `git checkout` does when it switches branches.

use anyhow::{Context, Result, anyhow, bail};
use git2::ObjectType;
use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::diff::ChangedFile;
use super::index;
use super::index_update::{IndexUpdate, new_entry, unstatted_entry};
use super::{IndexLock, Oid, Repo, folder_prefix};
use crate::fault;

impl Repo {
    /// Brings the work tree and the index from commit `old` to commit `new` for the
    /// paths that differ between them, and only those: every other path, staged or
    /// not, is left as it is. Safe to run again after an interruption.
    ///
    /// A file that moved keeps its bytes, so it is renamed in the work tree rather than
    /// deleted and written again, when the index vouches that the file there is still
    /// the committed one. The index forgets every entry under the `swept` folders
    /// (a folder archived whole leaves nothing staged behind).
    ///
    /// `clean` is a top-level folder the caller checked had no local change before
    /// the operation: when every touched path lies in it, the index then holds
    /// exactly the new commit's tree there, and its cache-tree node is written valid.
    pub fn materialise(
        &self,
        old: Oid,
        new: Oid,
        swept: &[&str],
        clean: &str,
        (lock, progress): (&mut IndexLock, &dyn Fn(usize, usize)),
    ) -> Result<usize> {
        let (removed, added) = self.changed_files(old, new)?;
        let total = removed.len() + added.len();
        let mut done = 0;
        let mut step = |n: usize| {
            done += n;
            if done % 256 < n || done == total {
                progress(done, total);
            }
        };
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
                    step(2);
                }
                _ => to_write.push(file),
            }
        }
        fault::point("renamed")?;
        for file in &removed {
            if !renamed_from.contains(file.path.as_str()) {
                self.remove_from_work_tree(&file.path)?;
                step(1);
            }
        }
        fault::point("removed")?;
        let mut written = if self.converts(to_write.iter().map(|f| f.path.as_str())) {
            let blobs: Vec<(Oid, &str, bool)> = to_write
                .iter()
                .map(|f| (f.id, f.path.as_str(), f.executable))
                .collect();
            self.write_smudged(&blobs)?;
            Default::default()
        } else {
            self.write_files(&to_write, &mut step)?
        };
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
        let primed = self.primed_cache(new, clean, &removed, &added, &staged)?;
        let mut dropped: Vec<String> = removed.iter().map(|f| f.path.clone()).collect();
        for dir in swept {
            dropped.extend(staged.paths_under(&folder_prefix(dir)));
        }
        staged.update(&dropped, entries, primed, lock)?;
        fault::point("index")?;
        Ok(removed.len() + added.len())
    }

    /// Brings only the index from commit `old` to commit `new` for the paths that
    /// differ, leaving the work tree alone (what `git add` and `git rm --cached` do).
    /// A work-tree file that holds exactly the new blob gets its stat data, so git
    /// sees it clean; any other gets none, so git compares it before trusting it.
    pub fn stage(&self, old: Oid, new: Oid, lock: &mut IndexLock) -> Result<usize> {
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
        staged.update(&dropped, entries, None, lock)?;
        Ok(removed.len() + added.len())
    }

    /// The valid cache-tree node of the clean folder `top`, when every touched path
    /// lies in it and the index is one this crate splices.
    fn primed_cache(
        &self,
        new: Oid,
        top: &str,
        removed: &[ChangedFile],
        added: &[ChangedFile],
        staged: &IndexUpdate,
    ) -> Result<Option<index::CacheNode>> {
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
    pub(super) fn index_path(&self) -> PathBuf {
        std::env::var_os("GIT_INDEX_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.git.path().join("index"))
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
    pub(super) fn remove_empty_parents(&self, removed: &Path) {
        let mut dir = removed.parent();
        while let Some(d) = dir {
            if d == self.workdir || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
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
}
