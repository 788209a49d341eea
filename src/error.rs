//! The three kinds of failure a user can tell apart by exit code (SPEC §2).
//!
//! Everything else travels as `anyhow::Error` with context; a command returns one of
//! these only when the exit code must say something more precise than "failed".
//! The git room's own refusals ([`GitError`]) are worded for the command line here,
//! at the boundary, with their exit class and fix (as jj's `command_error.rs` does).

use std::fmt;

use crate::repo::GitError;

/// Why a command stopped, which decides its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The repository or the thing checked is not acceptable as it is (exit 1).
    Refused,
    /// The command line itself is wrong (exit 2).
    Usage,
}

/// An error that carries its exit-code class and the command that fixes it.
#[derive(Debug)]
pub struct Stop {
    /// Which exit code this maps to.
    pub kind: Kind,
    /// What is wrong, naming the path.
    pub message: String,
    /// What to run or do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Stop {}

/// A refusal: nothing was changed, exit 1.
pub fn refused(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Stop {
        kind: Kind::Refused,
        message: message.into(),
        hint: Some(hint.into()),
    })
}

/// A usage error: the command line names something that does not exist, exit 2.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Stop {
        kind: Kind::Usage,
        message: message.into(),
        hint: Some(hint.into()),
    })
}

/// The exit code SPEC §2 assigns to an error: 1 refused, 2 usage, 3 anything else
/// (an operation that failed and changed nothing, or was finished by the journal).
pub fn exit_code(err: &anyhow::Error) -> i32 {
    let kind = match err.downcast_ref::<Stop>() {
        Some(stop) => Some(stop.kind),
        None => err.downcast_ref::<GitError>().and_then(git_kind),
    };
    match kind {
        Some(Kind::Refused) => 1,
        Some(Kind::Usage) => 2,
        None => 3,
    }
}

/// The error and its fix on one line, for a report that lists many (a migration's
/// failed items).
pub fn explained(err: &anyhow::Error) -> String {
    let message = messages(err).join(": ");
    match hint(err) {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}

/// The hint to print under an error, if it carries one.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    if let Some(stop) = err.downcast_ref::<Stop>() {
        return stop.hint.clone();
    }
    err.downcast_ref::<GitError>().and_then(git_hint)
}

/// The error and its causes, outermost first, each worded for the command line.
pub fn messages(err: &anyhow::Error) -> Vec<String> {
    err.chain()
        .map(|cause| match cause.downcast_ref::<GitError>() {
            Some(git) => git_message(git),
            None => cause.to_string(),
        })
        .collect()
}

/// What a git-room refusal says on the command line: git's words, plus what they
/// mean for this tool where that matters.
fn git_message(err: &GitError) -> String {
    match err {
        GitError::Bare { .. } => format!("{err}: .workflow/ lives in a work tree"),
        GitError::BadRange { .. } => format!("--range {err}"),
        GitError::Symlink { .. } => {
            format!("{err}; symlinks under .workflow/ are never followed or committed by this tool")
        }
        GitError::IndexLocked { .. } => {
            format!("{err}; if none is, remove the file and run `git workflow status`")
        }
        _ => err.to_string(),
    }
}

/// The exit class of a git-room refusal; `None` is a failure (exit 3).
fn git_kind(err: &GitError) -> Option<Kind> {
    match err {
        GitError::BadRange { .. } => Some(Kind::Usage),
        GitError::IndexLocked { .. } => None,
        _ => Some(Kind::Refused),
    }
}

