//! The repository lock: one git-workflow command at a time, released when its
//! process dies, and the finishing of an operation an earlier one left half done.

use anyhow::{Context, Result};
use std::fs;
use std::path::PathBuf;

use super::journal::{Recovery, journal_path, recover};
use crate::error;
use crate::repo::Repo;

/// Holds the repository lock for one command; dropping it releases the lock.
pub struct Guard {
    lock: fs::File,
    path: PathBuf,
    /// What an earlier, interrupted operation needed and got, if anything.
    pub recovered: Option<Recovery>,
}

impl Guard {
    /// Takes the lock (refusing with "repository busy" when another run holds it) and
    /// finishes or undoes an interrupted operation left in the journal.
    pub fn acquire(repo: &Repo) -> Result<Self> {
        let path = lock_path(repo);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))?;
        repo.share(&path)?;
        if file.try_lock().is_err() || !still_at(&file, &path) {
            return Err(error::refused(
                format!(
                    "repository busy: another git-workflow command holds {}",
                    path.display()
                ),
                "wait for it to finish, then run your command again",
            ));
        }
        let mut guard = Self {
            lock: file,
            path,
            recovered: None,
        };
        guard.recovered = recover(repo)?;
        Ok(guard)
    }
}

impl Guard {
    /// The lock for a run that may commit, or, for a dry run, no lock at all (unless
    /// an interrupted operation must be finished first); with what recovery did.
    pub fn for_run(repo: &Repo, dry_run: bool) -> Result<(Option<Self>, Option<Recovery>)> {
        if dry_run {
            return Ok((None, finish_interrupted(repo)?));
        }
        let guard = Self::acquire(repo)?;
        let recovered = guard.recovered.clone();
        Ok((Some(guard), recovered))
    }
}

/// For commands that only read (`status`, `--dry-run`): finishes an interrupted
/// operation if the journal names one, taking the lock only then, so that a read
/// leaves the git dir exactly as it found it.
pub fn finish_interrupted(repo: &Repo) -> Result<Option<Recovery>> {
    repo.release_stale_index_lock()?;
    if !journal_path(repo).exists() {
        return Ok(None);
    }
    Ok(Guard::acquire(repo)?.recovered.clone())
}

impl Drop for Guard {
    /// Removes the lock file before the lock itself goes, so a clean run leaves no
    /// file behind; a run that dies leaves an unlocked file the next run reuses.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.lock.unlock();
    }
}

/// Whether the locked file is still the one at `path`: a run that opened the file
/// just before its holder removed it must not count its stale lock as the lock.
fn still_at(file: &fs::File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.ino() == named.ino() && held.dev() == named.dev(),
        _ => false,
    }
}

fn lock_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("git-workflow.lock")
}
