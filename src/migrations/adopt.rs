//! `--adopt` (SPEC §3): a `.workflow/` that git does not track yet is committed as it
//! stands in the work tree, in its own commit, before anything migrates it.
//!
//! This is the one planner that reads the work tree, because what it commits is the
//! work tree.

use crate::error;
use crate::layout;
use crate::plan::{Action, Plan};
use crate::repo::Repo;
use anyhow::{Context, Result};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Plans the commit of every file under `.workflow/`: all of them when the folder
/// itself is ignored (adopting it is the point), else those git would not ignore.
/// Symbolic links and names that are not UTF-8 are refused.
pub fn plan(repo: &Repo) -> Result<Plan> {
    let top = repo.workdir().join(layout::WORKFLOW_DIR);
    if fs::symlink_metadata(&top).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(error::refused(
            ".workflow is a symbolic link; this tool never follows links under .workflow/",
            "replace the link with the folder it points to, then run `git workflow migrate --adopt` again",
        ));
    }
    let take_ignored = repo.is_ignored(layout::WORKFLOW_DIR)?;
    let mut actions = Vec::new();
    collect(repo, layout::WORKFLOW_DIR, take_ignored, &mut actions)?;
    let n = actions.len();
    Ok(Plan {
        operation: "adopt".into(),
        subject: format!(
            "workflow: adopt .workflow/ as it is ({n} file{})",
            if n == 1 { "" } else { "s" }
        ),
        body: vec![
            "Commit the untracked .workflow/ unchanged, so that the migrations after".into(),
            "this commit are reviewable and revertable on their own.".into(),
        ],
        actions,
        ..Plan::default()
    })
}

fn collect(repo: &Repo, dir: &str, take_ignored: bool, actions: &mut Vec<Action>) -> Result<()> {
    let full = repo.workdir().join(dir);
    let mut entries: Vec<_> = fs::read_dir(&full)
        .with_context(|| format!("reading {dir}/"))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().into_string().map_err(|raw| {
            error::refused(
                format!("{dir}/ holds a name that is not UTF-8: {}", raw.to_string_lossy()),
                format!("rename it to a UTF-8 name under {dir}/, then run `git workflow migrate --adopt` again"),
            )
        })?;
        let path = layout::join(&[dir, &name]);
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            return Err(error::refused(
                format!(
                    "{path} is a symbolic link; symlinks under .workflow/ are never followed or committed by this tool"
                ),
                format!(
                    "replace {path} with the file it points to, or remove it, then run `git workflow migrate --adopt` again"
                ),
            ));
        }
        if !take_ignored && repo.is_ignored(&path)? {
            continue;
        }
        if kind.is_dir() {
            collect(repo, &path, take_ignored, actions)?;
        } else if kind.is_file() {
            actions.push(read_file(repo.workdir(), path)?);
        }
    }
    Ok(())
}

fn read_file(workdir: &Path, path: String) -> Result<Action> {
    let full = workdir.join(&path);
    let bytes = fs::read(&full).with_context(|| format!("reading {path}"))?;
    let executable = fs::metadata(&full)?.permissions().mode() & 0o111 != 0;
    Ok(Action::Write {
        path,
        bytes,
        executable,
    })
}
