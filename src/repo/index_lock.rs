//! `index.lock`, held as `git commit` holds it: taken before an operation's commit
//! point, so that an index another git process is changing refuses the operation
//! before anything changes, and kept until the index is written.
//!
//! A run killed while holding it would leave it behind, and git would then refuse
//! every commit. So beside the lock an owner file (`index.lock.git-workflow`) names
//! our process and the lock's inode; the next run, or `status`, removes a lock whose
//! owner is gone and which is still the file that owner created, and nothing else.

use anyhow::{Context, Result};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{GitError, Repo, perms};

/// The index's lock file, created exclusively; dropping it removes the lock.
#[derive(Debug)]
pub struct IndexLock {
    index: PathBuf,
    lock: PathBuf,
    file: Option<fs::File>,
    shared: i32,
    /// The lock holds an index not published yet ([`IndexLock::write_pending`]).
    pending: bool,
}

impl Repo {
    /// Takes `index.lock` (of `GIT_INDEX_FILE` when set). One that exists is another
    /// git process at work (or one that died): refused, with nothing changed. An
    /// index a killed run wrote ahead and never published is dropped.
    pub fn lock_index(&self) -> Result<IndexLock> {
        self.release_stale_index_lock()?;
        let index = self.index_path();
        let mut held = IndexLock {
            lock: lock_of(&index),
            index,
            file: None,
            shared: self.shared_perm(),
            pending: false,
        };
        held.file = Some(held.create().map_err(|e| match e {
            LockError::Busy => anyhow::Error::new(GitError::IndexBusy {
                lock: held.lock.clone(),
            }),
            LockError::Io(e) => e,
        })?);
        let _ = fs::remove_file(held.next());
        Ok(held)
    }

    /// Removes an `index.lock` a killed run of this tool left (its owner file names
    /// a process that is gone and the lock's own inode); returns whether it did.
    pub fn release_stale_index_lock(&self) -> Result<bool> {
        let lock = lock_of(&self.index_path());
        let owner = owner_of(&lock);
        let Ok(text) = fs::read_to_string(&owner) else {
            return Ok(false);
        };
        let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
        let (Some(Some(pid)), Some(Some(ino))) = (fields.next(), fields.next()) else {
            return Ok(false);
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            return Ok(false);
        }
        let ours = fs::symlink_metadata(&lock).is_ok_and(|m| m.ino() == ino);
        if ours {
            fs::remove_file(&lock).with_context(|| format!("removing {}", lock.display()))?;
        }
        let _ = fs::remove_file(&owner);
        Ok(ours)
    }
}

fn lock_of(index: &Path) -> PathBuf {
    let mut lock = index.as_os_str().to_owned();
    lock.push(".lock");
    PathBuf::from(lock)
}

fn owner_of(lock: &Path) -> PathBuf {
    let mut owner = lock.as_os_str().to_owned();
    owner.push(".git-workflow");
    PathBuf::from(owner)
}

enum LockError {
    Busy,
    Io(anyhow::Error),
}

impl IndexLock {
    /// Creates the lock exclusively and names this process as its owner.
    fn create(&self) -> Result<fs::File, LockError> {
        let io = |e: std::io::Error, path: &Path| {
            LockError::Io(anyhow::Error::new(e).context(format!("creating {}", path.display())))
        };
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&self.lock)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => LockError::Busy,
                _ => io(e, &self.lock),
            })?;
        perms::adjust(self.shared, &self.lock).map_err(LockError::Io)?;
        let ino = file.metadata().map_err(|e| io(e, &self.lock))?.ino();
        let owner = owner_of(&self.lock);
        fs::write(&owner, format!("{} {ino}\n", std::process::id())).map_err(|e| io(e, &owner))?;
        Ok(file)
    }

    /// Replaces the index with what `write` writes to the lock (then renamed over
    /// the index, as git does), and takes the lock again for the next write.
    pub(super) fn replace_with(
        &mut self,
        write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut file = self.take()?;
        write(&mut file).with_context(|| format!("writing {}", self.lock.display()))?;
        drop(file);
        fs::rename(&self.lock, &self.index)
            .with_context(|| format!("writing {}", self.index.display()))?;
        self.file = self.create().ok();
        Ok(())
    }

    /// Writes what the index is to become beside the lock
    /// (`index.git-workflow-next`), not yet the index, while the lock stays held:
    /// [`IndexLock::publish`] makes it the index, and dropping the lock instead
    /// leaves the index as it was (an operation whose branch did not move).
    pub(super) fn write_pending(
        &mut self,
        write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
    ) -> Result<()> {
        let next = self.next();
        self.pending = true;
        fs::File::create(&next)
            .and_then(|mut file| write(&mut file))
            .with_context(|| format!("writing {}", next.display()))?;
        perms::adjust(self.shared, &next)?;
        Ok(())
    }

    /// Makes what [`IndexLock::write_pending`] wrote the index, renamed over it
    /// while `index.lock` stays held: no other git process can take the lock
    /// between the index being replaced and the work tree catching up with it.
    pub fn publish(&mut self) -> Result<()> {
        if !std::mem::take(&mut self.pending) {
            return Ok(());
        }
        fs::rename(self.next(), &self.index)
            .with_context(|| format!("writing {}", self.index.display()))
    }

    /// Where [`IndexLock::write_pending`] writes.
    fn next(&self) -> PathBuf {
        let mut next = self.index.as_os_str().to_owned();
        next.push(".git-workflow-next");
        PathBuf::from(next)
    }

    /// Lets libgit2 write the index (it takes the lock itself), then holds it again.
    pub(super) fn released_for<T>(&mut self, write: impl FnOnce() -> Result<T>) -> Result<T> {
        let file = self.take()?;
        drop(file);
        fs::remove_file(&self.lock).with_context(|| format!("removing {}", self.lock.display()))?;
        let result = write().and_then(|written| {
            perms::adjust(self.shared, &self.index)?;
            Ok(written)
        });
        self.file = self.create().ok();
        result
    }

    /// The open lock, or the refusal when another process took it between two
    /// writes.
    fn take(&mut self) -> Result<fs::File> {
        self.file.take().ok_or_else(|| {
            GitError::IndexLocked {
                lock: self.lock.clone(),
            }
            .into()
        })
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if self.pending {
            let _ = fs::remove_file(self.next());
        }
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.lock);
        }
        let _ = fs::remove_file(owner_of(&self.lock));
    }
}
