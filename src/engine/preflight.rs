//! The checks before an operation starts: where `HEAD` is, what git is in the
//! middle of, and which paths must have no local change.

use anyhow::Result;

use super::plan::Clean;
use super::tree::Tree;
use crate::error;
use crate::layout;
use crate::repo::{Head, IGNORED, LocalChange, Oid, Repo};

/// The commit an operation starts from and the ref it will move.
#[derive(Debug, Clone)]
pub struct Base {
    /// `refs/heads/<branch>`, or `HEAD` when detached.
    pub refname: String,
    /// The commit the ref pointed to when planning began.
    pub commit: Oid,
}

impl Base {
    /// The branch name for messages: `main`, or `HEAD` when detached.
    pub fn branch(&self) -> &str {
        self.refname
            .strip_prefix("refs/heads/")
            .unwrap_or(&self.refname)
    }
}

/// Refuses, changing nothing, when the repository is not in a state to take an
/// operation commit: unborn or detached `HEAD`, or a merge/rebase/… in progress.
pub fn preflight(repo: &Repo, detach_ok: bool) -> Result<Base> {
    if let Some(what) = repo.operation_in_progress() {
        return Err(error::refused(
            format!("{what} is in progress in {}", repo.workdir().display()),
            "finish it (`git status` says how) or abort it, then run this again",
        ));
    }
    match repo.head()? {
        Head::Branch { refname, commit } => Ok(Base { refname, commit }),
        Head::Detached { commit } if detach_ok => Ok(Base {
            refname: "HEAD".into(),
            commit,
        }),
        Head::Detached { .. } => Err(error::refused(
            "HEAD is detached: an operation commit would belong to no branch",
            "check out a branch (`git switch <branch>`), or pass --detach-ok to commit on the detached HEAD",
        )),
        Head::Unborn { refname } => Err(error::refused(
            format!(
                "{} has no commits yet: an operation commit needs a parent",
                refname.trim_start_matches("refs/heads/")
            ),
            "make a first commit (`git commit --allow-empty -m init`), then run this again",
        )),
    }
}

/// Refuses when a path the plan declares has a local change (staged, unstaged,
/// untracked, or an ignored file where it writes one): an operation builds on
/// `HEAD`, and would otherwise lose that work or mix it in.
pub fn require_clean(repo: &Repo, clean: &Clean) -> Result<()> {
    if clean.paths.is_empty() {
        return Ok(());
    }
    let paths: Vec<&str> = clean.paths.iter().map(String::as_str).collect();
    let mut changes = repo.local_changes(&paths)?;
    changes.extend(repo.hidden_changes(&paths)?);
    refuse_overwriting(&changes, &paths)
}

/// Local changes that an operation's commit would overwrite.
fn refuse_overwriting(changes: &[LocalChange], paths: &[&str]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut listed: Vec<String> = changes.iter().take(10).map(describe).collect();
    if changes.len() > 10 {
        listed.push(format!("  … and {} more", changes.len() - 10));
    }
    let spec = paths.join(" ");
    let hidden: Vec<&str> = changes
        .iter()
        .filter(|c| c.hidden)
        .map(|c| c.path.as_str())
        .collect();
    let unhide = match hidden.as_slice() {
        [] => String::new(),
        paths => format!(
            "show git the hidden ones first (`git update-index --no-assume-unchanged --no-skip-worktree {}`), then ",
            paths.join(" ")
        ),
    };
    let ignored: Vec<&str> = changes
        .iter()
        .filter(|c| c.state == IGNORED)
        .map(|c| c.path.as_str())
        .collect();
    let force = match ignored.as_slice() {
        [] => String::new(),
        paths => format!(
            "`.gitignore` hides {}: commit it (`git add -f {}`) or move it away; ",
            paths.join(", "),
            paths.join(" ")
        ),
    };
    Err(error::refused(
        format!(
            "{} local change(s) that are not in HEAD would be overwritten:\n{}",
            changes.len(),
            listed.join("\n")
        ),
        format!(
            "{force}{unhide}commit them (`git add {spec} && git commit`) or set them aside (`git stash -u -- {spec}`), then run this again"
        ),
    ))
}

fn describe(change: &LocalChange) -> String {
    format!("  {} ({})", change.path, change.state)
}

/// Whether `.workflow/` is in `HEAD`, only in the work tree (ignored or not), or
/// nowhere: what `status` reports and what decides whether `migrate` needs
/// `--adopt`, decided here once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracking {
    /// `HEAD` holds it.
    Tracked,
    /// Only the work tree holds it; `ignored` when `.gitignore` matches it.
    Untracked {
        /// Whether git ignores it.
        ignored: bool,
    },
    /// Neither does.
    Absent,
}

impl Tracking {
    /// How `.workflow/` stands in `repo`, whose `HEAD` is `head`.
    pub fn of(repo: &Repo, head: &dyn Tree) -> Result<Self> {
        if head.exists(layout::WORKFLOW_DIR) {
            return Ok(Self::Tracked);
        }
        if std::fs::symlink_metadata(repo.workdir().join(layout::WORKFLOW_DIR)).is_err() {
            return Ok(Self::Absent);
        }
        Ok(Self::Untracked {
            ignored: repo.is_ignored(layout::WORKFLOW_DIR)?,
        })
    }

    /// The word `status` prints: `tracked`, `untracked`, `ignored` or `absent`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Tracked => "tracked",
            Self::Untracked { ignored: true } => "ignored",
            Self::Untracked { ignored: false } => "untracked",
            Self::Absent => "absent",
        }
    }
}
