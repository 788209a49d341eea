//! Commits written by git itself, as `git commit -m` writes them: the
//! `prepare-commit-msg` and `commit-msg` hooks on the message, author and committer
//! as git chooses them (`author.*`, `committer.*`, `user.*`, `GIT_AUTHOR_*` with every
//! date format git accepts, `EMAIL`, the system name), signed when `commit.gpgsign`
//! says so (openpgp, ssh, x509, `user.signingKey`, `gpg.program`); `post-commit`
//! once the work tree is written. libgit2 does none of these as git does.

use anyhow::{Context, Result};
use std::fs;
use std::process::Stdio;

use super::cli::{feed, stderr_text};
use super::{GitError, Oid, Repo};

impl Repo {
    /// Writes a commit object (no ref moves) of `tree` on `parent`, the message run
    /// through the message hooks first. The tree must be in the object store, where
    /// git can read it.
    pub fn write_commit(&self, tree: Oid, parent: Oid, message: &str) -> Result<Oid> {
        let message = self.run_message_hooks(message)?;
        let sign = self.commit_signs()?;
        let (tree, parent) = (tree.to_string(), parent.to_string());
        let mut args = vec!["commit-tree", tree.as_str(), "-p", parent.as_str()];
        args.push(if sign { "-S" } else { "--no-gpg-sign" });
        args.extend(["-F", "-"]);
        let mut output = self.run_git(&args, message.as_bytes())?;
        for _ in 0..RACE_RETRIES {
            if output.status.success() || !lost_object_folder_race(&output) {
                break;
            }
            output = self.run_git(&args, message.as_bytes())?;
        }
        if !output.status.success() {
            return Err(commit_refusal(stderr_text(&output), sign).into());
        }
        let id = String::from_utf8_lossy(&output.stdout);
        Oid::from_str(id.trim()).with_context(|| format!("git commit-tree printed {id:?}"))
    }

    /// Whether `git commit` would sign here (`commit.gpgsign`), read as git reads
    /// it ([`Repo::config_bools`]).
    fn commit_signs(&self) -> Result<bool> {
        Ok(self.config_bools(&["commit.gpgsign".to_string()])?[0].unwrap_or(false))
    }

    /// `prepare-commit-msg <file> message`, then `commit-msg <file>`, on
    /// `COMMIT_EDITMSG` as `git commit -m` runs them; a message a hook changed is
    /// cleaned up as git cleans it (`commit.cleanup` default without an editor).
    fn run_message_hooks(&self, message: &str) -> Result<String> {
        let file = self.git.path().join("COMMIT_EDITMSG");
        fs::write(&file, message).with_context(|| format!("writing {}", file.display()))?;
        self.share(&file)?;
        let path = file.to_string_lossy();
        self.run_hook("prepare-commit-msg", &[&path, "message"])?;
        self.run_hook("commit-msg", &[&path])?;
        let edited = fs::read_to_string(&file)
            .with_context(|| format!("reading {} back after the hooks", file.display()))?;
        Ok(if edited == message {
            edited
        } else {
            clean_up_whitespace(&edited)
        })
    }

    /// Runs `post-commit`, as `git commit` does once the commit is in place; like
    /// git, its exit status changes nothing.
    pub fn run_post_commit(&self) -> Result<()> {
        let _ = self.hook_status("post-commit", &[])?;
        Ok(())
    }

    /// Runs one hook through `git hook run` (which finds it as git does:
    /// `core.hooksPath`, the common git dir, config), unless nothing is there for git
    /// to find; a hook that fails refuses the commit.
    fn run_hook(&self, hook: &str, args: &[&str]) -> Result<()> {
        match self.hook_status(hook, args)? {
            true => Ok(()),
            false => Err(GitError::HookRefused {
                hook: hook.to_string(),
            }
            .into()),
        }
    }

    /// Whether the hook (if there is one) succeeded; its output goes to our stderr.
    fn hook_status(&self, hook: &str, args: &[&str]) -> Result<bool> {
        if !self.hook_may_run(hook)? {
            return Ok(true);
        }
        let mut command = self.git_command();
        command
            .args(["hook", "run", "--ignore-missing", hook, "--"])
            .args(args)
            .env("GIT_EDITOR", ":")
            .stdin(Stdio::piped())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        let output = feed(command, b"").with_context(|| format!("running the {hook} hook"))?;
        Ok(output.status.success())
    }
}

/// How many times a commit is retried after losing the race below.
const RACE_RETRIES: usize = 8;

/// git writes a loose object by creating `objects/xx/` and then a temporary file
/// in it; a `git repack -d` beside it (its `prune-packed`) removes empty `xx/`
/// folders, and when that lands between the two steps git gives up with "unable to
/// create temporary file". Nothing was written, so the commit is simply tried again.
fn lost_object_folder_race(output: &std::process::Output) -> bool {
    String::from_utf8_lossy(&output.stderr).contains("unable to create temporary file")
}

/// What `git commit-tree` refusing means, in the words of the real cause.
fn commit_refusal(stderr: String, signing: bool) -> GitError {
    let identity = ["identity unknown", "empty ident", "auto-detect email"];
    if identity.iter().any(|words| stderr.contains(words)) {
        GitError::NoIdentity { git_says: stderr }
    } else if signing {
        GitError::SigningFailed { git_says: stderr }
    } else {
        GitError::CommitFailed { git_says: stderr }
    }
}

/// git's `whitespace` clean-up of a message: trailing spaces gone, runs of blank
/// lines made one, no blank lines at either end, one final newline.
fn clean_up_whitespace(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut blank_run = false;
    for line in message.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
            blank_run = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_a_hook_edited_is_cleaned_as_git_cleans_it() {
        let edited = "\n\nsubject  \n\n\n\nbody\t\n\nChange-Id: I1\n\n";
        assert_eq!(
            clean_up_whitespace(edited),
            "subject\n\nbody\n\nChange-Id: I1\n"
        );
    }

    #[test]
    fn commit_tree_refusals_name_their_cause() {
        let unknown = "Author identity unknown\n\n*** Please tell me who you are.".to_string();
        assert!(matches!(
            commit_refusal(unknown, true),
            GitError::NoIdentity { .. }
        ));
        let gpg = "error: gpg failed to sign the data\nfatal: failed to write commit object";
        assert!(matches!(
            commit_refusal(gpg.to_string(), true),
            GitError::SigningFailed { .. }
        ));
        assert!(matches!(
            commit_refusal("fatal: bad tree".to_string(), false),
            GitError::CommitFailed { .. }
        ));
    }
}
