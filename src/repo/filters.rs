//! Bytes between the work tree and the object store, converted as git converts
//! them: `core.autocrlf`, the `text`/`eol`/`ident`/`working-tree-encoding`
//! attributes and `filter.<driver>` (git-lfs included). What comes from the work
//! tree is cleaned as `git add` cleans it, what goes to it is smudged as
//! `git checkout` smudges it, by git itself: libgit2 knows none of the external
//! drivers. Where nothing can convert (no attributes file on the way to a path, no
//! `core.autocrlf`), the bytes pass as they are, with no process started.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

use super::cli::stderr_text;
use super::{Oid, Repo, WorkFile};

/// What an attributes file or a setting anywhere in the repository could mean for
/// the paths asked about.
#[derive(Debug, Default)]
pub(super) struct Conversions {
    /// Set when `core.autocrlf` or an attributes file outside the work tree
    /// (`info/attributes`, `core.attributesFile`) applies to every path.
    everywhere: bool,
    /// The work-tree folders already looked at, and whether each has a
    /// `.gitattributes`.
    folders: std::collections::HashMap<PathBuf, bool>,
}

impl Repo {
    /// Whether git could convert the bytes of any of these paths (files, or folders
    /// ending in `/`) on their way in or out.
    pub(super) fn converts<'p>(&self, paths: impl IntoIterator<Item = &'p str>) -> bool {
        let mut conversions = self.conversions.borrow_mut();
        let conversions = conversions.get_or_insert_with(|| Conversions {
            everywhere: self.converts_everywhere(),
            folders: Default::default(),
        });
        if conversions.everywhere {
            return true;
        }
        paths.into_iter().any(|path| {
            let dir = match path.strip_suffix('/') {
                Some(folder) => Path::new(folder),
                None => Path::new(path).parent().unwrap_or(Path::new("")),
            };
            dir.ancestors().any(|folder| {
                *conversions
                    .folders
                    .entry(folder.to_path_buf())
                    .or_insert_with(|| self.workdir.join(folder).join(".gitattributes").exists())
            })
        })
    }

    /// `core.autocrlf` (true or input), or an attributes file git reads for every
    /// path: `$GIT_DIR/info/attributes`, `core.attributesFile` or its default.
    fn converts_everywhere(&self) -> bool {
        let autocrlf = self.config_string("core.autocrlf").ok().flatten();
        if autocrlf.is_some_and(|v| {
            !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "no" | "off" | "0"
            )
        }) {
            return true;
        }
        let global = match self.config_string("core.attributesFile").ok().flatten() {
            Some(file) => Some(expand_home(&file)),
            None => std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
                .map(|config| config.join("git/attributes")),
        };
        let info = self.git.commondir().join("info/attributes");
        [Some(info), global]
            .into_iter()
            .flatten()
            .any(|file| non_empty(&file))
    }

    /// Cleans work-tree files as `git add` would store them
    /// (`git hash-object -w --stdin-paths`), when anything can convert them.
    pub(super) fn clean_files(&self, files: &mut [WorkFile]) -> Result<()> {
        if files.is_empty() || !self.converts(files.iter().map(|f| f.path.as_str())) {
            return Ok(());
        }
        let paths: String = files.iter().map(|f| format!("{}\n", f.path)).collect();
        let output = self.run_git(&["hash-object", "-w", "--stdin-paths"], paths.as_bytes())?;
        if !output.status.success() {
            bail!(
                "git could not clean {} as `git add` would (a filter failed): {}",
                files[0].path,
                stderr_text(&output)
            );
        }
        let ids = String::from_utf8_lossy(&output.stdout);
        for (file, id) in files.iter_mut().zip(ids.lines()) {
            let id =
                Oid::from_str(id).with_context(|| format!("git hash-object printed {id:?}"))?;
            file.bytes = self.git.find_blob(id)?.content().to_vec();
        }
        Ok(())
    }

    /// Writes blobs into the work tree as `git checkout` writes them, smudge
    /// filters and line endings applied, by git itself: `git checkout-index` over a
    /// temporary index that holds just these entries (the real index stays ours,
    /// locked). (`git cat-file --batch --filters` would be one process too, but
    /// its headers give the unfiltered size.)
    pub(super) fn write_smudged(&self, blobs: &[(Oid, &str, bool)]) -> Result<()> {
        let scratch = tempfile::Builder::new()
            .prefix("git-workflow-checkout-")
            .tempdir_in(self.git.path())
            .context("creating a temporary index")?;
        let index_file = scratch.path().join("index");
        let mut index = git2::Index::open(&index_file)?;
        for &(id, path, executable) in blobs {
            index.add(&git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: if executable { 0o100755 } else { 0o100644 },
                uid: 0,
                gid: 0,
                file_size: 0,
                id,
                flags: path.len().min(0xfff) as u16,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            })?;
        }
        index.write()?;
        let mut command = self.git_command();
        command
            .env("GIT_INDEX_FILE", &index_file)
            .args(["checkout-index", "--force", "--all"])
            .stdin(std::process::Stdio::null());
        let output = command.output().context("running git checkout-index")?;
        if !output.status.success() {
            bail!(
                "git could not write {} as `git checkout` would (a filter failed): {}",
                blobs.first().map_or("", |(_, p, _)| p),
                stderr_text(&output)
            );
        }
        Ok(())
    }

    /// git's blob id for a work-tree file: its bytes cleaned as `git add` cleans
    /// them (only hashed as they are when nothing can convert them).
    pub fn blob_id_of_file(&self, path: &str) -> Result<Oid> {
        if !self.converts([path]) {
            return Ok(Oid::hash_file(
                git2::ObjectType::Blob,
                self.workdir.join(path),
            )?);
        }
        let output = self.run_git(&["hash-object", "--", path], b"")?;
        if !output.status.success() {
            bail!("git hash-object {path} failed: {}", stderr_text(&output));
        }
        let id = String::from_utf8_lossy(&output.stdout);
        Ok(Oid::from_str(id.trim())?)
    }
}

/// `~/…` as git expands it in a path setting.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn non_empty(file: &Path) -> bool {
    std::fs::metadata(file).is_ok_and(|m| m.len() > 0)
}
