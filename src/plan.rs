//! Plan, Action, and the executor: the one code path that changes a repository.
//!
//! Every mutating operation is plan → commit → materialise (DESIGN.md). A planner
//! returns a [`Plan`]; [`execute`] turns it into a commit built from `HEAD`'s tree,
//! moves the branch by compare-and-swap, then brings the touched paths of the work tree
//! and index up to date. A journal in the git dir, written before the branch moves and
//! removed after materialising, lets [`Guard::acquire`] finish an interrupted run; a
//! lock file held with an OS lock keeps two runs from interleaving and dies with its
//! process.

use anyhow::{Context, Result, anyhow};
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use crate::error;
use crate::fault;
use crate::layout;
use crate::repo::{EntryKind, Head, Oid, Repo, TreeEdit};

/// One change a plan makes to the tree, in repository paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move a file, keeping its blob (git sees a 100 % rename).
    Move {
        /// Where it is now.
        from: String,
        /// Where it goes.
        to: String,
    },
    /// Create or replace a file with these bytes.
    Write {
        /// Where.
        path: String,
        /// The whole content.
        bytes: Vec<u8>,
        /// Whether it is executable.
        executable: bool,
    },
    /// Put a blob that is already stored back at a path (what a revert does).
    Restore {
        /// Where.
        path: String,
        /// The blob.
        id: Oid,
        /// Whether it is executable.
        executable: bool,
    },
    /// Delete a file.
    Delete {
        /// Which.
        path: String,
    },
}

/// What one operation will do: its commit message and its actions.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The `Workflow-Operation` trailer value: `migrate`, `adopt`, `complete`, ….
    pub operation: String,
    /// The commit subject, `workflow: …`.
    pub subject: String,
    /// One line per item, for the body (cut to a count past [`MAX_BODY_LINES`]).
    pub body: Vec<String>,
    /// What the body says instead of the lines when there are too many.
    pub body_summary: String,
    /// Trailers after `Workflow-Operation`, in order.
    pub trailers: Vec<(String, String)>,
    /// The changes, applied in order.
    pub actions: Vec<Action>,
    /// Things the user should know that do not stop the plan.
    pub warnings: Vec<String>,
    /// A commit made first, on the base, that this plan's commit then builds on:
    /// the session folder recorded as it stands before it is archived, so that its
    /// uncommitted files are in history and a revert of the archival gives them back.
    /// Both commits land with one move of the branch.
    pub record: Option<Box<Plan>>,
    /// Work-tree folders that move whole: once the commit is in the work tree, what
    /// is left in `from` (ignored files, empty folders) moves into `to`, the index
    /// forgets everything under `from`, and `from` is gone.
    pub carry: Vec<(String, String)>,
    /// Bring only the index to the new commit and leave the work tree as it is: a
    /// record commits files that are already there, and undoing one un-tracks them.
    pub index_only: bool,
}

/// Past this many items a commit body gives a count instead of one line per item.
pub const MAX_BODY_LINES: usize = 50;

impl Plan {
    /// The full commit message: subject, body, trailers.
    pub fn message(&self) -> String {
        let mut msg = format!("{}\n\n", self.subject);
        if self.body.len() > MAX_BODY_LINES {
            msg.push_str(&self.body_summary);
            msg.push('\n');
        } else {
            for line in &self.body {
                msg.push_str(line);
                msg.push('\n');
            }
        }
        msg.push_str(&format!("\nWorkflow-Operation: {}\n", self.operation));
        for (key, value) in &self.trailers {
            msg.push_str(&format!("{key}: {value}\n"));
        }
        msg
    }
}

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

/// What the journal says happened to an operation interrupted before it finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The commit had landed; its paths were brought into the work tree and index now.
    Finished {
        /// The interrupted operation's commit.
        commit: Oid,
        /// How many paths were written or removed.
        paths: usize,
    },
    /// The branch never moved; the prepared commit was dropped and nothing changed.
    Abandoned {
        /// The commit that was never published.
        commit: Oid,
    },
    /// The branch has since moved elsewhere; the journal was dropped and the work
    /// tree left for the user to inspect.
    Superseded {
        /// The interrupted operation's commit.
        commit: Oid,
    },
}

/// Holds the repository lock for one command; dropping it releases the lock.
pub struct Guard {
    lock: fs::File,
    path: PathBuf,
    /// What an earlier, interrupted operation needed and got, if anything.
    pub recovered: Option<Recovery>,
}

