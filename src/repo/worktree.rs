//! Files read from the work tree as `git add` reads them.

use anyhow::Result;
use std::fs;

use super::{GitError, Repo};

/// A file as it stands in the work tree.
#[derive(Debug, Clone)]
pub struct WorkFile {
    /// The repository path.
    pub path: String,
    /// Its bytes as `git add` would store them (clean filters and line-ending
    /// conversion applied).
    pub bytes: Vec<u8>,
    /// Whether it is executable.
    pub executable: bool,
}

impl Repo {
    /// Every file under `dir` in the work tree, as `git add` would take them: ignored
    /// files left out unless `take_ignored`. A symbolic link or a name that is not
    /// UTF-8 is refused with its path: this tool never follows or commits links.
    pub fn work_tree_files(&self, dir: &str, take_ignored: bool) -> Result<Vec<WorkFile>> {
        let mut files = Vec::new();
        if fs::symlink_metadata(self.workdir.join(dir)).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(symlink_refusal(dir));
        }
        self.collect_files(dir, take_ignored, &mut files)?;
        self.clean_files(&mut files)?;
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
}

pub(super) fn symlink_refusal(path: &str) -> anyhow::Error {
    GitError::Symlink {
        path: path.to_string(),
    }
    .into()
}
