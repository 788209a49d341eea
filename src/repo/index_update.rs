//! The index as an operation updates it: spliced in one pass when its format allows
//! (see `index.rs`), through libgit2 otherwise.

use anyhow::{Context, Result};
use git2::{IndexEntry, IndexTime, Repository};
use std::fs;
use std::io;
use std::path::Path;

use super::diff::ChangedFile;
use super::{GitError, IndexLock, Oid, index};

/// The buffer for the new entries between the runs of old ones copied whole (a
/// run longer than it goes to the file directly).
const WRITE_BUFFER: usize = 64 * 1024;

/// The index as materialising updates it: spliced in one pass when its format allows
/// (see `index.rs`), through libgit2 otherwise.
pub(super) enum IndexUpdate {
    Spliced(index::IndexFile),
    Libgit2(git2::Index),
}

impl IndexUpdate {
    pub(super) fn open(git: &Repository, path: &Path) -> Result<Self> {
        if let Some(file) = index::IndexFile::read(path)? {
            return Ok(Self::Spliced(file));
        }
        let unreadable = |e| unreadable_index(e, path);
        let mut index = git.index().map_err(unreadable)?;
        index.read(true).map_err(unreadable)?;
        Ok(Self::Libgit2(index))
    }

    /// The stage-0 stat data of a path.
    pub(super) fn stat(&self, path: &str) -> Option<index::Stat> {
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
    pub(super) fn paths_under(&self, prefix: &str) -> Vec<String> {
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

    /// What [`IndexUpdate::update`] would write, written beside the held lock but
    /// not made the index ([`IndexLock::write_pending`]); `false`, writing nothing, for
    /// an index libgit2 writes, which takes the lock itself.
    pub(super) fn write_pending(
        &self,
        removed: &[String],
        added: Vec<index::NewEntry>,
        primed: Option<index::CacheNode>,
        lock: &mut IndexLock,
    ) -> Result<bool> {
        let Self::Spliced(file) = self else {
            return Ok(false);
        };
        let removed = removed.iter().map(|p| p.as_bytes().to_vec()).collect();
        lock.write_pending(|lock| {
            let out = io::BufWriter::with_capacity(WRITE_BUFFER, lock);
            file.write_spliced(&removed, added, primed, out)?
                .into_inner()
                .map_err(io::IntoInnerError::into_error)?;
            Ok(())
        })?;
        Ok(true)
    }

    /// Drops the removed paths, puts in the new entries, writes the index through
    /// the held lock.
    pub(super) fn update(
        self,
        removed: &[String],
        added: Vec<index::NewEntry>,
        primed: Option<index::CacheNode>,
        lock: &mut IndexLock,
    ) -> Result<()> {
        match self {
            Self::Spliced(file) => {
                let removed = removed.iter().map(|p| p.as_bytes().to_vec()).collect();
                lock.replace_with(|lock| {
                    let out = io::BufWriter::with_capacity(WRITE_BUFFER, lock);
                    file.write_spliced(&removed, added, primed, out)?
                        .into_inner()
                        .map_err(io::IntoInnerError::into_error)?;
                    Ok(())
                })
            }
            Self::Libgit2(mut index) => {
                for path in removed {
                    index.remove_path(Path::new(path))?;
                }
                for entry in &added {
                    index.add(&git_entry(entry)?)?;
                }
                lock.released_for(|| index.write().context("writing the index"))
            }
        }
    }
}

/// libgit2 cannot read a split or sparse index, nor one git cannot read either (the
/// index file at `path`); say which, in git's words instead of libgit2's.
pub(super) fn unreadable_index(e: git2::Error, path: &Path) -> anyhow::Error {
    if let Some(reason) = index::damage(path) {
        let path = path.to_path_buf();
        return GitError::DamagedIndex { path, reason }.into();
    }
    if e.message().contains("mandatory extension") {
        let extension = e.message().split('\'').nth(1).unwrap_or("?").to_string();
        return GitError::UnreadableIndex { extension }.into();
    }
    e.into()
}

/// The index entry for a file just written or moved into place.
pub(super) fn new_entry(file: &ChangedFile, meta: &fs::Metadata) -> index::NewEntry {
    index::NewEntry {
        path: file.path.as_bytes().to_vec(),
        stat: index::Recorded::of(meta),
        mode: if file.executable { 0o100755 } else { 0o100644 },
        id: file.id.as_bytes().try_into().unwrap_or_default(),
    }
}

/// The index entry for a file whose work-tree copy cannot vouch for the blob: no
/// stat data, so git re-reads the file before calling it clean.
pub(super) fn unstatted_entry(file: &ChangedFile) -> index::NewEntry {
    index::NewEntry {
        path: file.path.as_bytes().to_vec(),
        stat: index::Recorded::default(),
        mode: if file.executable { 0o100755 } else { 0o100644 },
        id: file.id.as_bytes().try_into().unwrap_or_default(),
    }
}

fn git_entry(entry: &index::NewEntry) -> Result<IndexEntry> {
    Ok(IndexEntry {
        ctime: IndexTime::new(entry.stat.ctime.0 as i32, entry.stat.ctime.1),
        mtime: IndexTime::new(entry.stat.mtime.0 as i32, entry.stat.mtime.1),
        dev: entry.stat.dev,
        ino: entry.stat.ino,
        mode: entry.mode,
        uid: entry.stat.uid,
        gid: entry.stat.gid,
        file_size: entry.stat.size,
        id: Oid::from_bytes(&entry.id)?,
        flags: entry.path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: entry.path.clone(),
    })
}