impl Guard {
    /// Takes the lock (refusing with "repository busy" when another run holds it) and
    /// finishes or undoes an interrupted operation left in the journal.
    pub fn acquire(repo: &Repo) -> Result<Self> {
        let path = lock_path(repo);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))?;
        if file.try_lock().is_err() || !still_at(&file, &path) {
            return Err(error::refused(
                format!(
                    "repository busy: another git-workflow command holds {}",
                    path.display()
                ),
                "wait for it to finish, then run your command again",
            ));
        }
        let mut guard = Self {
            lock: file,
            path,
            recovered: None,
        };
        guard.recovered = recover(repo)?;
        Ok(guard)
    }
}

impl Guard {
    /// The lock for a run that may commit, or, for a dry run, no lock at all (unless
    /// an interrupted operation must be finished first); with what recovery did.
    pub fn for_run(repo: &Repo, dry_run: bool) -> Result<(Option<Self>, Option<Recovery>)> {
        if dry_run {
            return Ok((None, finish_interrupted(repo)?));
        }
        let guard = Self::acquire(repo)?;
        let recovered = guard.recovered.clone();
        Ok((Some(guard), recovered))
    }
}

/// For commands that only read (`status`, `--dry-run`): finishes an interrupted
/// operation if the journal names one, taking the lock only then, so that a read
/// leaves the git dir exactly as it found it.
pub fn finish_interrupted(repo: &Repo) -> Result<Option<Recovery>> {
    if !journal_path(repo).exists() {
        return Ok(None);
    }
    Ok(Guard::acquire(repo)?.recovered.clone())
}

impl Drop for Guard {
    /// Removes the lock file before the lock itself goes, so a clean run leaves no
    /// file behind; a run that dies leaves an unlocked file the next run reuses.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.lock.unlock();
    }
}

