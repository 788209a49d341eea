//! A work-tree folder taken whole, as a session's is when it is archived: which of
//! its files a commit holds (tracked ones, whatever `.gitignore` says, and what
//! `git add` would take), which only move with it (ignored untracked files, empty
//! folders, embedded repositories), and the move of those leftovers afterwards.

use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::worktree::symlink_refusal;
use super::{GitError, Repo, WorkFile};

/// A folder as the index and the work tree hold it.
#[derive(Debug, Clone, Default)]
pub struct FolderContents {
    /// What a commit of the folder holds: every file the index tracks (even when a
    /// `.gitignore` pattern matches it), every untracked file `git add` would take,
    /// and the files the caller always takes.
    pub files: Vec<WorkFile>,
    /// Paths in the work tree that are not committed but belong to the folder:
    /// ignored untracked files, empty folders, embedded repositories.
    pub left_out: Vec<String>,
}

impl Repo {
    /// Reads `dir` from the work tree, classifying each file by the index and the
    /// ignore rules as `git add -A` would; the paths in `always` are taken even when
    /// ignored (as `git add -f` takes them). A symlink, a name that is not UTF-8 or a
    /// conflicted index entry is refused with its path.
    pub fn folder_contents(&self, dir: &str, always: &[String]) -> Result<FolderContents> {
        let root = self.workdir.join(dir);
        if fs::symlink_metadata(&root).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(symlink_refusal(dir));
        }
        let index = self.index_under(dir, false)?;
        if let Some(path) = index.conflicted().first() {
            return Err(GitError::Conflicted {
                path: path.to_string(),
            }
            .into());
        }
        let mut tracked: BTreeSet<String> = index.paths().map(str::to_string).collect();
        tracked.extend(always.iter().cloned());
        let mut contents = FolderContents::default();
        if root.is_dir() {
            self.walk(dir, &tracked, &mut contents)?;
            contents.left_out.retain(|p| *p != format!("{dir}/"));
        }
        self.clean_files(&mut contents.files)?;
        Ok(contents)
    }

    fn walk(&self, dir: &str, tracked: &BTreeSet<String>, out: &mut FolderContents) -> Result<()> {
        let entries = self.entries_of(dir)?;
        if entries.is_empty() {
            out.left_out.push(format!("{dir}/"));
        }
        for (path, entry) in entries {
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if entry.path().join(".git").exists() {
                    out.left_out.push(format!("{path}/"));
                } else {
                    self.walk(&path, tracked, out)?;
                }
            } else if kind.is_file() {
                if !tracked.contains(&path) && self.is_ignored(&path)? {
                    out.left_out.push(path);
                    continue;
                }
                out.files.push(WorkFile::read(path, &entry)?);
            }
        }
        Ok(())
    }

    /// The entries of a work-tree folder in name order, each with its repository
    /// path; a name that is not UTF-8 or a symbolic link is refused with its path.
    pub(super) fn entries_of(&self, dir: &str) -> Result<Vec<(String, fs::DirEntry)>> {
        let mut entries: Vec<_> = fs::read_dir(self.workdir.join(dir))
            .with_context(|| format!("reading {dir}/"))?
            .collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        entries
            .into_iter()
            .map(|entry| {
                let name = entry.file_name().into_string().map_err(|raw| {
                    GitError::NonUtf8WorkTreeName {
                        folder: dir.to_string(),
                        name: raw.to_string_lossy().into_owned(),
                    }
                })?;
                let path = format!("{dir}/{name}");
                if entry.file_type()?.is_symlink() {
                    return Err(symlink_refusal(&path));
                }
                Ok((path, entry))
            })
            .collect()
    }
    /// Moves what is left of folder `from` in the work tree (files the commit did not
    /// hold, empty folders) into `to`, then removes `from`: the folder moves whole, as
    /// `mv` would move it. Nothing is overwritten: a path that exists at `to` already
    /// is left where it was and returned, so nothing is lost.
    pub fn carry_leftovers(&self, from: &str, to: &str) -> Result<Vec<String>> {
        let source = self.workdir.join(from);
        let is_link = |path: &Path| fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
        if is_link(&source) || is_link(&self.workdir.join(to)) {
            return Err(symlink_refusal(if is_link(&source) { from } else { to }));
        }
        if !source.is_dir() {
            return Ok(Vec::new());
        }
        let mut kept = Vec::new();
        move_contents(&source, &self.workdir.join(to), from, &mut kept)?;
        if kept.is_empty() {
            fs::remove_dir(&source).with_context(|| format!("removing {from}/"))?;
            super::checkout::remove_emptied_folders(&self.workdir, [from]);
        }
        Ok(kept)
    }
}

impl WorkFile {
    /// Reads the work-tree file at repository path `path`, with its executable
    /// bit; a link there is refused with its path, as a folder walk refuses it.
    pub fn read_at(workdir: &Path, path: &str) -> Result<Self> {
        let full = workdir.join(path);
        let meta = fs::symlink_metadata(&full).with_context(|| format!("reading {path}"))?;
        if meta.file_type().is_symlink() {
            return Err(symlink_refusal(path));
        }
        let bytes = fs::read(&full).with_context(|| format!("reading {path}"))?;
        Ok(Self {
            executable: meta.mode() & 0o111 != 0,
            path: path.to_string(),
            bytes,
        })
    }

    /// Reads the file behind a folder entry, with its executable bit.
    pub(super) fn read(path: String, entry: &fs::DirEntry) -> Result<Self> {
        let bytes = fs::read(entry.path()).with_context(|| format!("reading {path}"))?;
        Ok(Self {
            executable: entry.metadata()?.mode() & 0o111 != 0,
            path,
            bytes,
        })
    }
}

/// Moves every entry of `source` into `target`, merging into folders that exist and
/// keeping (and naming) any entry whose place is taken.
fn move_contents(source: &Path, target: &Path, shown: &str, kept: &mut Vec<String>) -> Result<()> {
    fs::create_dir_all(target).with_context(|| format!("creating {}", target.display()))?;
    let mut entries: Vec<_> = fs::read_dir(source)
        .with_context(|| format!("reading {shown}/"))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let at = target.join(&name);
        let shown_child = format!("{shown}/{}", name.to_string_lossy());
        let is_dir = entry.file_type()?.is_dir();
        match fs::symlink_metadata(&at) {
            Err(_) => {
                fs::rename(entry.path(), &at).with_context(|| format!("moving {shown_child}"))?
            }
            Ok(meta) if meta.is_dir() && is_dir => {
                let before = kept.len();
                move_contents(&entry.path(), &at, &shown_child, kept)?;
                if kept.len() == before {
                    fs::remove_dir(entry.path())
                        .with_context(|| format!("removing {shown_child}/"))?;
                }
            }
            Ok(_) => kept.push(shown_child),
        }
    }
    Ok(())
}
