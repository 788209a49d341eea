//! What the git room refuses, in git's own terms. The room names the path and the
//! cause; the command layer (`crate::error`) decides the exit code and adds the fix,
//! so no text here mentions a `git workflow` command or `.workflow/`.

use std::fmt;
use std::path::PathBuf;

/// A repository, index or work-tree state the git room will not work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitError {
    /// No repository was found from here (libgit2's own words).
    NotARepository {
        /// Why libgit2 found none.
        message: String,
    },
    /// The repository belongs to another user and `safe.directory` does not name
    /// it: git refuses to work in it, and so do we.
    DubiousOwnership {
        /// The repository's folder, as git names it.
        path: String,
    },
    /// The repository uses an extension libgit2 cannot read (reftable refs, SHA-256
    /// objects): git opens it, this tool cannot.
    UnsupportedRepository {
        /// The extension as its config line reads, e.g. `extensions.refStorage = reftable`.
        extension: String,
    },
    /// The repository has no work tree.
    Bare {
        /// Its git dir.
        git_dir: PathBuf,
    },
    /// A symbolic link where a file or folder was expected; it is never followed.
    Symlink {
        /// The repository path of the link.
        path: String,
    },
    /// A tree nests folders deeper than git's `core.maxTreeDepth` default: git
    /// refuses it, and so does every walk here, before reading further.
    TreeTooDeep {
        /// The path down to the folder past the limit.
        path: String,
        /// The limit.
        depth: usize,
    },
    /// A blob too large to be a state file, refused from its header, unread.
    BlobTooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A work-tree folder holds a name that is not UTF-8.
    NonUtf8WorkTreeName {
        /// The folder.
        folder: String,
        /// The name, lossily decoded.
        name: String,
    },
    /// A committed folder holds a name that is not UTF-8.
    NonUtf8TreeName {
        /// The folder.
        folder: String,
        /// The name, lossily decoded.
        name: String,
    },
    /// The index holds a conflict (stages 1–3) at this path.
    Conflicted {
        /// The repository path.
        path: String,
    },
    /// A git config value that should be a boolean is not one.
    NotABoolean {
        /// The key.
        key: String,
        /// libgit2's reason.
        message: String,
    },
    /// A revision range that names no commits.
    BadRange {
        /// The range as given.
        range: String,
        /// libgit2's reason.
        why: String,
    },
    /// A revision that names no commit.
    NotACommit {
        /// The revision as given.
        rev: String,
    },
    /// An object the operation needs is not in this repository (a partial or
    /// damaged clone).
    MissingObject {
        /// The object's id.
        id: String,
        /// The promisor remote asked for it and what git said, in a partial clone.
        remote: Option<(String, String)>,
    },
    /// A committed file is a git-lfs pointer, not the text it stands for.
    LfsPointer {
        /// The repository path.
        path: String,
    },
    /// git cannot tell who the author or committer is.
    NoIdentity {
        /// What `git commit-tree` said.
        git_says: String,
    },
    /// `commit.gpgsign` is on and git could not sign the commit.
    SigningFailed {
        /// What `git commit-tree` said.
        git_says: String,
    },
    /// `git commit-tree` refused the commit for another reason.
    CommitFailed {
        /// What `git commit-tree` said.
        git_says: String,
    },
    /// A message hook (`prepare-commit-msg`, `commit-msg`) exited non-zero.
    HookRefused {
        /// The hook's name.
        hook: String,
    },
    /// `index.lock` exists before the operation starts: another git process holds
    /// the index, and nothing was changed.
    IndexBusy {
        /// The lock file.
        lock: PathBuf,
    },
    /// `<ref>.lock` exists: another git process is updating the branch.
    RefBusy {
        /// The ref, e.g. `refs/heads/main`.
        refname: String,
        /// Its lock file.
        lock: PathBuf,
    },
    /// `index.lock` was taken by another process between two of our writes, after
    /// the commit: the journal finishes the rest.
    IndexLocked {
        /// The lock file.
        lock: PathBuf,
    },
    /// The index uses an extension libgit2 cannot read (`link`: a split index,
    /// `sdir`: a sparse index).
    UnreadableIndex {
        /// The extension's four-letter signature.
        extension: String,
    },
    /// The index file is not one git reads either (truncated, another file's bytes):
    /// said in git's words, not libgit2's.
    DamagedIndex {
        /// The index file.
        path: PathBuf,
        /// What git says of it (`index file smaller than expected`, …).
        reason: String,
    },
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotARepository { message } => {
                write!(f, "not inside a git repository ({message})")
            }
            Self::DubiousOwnership { path } => write!(
                f,
                "detected dubious ownership in repository at '{path}': it belongs to another user, and git (like this tool) does not work in it"
            ),
            Self::UnsupportedRepository { extension } => write!(
                f,
                "this repository uses {} ({extension}), which libgit2 (the git library this tool is built on) cannot read",
                if extension.contains("refStorage") {
                    "reftable refs"
                } else if extension.contains("objectFormat") {
                    "SHA-256 object names"
                } else {
                    "a repository extension"
                }
            ),
            Self::Bare { git_dir } => write!(f, "{} is a bare repository", git_dir.display()),
            Self::TreeTooDeep { path, depth } => {
                let shown: String = path.chars().take(200).collect();
                let more = if shown.len() < path.len() { "…" } else { "" };
                write!(
                    f,
                    "a tree nests folders more than {depth} deep at {shown}{more} (git's core.maxTreeDepth refuses it too)"
                )
            }
            Self::BlobTooLarge { size, limit } => write!(
                f,
                "it is {size} bytes, over the {} MiB limit for state files",
                limit >> 20
            ),
            Self::Symlink { path } => write!(f, "{path} is a symbolic link"),
            Self::NonUtf8WorkTreeName { folder, name } => {
                write!(f, "{folder}/ holds a name that is not UTF-8: {name}")
            }
            Self::NonUtf8TreeName { folder, name } => {
                write!(f, "{folder}/ holds a file whose name is not UTF-8 ({name})")
            }
            Self::Conflicted { path } => write!(f, "{path} has unresolved conflicts in the index"),
            Self::NotABoolean { key, message } => {
                write!(f, "git config {key} is not a boolean: {message}")
            }
            Self::BadRange { range, why } => write!(f, "{range}: {why}"),
            Self::NotACommit { rev } => {
                write!(f, "'{rev}' does not name a commit in this repository")
            }
            Self::MissingObject { id, remote: None } => write!(
                f,
                "object {id} is missing from this repository, and it is not a partial clone that could fetch it"
            ),
            Self::MissingObject {
                id,
                remote: Some((remote, git_says)),
            } => write!(
                f,
                "object {id} is not in this partial clone and could not be fetched from {remote}:\n{git_says}"
            ),
            Self::LfsPointer { path } => write!(
                f,
                "{path} is committed as a git-lfs pointer (filter=lfs), not as the text it stands for"
            ),
            Self::NoIdentity { git_says } => write!(
                f,
                "git does not know who you are, so it cannot write the commit:\n{git_says}"
            ),
            Self::SigningFailed { git_says } => write!(
                f,
                "commit.gpgsign is true and git could not sign the commit:\n{git_says}"
            ),
            Self::CommitFailed { git_says } => {
                write!(f, "git could not write the commit:\n{git_says}")
            }
            Self::HookRefused { hook } => write!(
                f,
                "the {hook} hook refused the commit message (its output is above)"
            ),
            Self::IndexBusy { lock } => write!(
                f,
                "{} exists: another git process seems to be running in this repository",
                lock.display()
            ),
            Self::RefBusy { refname, lock } => write!(
                f,
                "{} exists: another git process is updating {}",
                lock.display(),
                refname.strip_prefix("refs/heads/").unwrap_or(refname)
            ),
            Self::IndexLocked { lock } => write!(
                f,
                "{} exists: another git process seems to be running in this repository",
                lock.display()
            ),
            Self::DamagedIndex { path, reason } => write!(
                f,
                "{}: {reason}; git cannot read this index either",
                path.display()
            ),
            Self::UnreadableIndex { extension } => write!(
                f,
                "the index is {}, which libgit2 (the git library this tool is built on) cannot read",
                match extension.as_str() {
                    "link" => "a split index (extension 'link')".to_string(),
                    "sdir" => "a sparse index (extension 'sdir')".to_string(),
                    other => format!("written with extension '{other}'"),
                }
            ),
        }
    }
}

impl std::error::Error for GitError {}
