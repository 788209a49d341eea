//! The executor: the one code path that changes a repository. A plan becomes a
//! commit built from `HEAD`'s tree (on top of its record commit, when it has one),
//! its index written beside the held `index.lock`, the branch moved by
//! compare-and-swap, the
//! index published, then the touched paths are materialised.

use anyhow::{Context, Result};
use std::fs;

use super::journal::{Journal, finish};
use super::plan::{Action, Plan};
use super::preflight::Base;
use super::tree::Tree;
use super::verify::{self, Roots};
use crate::error;
use crate::fault;
use crate::layout;
use crate::repo::{self, EarlyIndex, IndexLock, KeptPack, Oid, Repo, TreeEdit};

/// Carries out a plan: every path it touches verified first (`verify.rs`: as git
/// verifies a path it checks out, under `.workflow/` or `roots`, no link on the
/// way), then the commit built from `base`'s tree plus the actions (on top of
/// the plan's record commit, when it has one), branch moved only if it still points
/// at `base`, then the touched paths materialised.
/// `progress(done, total)` hears how the work tree is coming along.
pub fn execute(
    repo: &Repo,
    base: &Base,
    plan: &Plan,
    roots: &Roots,
    progress: &dyn Fn(usize, usize),
) -> Result<Oid> {
    fault::point("planned")?;
    verify::refuse_unsafe_plan(repo, plan, roots)?;
    let head = repo.snapshot(Some(base.commit))?;
    if let Some(record) = &plan.record {
        refuse_to_overwrite_untracked(repo, &head, record)?;
    }
    refuse_work_tree_conflicts(repo, &head, plan)?;
    drop(head);
    for plan in plan.record.iter().map(|r| &**r).chain([plan]) {
        repo.fetch_missing(&restored_blobs(plan))?;
    }
    repo.refuse_if_ref_locked(&base.refname)?;
    let mut index_lock = repo.lock_index()?;
    let (trees, kept) = repo.trees_in_one_pack(|| {
        let mut trees = Vec::with_capacity(2);
        let mut parent_tree = repo.tree_of(base.commit)?;
        for plan in plan.record.iter().map(|r| &**r).chain([plan]) {
            parent_tree = match plan.tree {
                Some(known) => known,
                None => plan_tree(repo, parent_tree, plan)?,
            };
            trees.push(parent_tree);
        }
        Ok(trees)
    })?;
    let commit = match write_commits(repo, base.commit, plan, &trees) {
        Ok(commit) => commit,
        Err(e) => {
            kept.release()?;
            return Err(e);
        }
    };
    let early = carried(repo, plan, commit).and_then(|carry| {
        let early = match plan.record.is_none() && !plan.index_only {
            true => index_ahead(repo, (base.commit, commit), &carry, &mut index_lock)?,
            false => None,
        };
        Ok((carry, early))
    });
    let landed = early.and_then(|(carry, early)| {
        land(repo, base, plan, (commit, carry), &kept).map(|journal| (journal, early))
    });
    kept.release()?;
    let (journal, early) = landed?;
    finish(repo, &journal, &mut index_lock, early, progress)
        .context("the commit was made but the work tree could not be updated; run `git workflow status` to finish")?;
    Journal::remove(repo)?;
    drop(index_lock);
    repo.reapply_sparse_checkout()?;
    repo.run_post_commit()?;
    Ok(commit)
}

/// The new index, written beside the held lock before the branch moves and
/// published right after ([`Repo::index_ahead`]), so that a `git commit -a` running
/// beside the operation can hardly read the moved branch with the old index.
fn index_ahead(
    repo: &Repo,
    commits: (Oid, Oid),
    carry: &[(String, String)],
    lock: &mut IndexLock,
) -> Result<Option<EarlyIndex>> {
    let swept: Vec<&str> = carry.iter().map(|(from, _)| from.as_str()).collect();
    repo.index_ahead(commits, &swept, layout::WORKFLOW_DIR, lock)
}

/// The folders the plan moves whole that the new commit no longer holds: one it
/// still holds (a file committed into it since, which a rollback leaves there)
/// keeps its place, tracked files and all. A plan that changes only the index
/// moves nothing.
fn carried(repo: &Repo, plan: &Plan, commit: Oid) -> Result<Vec<(String, String)>> {
    if plan.index_only || plan.carry.is_empty() {
        return Ok(Vec::new());
    }
    let tree = repo.snapshot(Some(commit))?;
    Ok(plan
        .carry
        .iter()
        .filter(|(from, _)| !tree.exists(from))
        .cloned()
        .collect())
}

/// The record's commit (when the plan has one) and the plan's, on `base`, one per
/// tree, written by git.
fn write_commits(repo: &Repo, base: Oid, plan: &Plan, trees: &[Oid]) -> Result<Oid> {
    let mut parent = base;
    for (plan, &tree) in plan.record.iter().map(|r| &**r).chain([plan]).zip(trees) {
        parent = repo.write_commit(tree, parent, &plan.message())?;
    }
    Ok(parent)
}