/// The command that fixes a git-room refusal.
fn git_hint(err: &GitError) -> Option<String> {
    Some(match err {
        GitError::NotARepository { .. } => {
            "run this inside a git work tree, or name one with `git workflow -C <dir> …`".into()
        }
        GitError::TreeTooDeep { .. } => "no .workflow/ state nests that deep: this history was written to stop tools that read it; remove the folder (`git rm -r --cached` it) or refuse the push".into(),
        GitError::BlobTooLarge { .. } => "state files are small text; keep large files out of .workflow/".into(),
        GitError::DubiousOwnership { path } => format!("if you trust it, add an exception as git says: `git config --global --add safe.directory {path}`"),
        GitError::Bare { .. } => "run this inside a clone with a work tree (`git worktree add` or `git clone`); in a bare repository only `check --range` and `log` work".into(),
        GitError::Symlink { path } => format!(
            "replace {path} with the file it points to, or remove it, then run this again"
        ),
        GitError::NonUtf8WorkTreeName { folder, .. } => {
            format!("rename it to a UTF-8 name under {folder}/, then run this again")
        }
        GitError::NonUtf8TreeName { folder, .. } => {
            format!("rename it with `git mv` to a UTF-8 name under {folder}/")
        }
        GitError::Conflicted { path } => format!(
            "resolve them and `git add {path}` (or `git checkout --ours -- {path}`), then run this again"
        ),
        GitError::NotABoolean { key, .. } => {
            format!("set it to true or false: `git config {key} false`")
        }
        GitError::BadRange { .. } => {
            "give A..B (two revisions) or one revision, as `git log` takes them".into()
        }
        GitError::NotACommit { .. } => {
            "name the operation by its hash, as `git workflow log` lists it".into()
        }
        GitError::MissingObject { remote: Some((remote, _)), .. } => format!("nothing was changed; check that {remote} is reachable (`git fetch {remote}`), then run this again"),
        GitError::MissingObject { remote: None, .. } => "nothing was changed; `git fsck` shows what else is missing, and a fresh clone restores it".into(),
        GitError::LfsPointer { path } => format!("workflow state must be plain text: stop tracking it with LFS (`git lfs untrack` the pattern in .gitattributes that names {path}), then `git add --renormalize .workflow` and commit"),
        GitError::NoIdentity { .. } => "run `git config user.name \"Your Name\"` and `git config user.email you@example.com`".into(),
        GitError::SigningFailed { .. } => "fix the key git signs with (`user.signingKey`, `gpg.format`, `gpg.program`; `git commit --allow-empty -m test` shows git's own error), or turn signing off with `git config commit.gpgsign false`; nothing was changed".into(),
        GitError::CommitFailed { .. } => "nothing was changed; `git commit` in this repository shows git's own error".into(),
        GitError::HookRefused { hook } => format!("fix what the {hook} hook asks for, then run this again; nothing was changed"),
        GitError::IndexLocked { .. } => return None,
        GitError::RefBusy { lock, .. } => format!(
            "wait for it to finish; if no git process is running, remove {} and run this again",
            lock.display()
        ),
        GitError::IndexBusy { lock } => format!(
            "wait for it to finish (as `git commit` would); if no git process is running, remove {} and run this again",
            lock.display()
        ),
        GitError::DamagedIndex { path, .. } => format!(
            "rebuild it from HEAD with `rm {} && git reset` (the work tree is left as it is; stage again what was staged), then run this again",
            path.display()
        ),
        GitError::UnreadableIndex { extension } => match extension.as_str() {
            "link" => "turn the split index off with `git update-index --no-split-index` (and `git config core.splitIndex false`), then run this again".into(),
            "sdir" => "turn the sparse index off with `git sparse-checkout reapply --no-sparse-index` (the sparse checkout stays), then run this again".into(),
            _ => "rewrite the index without it (`git update-index --index-version 2`), then run this again".into(),
        },
        GitError::UnsupportedRepository { extension } if extension.contains("refStorage") => "convert the refs with `git refs migrate --ref-format=files` (git 2.46 or later), then run this again; meanwhile the hook passes every commit that touches no .workflow/ or task-graph path".into(),
        GitError::UnsupportedRepository { .. } => "make this change with git itself; meanwhile the hook passes every commit that touches no .workflow/ or task-graph path".into(),
    })
}