/// Whether the locked file is still the one at `path`: a run that opened the file
/// just before its holder removed it must not count its stale lock as the lock.
fn still_at(file: &fs::File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.ino() == named.ino() && held.dev() == named.dev(),
        _ => false,
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

/// Refuses when anything under `.workflow/` differs from `HEAD`: staged, unstaged or
/// untracked. An operation builds on `HEAD`, and would otherwise lose that work.
pub fn require_clean_workflow(repo: &Repo) -> Result<()> {
    require_clean(repo, &[layout::WORKFLOW_PATHSPEC])
}

/// Refuses when any of these paths (folders end in `/`) has a local change.
pub fn require_clean(repo: &Repo, paths: &[&str]) -> Result<()> {
    let changes = repo.local_changes(paths)?;
    if changes.is_empty() {
        return Ok(());
    }
    let mut listed: Vec<String> = changes
        .iter()
        .take(10)
        .map(|c| format!("  {} ({})", c.path, c.state))
        .collect();
    if changes.len() > 10 {
        listed.push(format!("  … and {} more", changes.len() - 10));
    }
    let spec = paths.join(" ");
    Err(error::refused(
        format!(
            "{} local change(s) that are not in HEAD would be overwritten:\n{}",
            changes.len(),
            listed.join("\n")
        ),
        format!(
            "commit them (`git add {spec} && git commit`) or set them aside (`git stash -u -- {spec}`), then run this again"
        ),
    ))
}

/// Carries out a plan: commit built from `base`'s tree plus the actions (on top of
/// the plan's record commit, when it has one), branch moved only if it still points
/// at `base`, then the touched paths materialised.
pub fn execute(repo: &Repo, base: &Base, plan: &Plan) -> Result<Oid> {
    fault::point("planned")?;
    if let Some(record) = &plan.record {
        refuse_to_overwrite_untracked(repo, base.commit, record)?;
    }
    refuse_to_overwrite_untracked(repo, base.commit, plan)?;
    refuse_to_carry_into_existing(repo, plan)?;
    let commit = repo.in_one_pack(base.commit, || {
        let parent = match &plan.record {
            Some(record) => commit_plan(repo, base.commit, record)?,
            None => base.commit,
        };
        commit_plan(repo, parent, plan)
    })?;
    fault::point("objects")?;
    let journal = Journal {
        refname: base.refname.clone(),
        old: base.commit,
        new: commit,
        record: match plan.record {
            Some(_) => Some(repo.commit(commit)?.parents[0]),
            None => None,
        },
        index_only: plan.index_only,
        carry: plan.carry.clone(),
    };
    journal.write(repo)?;
    if let Err(e) = fault::point("before-ref") {
        Journal::remove(repo)?;
        return Err(e.into());
    }
    let reflog = format!("git-workflow: {}", plan.subject);
    if !repo.compare_and_swap(&base.refname, base.commit, commit, &reflog)? {
        Journal::remove(repo)?;
        return Err(error::refused(
            format!(
                "{} moved while this operation was being planned; nothing was changed",
                base.branch()
            ),
            "run the command again: it will plan from the new commit",
        ));
    }
    finish(repo, &journal)
        .context("the commit was made but the work tree could not be updated; run `git workflow status` to finish")?;
    Journal::remove(repo)?;
    Ok(commit)
}

/// One plan's commit on `parent`.
fn commit_plan(repo: &Repo, parent: Oid, plan: &Plan) -> Result<Oid> {
    let edits = tree_edits(repo, parent, plan)?;
    let tree = repo.edit_tree(repo.tree_of(parent)?, &edits)?;
    repo.write_commit(tree, parent, &plan.message())
}

/// Everything after the branch moved: the record into the index, the commit into the
/// work tree and index, the leftovers of moved folders carried. Interrupted here, the
/// journal lets the next command do it again; returns how many paths it touched.
fn finish(repo: &Repo, journal: &Journal) -> Result<usize> {
    fault::point("after-ref")?;
    let mut paths = 0;
    let from = match journal.record {
        Some(record) => {
            paths += repo.stage(journal.old, record)?;
            record
        }
        None => journal.old,
    };
    let swept: Vec<&str> = journal
        .carry
        .iter()
        .map(|(from, _)| from.as_str())
        .collect();
    paths += if journal.index_only {
        repo.stage(from, journal.new)?
    } else {
        repo.materialise(from, journal.new, &swept, layout::WORKFLOW_DIR)?
    };
    for (from, to) in &journal.carry {
        let kept = repo.carry_leftovers(from, to)?;
        if !kept.is_empty() {
            return Err(error::refused(
                format!(
                    "{} could not be moved into {to}/, where something of the same name exists: {}",
                    if kept.len() == 1 {
                        "one path"
                    } else {
                        "some paths"
                    },
                    kept.join(", ")
                ),
                format!(
                    "compare them with what is in {to}/ and move or remove them by hand; nothing was deleted"
                ),
            ));
        }
    }
    fault::point("after-materialise")?;
    Ok(paths)
}

/// The tree edits a plan's actions stand for; a move reuses the source's blob.
fn tree_edits(repo: &Repo, parent: Oid, plan: &Plan) -> Result<Vec<TreeEdit>> {
    let snapshot = repo.snapshot(Some(parent))?;
    let mut edits = Vec::with_capacity(plan.actions.len() + 8);
    for action in &plan.actions {
        match action {
            Action::Move { from, to } => {
                let entry = snapshot
                    .stat(from)
                    .ok_or_else(|| anyhow!("{from} is not in the commit the plan starts from"))?;
                edits.push(TreeEdit::Upsert {
                    path: to.clone(),
                    id: entry.id,
                    executable: entry.kind == EntryKind::Executable,
                });
                edits.push(TreeEdit::Remove { path: from.clone() });
            }
            Action::Write {
                path,
                bytes,
                executable,
            } => edits.push(TreeEdit::Upsert {
                path: path.clone(),
                id: repo.write_blob(bytes)?,
                executable: *executable,
            }),
            Action::Restore {
                path,
                id,
                executable,
            } => edits.push(TreeEdit::Upsert {
                path: path.clone(),
                id: *id,
                executable: *executable,
            }),
            Action::Delete { path } => edits.push(TreeEdit::Remove { path: path.clone() }),
        }
    }
    Ok(edits)
}

/// A folder moves whole only into a place that is free: an existing `to` in the
/// work tree (an archive of the same id, a session folder recreated since) is never
/// written into.
fn refuse_to_carry_into_existing(repo: &Repo, plan: &Plan) -> Result<()> {
    for (from, to) in &plan.carry {
        if fs::symlink_metadata(repo.workdir().join(to)).is_ok() {
            return Err(error::refused(
                format!("{to}/ exists already; moving {from}/ there would mix two folders"),
                format!(
                    "compare {to}/ with {from}/, keep one (move or delete the other), then run this again"
                ),
            ));
        }
    }
    Ok(())
}

/// A file in the work tree at a path the plan creates, which `HEAD` does not track
/// (an ignored file), would be overwritten: refuse unless it already holds exactly the
/// blob the plan puts there.
fn refuse_to_overwrite_untracked(repo: &Repo, base: Oid, plan: &Plan) -> Result<()> {
    if plan.index_only {
        return Ok(());
    }
    let snapshot = repo.snapshot(Some(base))?;
    for action in &plan.actions {
        let (path, expected) = match action {
            Action::Write { path, bytes, .. } => (path, repo.blob_id(bytes)?),
            Action::Restore { path, id, .. } => (path, *id),
            Action::Move { from, to } => match snapshot.stat(from) {
                Some(entry) => (to, entry.id),
                None => continue,
            },
            Action::Delete { .. } => continue,
        };
        let Ok(meta) = fs::symlink_metadata(repo.workdir().join(path)) else {
            continue;
        };
        if snapshot.exists(path) {
            continue;
        }
        let same = meta.is_file() && repo.blob_id_of_file(path).ok() == Some(expected);
        if !same {
            return Err(error::refused(
                format!(
                    "{path} exists in the work tree but is not tracked; the operation would overwrite it"
                ),
                format!(
                    "move {path} out of the way (it may be ignored: `git check-ignore -v {path}`), then run this again"
                ),
            ));
        }
    }
    Ok(())
}

/// The record of an operation between its commit and the end of materialising.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Journal {
    refname: String,
    old: Oid,
    new: Oid,
    record: Option<Oid>,
    index_only: bool,
    carry: Vec<(String, String)>,
}