/// From the objects to the branch: the journal written, then the compare-and-swap.
/// The pack stays kept until this returns, whatever it returns: once the branch
/// names the commit git keeps its objects, and if it never does nothing needs them.
fn land(
    repo: &Repo,
    base: &Base,
    plan: &Plan,
    (commit, carry): (Oid, Vec<(String, String)>),
    kept: &KeptPack,
) -> Result<Journal> {
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
        carry,
        keep: kept.path().map(|keep| keep.to_path_buf()),
    };
    journal.write(repo)?;
    if let Err(e) = fault::point("before-ref") {
        Journal::remove(repo)?;
        return Err(e.into());
    }
    let reflog = format!("git-workflow: {}", plan.subject);
    match repo.compare_and_swap(&base.refname, base.commit, commit, &reflog) {
        Ok(true) => Ok(journal),
        Ok(false) => {
            Journal::remove(repo)?;
            Err(error::refused(
                format!(
                    "{} moved while this operation was being planned; nothing was changed",
                    base.branch()
                ),
                "run the command again: it will plan from the new commit",
            ))
        }
        Err(e) => {
            Journal::remove(repo)?;
            Err(e)
        }
    }
}

/// One plan's tree: `parent_tree` with the plan's actions applied.
fn plan_tree(repo: &Repo, parent_tree: Oid, plan: &Plan) -> Result<Oid> {
    let edits = tree_edits(repo, plan)?;
    repo.edit_tree(parent_tree, &edits)
}

/// The tree edits a plan's actions stand for; a move reuses the source's blob.
fn tree_edits(repo: &Repo, plan: &Plan) -> Result<Vec<TreeEdit>> {
    let mut edits = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        match action {
            Action::Move { from, to } => edits.push(TreeEdit::Move {
                from: from.clone(),
                to: to.clone(),
            }),
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

/// The blobs a plan puts back from history: in a partial clone they may not be
/// here, and must be before the branch moves (the work tree needs their bytes).
fn restored_blobs(plan: &Plan) -> Vec<Oid> {
    plan.actions
        .iter()
        .filter_map(|action| match action {
            Action::Restore { id, .. } if !plan.index_only => Some(*id),
            _ => None,
        })
        .collect()
}

/// What the work tree holds that the plan's commit would overwrite or mix into, on
/// top of `base` (`HEAD`, or the tree an adopt commit would make): an untracked
/// file where it writes, a folder where one moves whole, and an untracked file in a
/// folder moving whole where the plan writes the same name. Refused before any
/// commit, changing nothing.
pub fn refuse_work_tree_conflicts(repo: &Repo, base: &dyn Tree, plan: &Plan) -> Result<()> {
    refuse_to_overwrite_untracked(repo, base, plan)?;
    refuse_to_carry_into_existing(repo, plan)?;
    refuse_carry_collisions(repo, base, plan)
}

/// A file left in a folder that moves whole (ignored, or never committed) whose
/// name the plan writes in the folder's new place: carried after the commit, it
/// would find its place taken, and the operation would stop half-way.
fn refuse_carry_collisions(repo: &Repo, base: &dyn Tree, plan: &Plan) -> Result<()> {
    if plan.index_only {
        return Ok(());
    }
    for (from, to) in &plan.carry {
        let inside = format!("{to}/");
        for action in &plan.actions {
            let (Action::Write { path, .. } | Action::Restore { path, .. }) = action else {
                continue;
            };
            let Some(rest) = path.strip_prefix(&inside) else {
                continue;
            };
            let left = format!("{from}/{rest}");
            let on_disk = fs::symlink_metadata(repo.workdir().join(&left)).is_ok();
            if on_disk && !base.exists(&left) && !recorded(plan, &left) {
                return Err(error::refused(
                    format!(
                        "{left} is not committed (ignored or untracked), and the operation writes {path}, where it would go when {from}/ moves to {to}/; nothing was changed"
                    ),
                    format!(
                        "commit it (`git add -f {left}`) or move it out of {from}/, then run this again"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether the plan's record commit takes `path` as the work tree holds it.
fn recorded(plan: &Plan, path: &str) -> bool {
    plan.record.as_ref().is_some_and(|record| {
        record
            .actions
            .iter()
            .any(|a| matches!(a, Action::Write { path: p, .. } if p == path))
    })
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
fn refuse_to_overwrite_untracked(repo: &Repo, snapshot: &dyn Tree, plan: &Plan) -> Result<()> {
    if plan.index_only {
        return Ok(());
    }
    for action in &plan.actions {
        let path = match action {
            Action::Write { path, .. } | Action::Restore { path, .. } => path,
            Action::Move { to, .. } => to,
            Action::Delete { .. } => continue,
        };
        let Ok(meta) = fs::symlink_metadata(repo.workdir().join(path)) else {
            continue;
        };
        if snapshot.exists(path) {
            continue;
        }
        let Some(expected) = blob_put_there(action, snapshot) else {
            continue;
        };
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

/// The blob an action leaves at its path, asked only for an untracked file in the
/// way: hashing every written file up front cost a completion a hash of the whole
/// manifest and `project.json` for paths `HEAD` tracks anyway. `None` for a move of a
/// file `HEAD` does not have.
fn blob_put_there(action: &Action, snapshot: &dyn Tree) -> Option<Oid> {
    match action {
        Action::Write { bytes, .. } => Some(repo::hash_blob(bytes)),
        Action::Restore { id, .. } => Some(*id),
        Action::Move { from, .. } => snapshot.stat(from).map(|entry| entry.id),
        Action::Delete { .. } => None,
    }
}
