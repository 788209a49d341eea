//! Where git looks for a hook: `core.hooksPath` read as git reads a path setting,
//! else `hooks/` in the common git dir. The installer puts the shim there, and a
//! commit asks it whether a hook is worth a `git hook run` at all.

use anyhow::Result;
use std::fs;
use std::path::{Path, PathBuf};

use super::Repo;

impl Repo {
    /// The hooks folder as git finds it: `core.hooksPath` (relative to the top of the
    /// work tree, `~/` expanded), else `hooks/` in the common git dir, which linked
    /// worktrees share. `None` when `core.hooksPath` is set but empty, which leaves
    /// git's hooks folder undefined.
    pub fn hooks_folder(&self) -> Result<Option<PathBuf>> {
        Ok(match self.config_string("core.hooksPath")? {
            Some(value) if value.trim().is_empty() => None,
            Some(value) => Some(expand(&value, self.workdir())),
            None => Some(self.common_dir().join("hooks")),
        })
    }

    /// Whether git could find anything to run for `hook`, so that a commit spends no
    /// `git hook run` on a hook nobody installed (git itself starts nothing then).
    /// Anything at the hook's path counts, executable or not (git warns about the
    /// latter), in the configured folder and in the default one; so do git 2.54's
    /// hooks set in config (`hook.<name>.event`) and configuration libgit2 cannot
    /// read ([`Repo::config_beyond_libgit2`]).
    pub(super) fn hook_may_run(&self, hook: &str) -> Result<bool> {
        Ok(match self.hook_folders()? {
            Some(folders) => folders
                .iter()
                .any(|folder| something_at(&folder.join(hook))),
            None => true,
        })
    }

    /// The folders a hook file is looked for in, read from the configuration once
    /// for every hook of the operation; `None` when only git can say where hooks are.
    fn hook_folders(&self) -> Result<&Option<[PathBuf; 2]>> {
        if let Some(folders) = self.hook_folders.get() {
            return Ok(folders);
        }
        let folders = match self.config_beyond_libgit2()? || self.has_hook_settings()? {
            true => None,
            false => self
                .hooks_folder()?
                .map(|configured| [configured, self.common_dir().join("hooks")]),
        };
        Ok(self.hook_folders.get_or_init(|| folders))
    }

    /// Whether any `hook.*` setting exists (git 2.54 runs hooks named in config).
    fn has_hook_settings(&self) -> Result<bool> {
        let config = self.config_snapshot()?;
        let mut entries = config.entries(Some("^hook\\."))?;
        Ok(entries.next().is_some())
    }
}

/// Whether the path names anything at all; an error other than "not found" (a
/// folder we may not read, say) counts as something, for git to judge.
fn something_at(path: &Path) -> bool {
    !matches!(fs::symlink_metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

/// The folder a `core.hooksPath` value names, as git reads a path setting: `~`
/// and `~/…` under HOME, a relative path from the top of the work tree, and `..`
/// taken out, so that `../hooks` is the folder beside the work tree, not inside it.
fn expand(value: &str, workdir: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match (value.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home,
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ if Path::new(value).is_absolute() => PathBuf::from(value),
        _ => workdir.join(value),
    };
    without_dot_dot(&path)
}

/// The path with `.` and `..` components resolved by their names, as git's
/// `normalize_path_copy` does (the folder need not exist).
fn without_dot_dot(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