impl Journal {
    fn write(&self, repo: &Repo) -> Result<()> {
        let path = journal_path(repo);
        let tmp = path.with_extension("tmp");
        let mut text = format!("ref {}\nold {}\nnew {}\n", self.refname, self.old, self.new);
        if let Some(record) = self.record {
            text.push_str(&format!("record {record}\n"));
        }
        if self.index_only {
            text.push_str("index-only\n");
        }
        for (from, to) in &self.carry {
            text.push_str(&format!("carry {from}\t{to}\n"));
        }
        let mut file = fs::File::create(&tmp)
            .with_context(|| format!("writing the journal {}", tmp.display()))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, &path).with_context(|| format!("writing the journal {}", path.display()))
    }

    fn read(repo: &Repo) -> Result<Option<Self>> {
        let path = journal_path(repo);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(' ')))
        };
        let field = |key: &str| {
            value(key).ok_or_else(|| {
                anyhow!(
                    "the journal {} has no `{key}` line; remove it by hand",
                    path.display()
                )
            })
        };
        let carry = text
            .lines()
            .filter_map(|l| l.strip_prefix("carry "))
            .filter_map(|rest| rest.split_once('\t'))
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect();
        Ok(Some(Self {
            refname: field("ref")?.to_string(),
            old: Oid::from_str(field("old")?)?,
            new: Oid::from_str(field("new")?)?,
            record: value("record").map(Oid::from_str).transpose()?,
            index_only: text.lines().any(|l| l == "index-only"),
            carry,
        }))
    }

    fn remove(repo: &Repo) -> Result<()> {
        match fs::remove_file(journal_path(repo)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Finishes (commit landed) or drops (it did not) an operation left in the journal.
fn recover(repo: &Repo) -> Result<Option<Recovery>> {
    let Some(journal) = Journal::read(repo)? else {
        return Ok(None);
    };
    let now = repo.ref_target(&journal.refname)?;
    let recovery = if now == Some(journal.new) {
        let paths = finish(repo, &journal)?;
        Recovery::Finished {
            commit: journal.new,
            paths,
        }
    } else if now == Some(journal.old) {
        Recovery::Abandoned {
            commit: journal.new,
        }
    } else {
        Recovery::Superseded {
            commit: journal.new,
        }
    };
    Journal::remove(repo)?;
    Ok(Some(recovery))
}

fn lock_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("git-workflow.lock")
}

fn journal_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("git-workflow.journal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_puts_trailers_last_and_counts_long_bodies() {
        let mut plan = Plan {
            operation: "migrate".into(),
            subject: "workflow: migrate x".into(),
            body: vec!["a".into(), "b".into()],
            body_summary: "2 things".into(),
            trailers: vec![("Workflow-Migration".into(), "x".into())],
            ..Plan::default()
        };
        assert_eq!(
            plan.message(),
            "workflow: migrate x\n\na\nb\n\nWorkflow-Operation: migrate\nWorkflow-Migration: x\n"
        );
        plan.body = vec!["l".into(); MAX_BODY_LINES + 1];
        assert!(
            plan.message()
                .starts_with("workflow: migrate x\n\n2 things\n\nWorkflow-Operation")
        );
    }
}
