//! The pre-commit hook: find the hooks folder as git does, install the shim (keeping a
//! hook that is not ours as `pre-commit.legacy`, run first), uninstall it (putting the
//! old hook back byte for byte), and say what is installed.

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::config;
use crate::error;
use crate::repo::Repo;

/// The shim as shipped in `hooks/pre-commit`, usable by hand as it is.
const SHIM: &str = include_str!("../hooks/pre-commit");
/// The line that marks a hook as ours.
const MARKER: &str = "# git-workflow-hook v1";
/// The line `install` rewrites with the installing binary's absolute path.
const BIN_LINE: &str = "bin='git-workflow'";
/// The hook file git runs before a commit.
const HOOK: &str = "pre-commit";
/// Where a hook that was there before ours is kept.
const LEGACY: &str = "pre-commit.legacy";

/// Where hooks live for a repository, and how git was told so.
#[derive(Debug, Clone)]
pub struct HooksDir {
    /// The folder.
    pub path: PathBuf,
    /// Whether it lies inside the work tree (a tracked `core.hooksPath` such as
    /// `.husky`, which another tool manages).
    pub in_work_tree: bool,
}

/// What is at `pre-commit` now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HookState {
    /// Nothing.
    Absent,
    /// Our shim, calling this binary, with the earlier hook chained when there was one.
    Ours {
        /// The binary the shim calls first.
        binary: String,
        /// Whether that binary exists.
        binary_exists: bool,
        /// Whether a `pre-commit.legacy` runs first.
        legacy: bool,
    },
    /// A hook that is not ours.
    Foreign,
}

/// What `install` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Installed {
    /// Wrote the shim where there was no hook.
    Fresh,
    /// Kept the existing hook as `pre-commit.legacy` and chained it.
    ChainedLegacy,
    /// Rewrote our shim (it called another binary).
    Updated,
    /// Our shim was already there as it would be written.
    AlreadyCurrent,
}

/// What `uninstall` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uninstalled {
    /// Removed our shim; no hook was there before it.
    Removed,
    /// Removed our shim and put the earlier hook back.
    RestoredLegacy,
    /// Our shim was not installed; nothing was touched.
    NotInstalled,
}

/// The hooks folder as git finds it: `core.hooksPath` (relative to the top of the
/// work tree, `~/` expanded), else `hooks/` in the common git dir, which linked
/// worktrees share. An empty `core.hooksPath` is refused.
pub fn hooks_dir(repo: &Repo) -> Result<HooksDir> {
    let path = match repo.config_string(config::HOOKS_PATH)? {
        Some(value) if value.trim().is_empty() => {
            return Err(error::refused(
                "core.hooksPath is set but empty, so git's hooks folder is undefined",
                "unset it (`git config --unset core.hooksPath`) or set it to a folder",
            ));
        }
        Some(value) => expand(&value, repo.workdir()),
        None => repo.common_dir().join("hooks"),
    };
    let in_work_tree = path.starts_with(repo.workdir()) && !path.starts_with(repo.git_dir());
    Ok(HooksDir { path, in_work_tree })
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

/// The shim that calls `binary` first (falling back to `git-workflow` on `PATH`).
pub fn shim(binary: &Path) -> String {
    let quoted = binary.to_string_lossy().replace('\'', "'\\''");
    SHIM.replace(BIN_LINE, &format!("bin='{quoted}'"))
}

/// What `pre-commit` in `dir` is.
pub fn state(dir: &HooksDir) -> HookState {
    let Ok(text) = fs::read(dir.path.join(HOOK)) else {
        return HookState::Absent;
    };
    let text = String::from_utf8_lossy(&text);
    if !text.contains(MARKER) {
        return HookState::Foreign;
    }
    let binary = text
        .lines()
        .find_map(|l| l.strip_prefix("bin='").and_then(|b| b.strip_suffix('\'')))
        .unwrap_or("git-workflow")
        .replace("'\\''", "'");
    HookState::Ours {
        binary_exists: Path::new(&binary).is_file(),
        binary,
        legacy: fs::symlink_metadata(dir.path.join(LEGACY)).is_ok(),
    }
}

/// Installs the shim calling `binary`, keeping a hook that is not ours as
/// `pre-commit.legacy`. Refuses, changing nothing, when a foreign hook and a
/// `pre-commit.legacy` are both there (one would be lost).
pub fn install(dir: &HooksDir, binary: &Path) -> Result<Installed> {
    let hook = dir.path.join(HOOK);
    let legacy = dir.path.join(LEGACY);
    let wanted = shim(binary);
    let outcome = match state(dir) {
        HookState::Absent => Installed::Fresh,
        HookState::Ours { .. }
            if fs::read_to_string(&hook).ok().as_deref() == Some(wanted.as_str()) =>
        {
            return Ok(Installed::AlreadyCurrent);
        }
        HookState::Ours { .. } => Installed::Updated,
        HookState::Foreign if fs::symlink_metadata(&legacy).is_ok() => {
            return Err(error::refused(
                format!(
                    "{} is not ours and {} already exists; installing would lose one of them",
                    hook.display(),
                    legacy.display()
                ),
                "merge the two hooks into one by hand (or move one aside), then run `git workflow hooks install` again",
            ));
        }
        HookState::Foreign => {
            fs::rename(&hook, &legacy)
                .with_context(|| format!("keeping {} as {}", hook.display(), legacy.display()))?;
            Installed::ChainedLegacy
        }
    };
    fs::create_dir_all(&dir.path).with_context(|| format!("creating {}", dir.path.display()))?;
    write_executable(&hook, &wanted)?;
    Ok(outcome)
}

/// Removes our shim, only if it is ours, and puts `pre-commit.legacy` back.
pub fn uninstall(dir: &HooksDir) -> Result<Uninstalled> {
    let hook = dir.path.join(HOOK);
    let legacy = dir.path.join(LEGACY);
    if !matches!(state(dir), HookState::Ours { .. }) {
        return Ok(Uninstalled::NotInstalled);
    }
    fs::remove_file(&hook).with_context(|| format!("removing {}", hook.display()))?;
    if fs::symlink_metadata(&legacy).is_err() {
        return Ok(Uninstalled::Removed);
    }
    fs::rename(&legacy, &hook).with_context(|| format!("restoring {}", hook.display()))?;
    Ok(Uninstalled::RestoredLegacy)
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("git-workflow-tmp");
    let _ = fs::remove_file(&tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o755)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    file.write_all(text.as_bytes())?;
    drop(file);
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_quotes_any_binary_path_for_sh() {
        let text = shim(Path::new("/opt/my tools/it's/git-workflow"));
        assert!(
            text.contains("bin='/opt/my tools/it'\\''s/git-workflow'\n"),
            "{text}"
        );
        assert!(text.contains(MARKER));
        assert!(!text.contains('\r'));
    }
}
