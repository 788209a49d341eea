//! git itself, run as a child process, for what must happen exactly as git does it
//! and libgit2 does not do: commit objects (identity, dates, signing), hooks,
//! filters, sparse-checkout patterns, promisor fetches.

use anyhow::{Context, Result};
use std::io::Write;
use std::process::{Command, Output, Stdio};

use super::{GitError, Repo};

impl Repo {
    /// `git` aimed at this repository whatever the caller's directory: the git dir
    /// and work tree given absolutely, run from the top of the work tree (where git
    /// runs hooks and resolves attributes).
    pub(super) fn git_command(&self) -> Command {
        let mut command = Command::new("git");
        command.env("GIT_DIR", self.git.path());
        if !self.git.is_bare() {
            command.env("GIT_WORK_TREE", &self.workdir);
        }
        if let Some(index) = std::env::var_os("GIT_INDEX_FILE") {
            command.env(
                "GIT_INDEX_FILE",
                std::path::absolute(index).unwrap_or_default(),
            );
        }
        command.current_dir(&self.workdir);
        command
    }

    /// Runs `git <args>` with `input` on stdin, its stdout and stderr captured.
    pub(super) fn run_git(&self, args: &[&str], input: &[u8]) -> Result<Output> {
        let mut command = self.git_command();
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        feed(command, input).with_context(|| format!("running git {}", args.join(" ")))
    }
}

/// Settings in the environment that git reads and libgit2 does not (`git -c`,
/// `GIT_CONFIG_COUNT`, other config files).
const CONFIG_FROM_ENV: [&str; 5] = [
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG",
];

/// The `includeIf` conditions libgit2 evaluates as git does.
const CONDITIONS_LIBGIT2_READS: [&str; 3] = ["gitdir:", "gitdir/i:", "onbranch:"];

impl Repo {
    /// Whether git may see settings libgit2 does not: given in the environment
    /// (`git -c key=value workflow …`), or in a file included on a condition libgit2
    /// does not evaluate (`hasconfig:remote.*.url:`, libgit2 issue 6641). Then a
    /// setting that decides what git would do is asked of git itself. Worked out
    /// once per process: the commit, its hooks and its pack each ask.
    pub(super) fn config_beyond_libgit2(&self) -> Result<bool> {
        if let Some(&known) = self.beyond_libgit2.get() {
            return Ok(known);
        }
        let beyond = self.config_read_beyond_libgit2()?;
        Ok(*self.beyond_libgit2.get_or_init(|| beyond))
    }

    /// `git config --get key` here; `None` when unset.
    pub(super) fn config_string_by_git(&self, key: &str) -> Result<Option<String>> {
        Ok(config_value(&self.run_git(&["config", "--get", key], b"")?))
    }

    /// `git config --type=bool --get key` here: `None` when unset, refused as git
    /// refuses a value that is not a boolean.
    pub(super) fn config_bool_by_git(&self, key: &str) -> Result<Option<bool>> {
        let output = self.run_git(&["config", "--type=bool", "--get", key], b"")?;
        match output.status.code() {
            Some(0) => Ok(Some(
                String::from_utf8_lossy(&output.stdout).trim() == "true",
            )),
            Some(1) => Ok(None),
            _ => Err(GitError::NotABoolean {
                key: key.to_string(),
                message: stderr_text(&output),
            }
            .into()),
        }
    }

    fn config_read_beyond_libgit2(&self) -> Result<bool> {
        if CONFIG_FROM_ENV
            .iter()
            .any(|var| std::env::var_os(var).is_some())
        {
            return Ok(true);
        }
        let config = self.config_snapshot()?;
        let mut entries = config.entries(Some("^includeif\\."))?;
        while let Some(entry) = entries.next() {
            let name = entry?.name().unwrap_or_default().to_string();
            let rest = name.strip_prefix("includeif.").unwrap_or(&name);
            let condition = rest.strip_suffix(".path").unwrap_or(rest);
            if !CONDITIONS_LIBGIT2_READS
                .iter()
                .any(|known| condition.starts_with(known))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// In a sparse checkout, lets git put the work tree back in line with the
    /// patterns after an operation (`git sparse-checkout reapply`): paths the
    /// operation wrote outside them leave the work tree and keep `skip-worktree`,
    /// as `git checkout` leaves them. Run once the index lock is released.
    pub fn reapply_sparse_checkout(&self) -> Result<()> {
        let sparse = self.config_bools(&["core.sparseCheckout".to_string()])?[0];
        if sparse != Some(true) {
            return Ok(());
        }
        let output = self.run_git(&["sparse-checkout", "reapply"], b"")?;
        if !output.status.success() {
            anyhow::bail!(
                "git sparse-checkout reapply failed after the operation (the commit is made): {}",
                stderr_text(&output)
            );
        }
        Ok(())
    }
}

/// Starts `command`, writes `input` to its stdin from a thread of its own (so a
/// child that writes before it has read everything cannot deadlock us), and waits.
pub(super) fn feed(mut command: Command, input: &[u8]) -> std::io::Result<Output> {
    let mut child = command.spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || stdin.write_all(input));
        let output = child.wait_with_output();
        match writer.join().expect("the stdin writer does not panic") {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
            _ => output,
        }
    })
}

/// git's stderr, as the user would read it, without its trailing newline.
pub(super) fn stderr_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_string()
}

/// The paths the next commit changes, as `git diff --cached` reads them from the
/// repository and index git finds from here: for the hook in a repository libgit2
/// cannot open (reftable, SHA-256) or whose index it cannot read.
pub fn staged_paths_by_git() -> Result<Vec<String>> {
    let output = Command::new("git")
        .args(["diff", "--cached", "--name-only", "-z", "--no-renames"])
        .stdin(Stdio::null())
        .output()
        .context("running git diff --cached")?;
    if !output.status.success() {
        anyhow::bail!("git diff --cached failed: {}", stderr_text(&output));
    }
    Ok(output
        .stdout
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect())
}

/// A git config value as git reads it from here; `None` when unset.
pub fn config_by_git(key: &str) -> Result<Option<String>> {
    let output = Command::new("git")
        .args(["config", "--get", key])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running git config --get {key}"))?;
    Ok(config_value(&output))
}

/// What `git config --get` printed: the value, or `None` when it found none.
fn config_value(output: &Output) -> Option<String> {
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_string()
    })
}
