//! Rollback's planner (SPEC §5): which operation to undo, and its revert computed in
//! memory, as a plan the one executor carries out like any other.

use anyhow::Result;
use std::collections::{BTreeSet, HashMap};
use std::fs;

use crate::engine::history::{self, Kind, Operation};
use crate::engine::verify::{self, Roots};
use crate::engine::{Action, Clean, Plan};
use crate::error;
use crate::layout;
use crate::repo::{ChangedFile, EntryKind, Oid, Repo};

/// The operation `rollback` undoes: the one `rev` names, or the newest that is not a
/// rollback and is not rolled back yet. Refused when `rev` names no commit, a commit
/// outside `HEAD`'s history, a commit this tool did not make, or one already undone.
pub fn choose<'h>(
    repo: &Repo,
    head: Oid,
    ops: &'h [Operation],
    rev: Option<&str>,
) -> Result<&'h Operation> {
    let Some(rev) = rev else {
        return ops
            .iter()
            .find(|op| !op.is_rollback() && op.rolled_back_by.is_none())
            .ok_or_else(|| {
                error::refused(
                    "nothing to roll back: no operation commit in the history of HEAD is still in effect",
                    "`git workflow log` lists the operations and what undid them",
                )
            });
    };
    let id = repo.resolve_commit(rev)?;
    let short = repo.short_id(id);
    if !repo.is_ancestor(id, head)? {
        return Err(error::refused(
            format!(
                "{short} is not in the history of HEAD; only what this branch holds can be rolled back here"
            ),
            "switch to the branch that holds it, or pick an operation from `git workflow log`",
        ));
    }
    let op = ops.iter().find(|op| op.id == id).ok_or_else(|| {
        error::refused(
            format!("{short} is not an operation commit of git-workflow (it has no {} trailer)", history::OPERATION),
            format!("revert ordinary commits with `git revert {short}`; `git workflow log` lists the operations"),
        )
    })?;
    if let Some(by) = op.rolled_back_by {
        let by = repo.short_id(by);
        return Err(error::refused(
            format!("{short} was already rolled back by {by}"),
            format!("to apply it again, roll back the rollback: `git workflow rollback {by}`"),
        ));
    }
    if op.parents != 1 {
        return Err(error::refused(
            format!(
                "{short} has {} parents; an operation commit has exactly one",
                op.parents
            ),
            "revert it with git, choosing the mainline: `git revert -m 1 <commit>`",
        ));
    }
    Ok(op)
}

/// Which work-tree folder an operation moved whole, as `(from, to)`: a dialect's
/// answer for its own operations (CCW's completion moves its session folder into the
/// archive), which undoing the operation moves back.
/// Trailers are data from whoever wrote the commit: the answer is an error when
/// they do not name a session and a folder under `.workflow/` (SPEC §7).
pub type MovedWhole<'a> = &'a dyn Fn(&Operation) -> Result<Option<(String, String)>>;

/// The revert of `target` on top of `head`, or a refusal naming every path a later
/// commit changed since `target`, and those commits. `ops` is the history, for what
/// undoing `target` does beyond the revert (see [`work_tree_effects`]). Undoing
/// `head` itself gives back its parent's tree, which the plan names so that it is
/// committed as it is.
pub fn plan(
    repo: &Repo,
    head: Oid,
    target: &Operation,
    ops: &[Operation],
    moved: MovedWhole<'_>,
    roots: &Roots,
) -> Result<Plan> {
    let info = repo.commit(target.id)?;
    let Some(&parent) = info.parents.first() else {
        return Err(no_parent_here(repo, target));
    };
    let (before, after) = repo.changed_files(parent, target.id)?;
    refuse_foreign_paths(repo, target, &before, &after, roots)?;
    refuse_if_changed_since(repo, head, target, &before, &after)?;
    let mut plan = revert(target, &before, &after, ops, moved)?;
    let moved_tree = repo.snapshot(Some(target.id))?;
    let whole = match plan.index_only {
        true => Vec::new(),
        false => folders_moved_whole(&before, &after),
    };
    for (from, to) in whole {
        let undo = (to, from);
        let gone = !moved_tree.exists(&undo.1);
        let free = fs::symlink_metadata(repo.workdir().join(&undo.1)).is_err();
        if gone && free && !plan.carry.contains(&undo) {
            plan.carry.push(undo);
        }
    }
    if target.id == head {
        plan.tree = Some(repo.tree_of(parent)?);
    }
    Ok(plan)
}

/// The revert of `target`, which changed the files `before` into `after` (a
/// modification is in both): every `before` file restored, every other `after` file
/// deleted, with what undoing `target` does to the work tree beyond that.
pub fn revert(
    target: &Operation,
    before: &[ChangedFile],
    after: &[ChangedFile],
    ops: &[Operation],
    moved: MovedWhole<'_>,
) -> Result<Plan> {
    let restored: BTreeSet<&str> = before.iter().map(|f| f.path.as_str()).collect();
    let mut actions: Vec<Action> = before
        .iter()
        .map(|f| Action::Restore {
            path: f.path.clone(),
            id: f.id,
            executable: f.executable,
        })
        .collect();
    actions.extend(
        after
            .iter()
            .filter(|f| !restored.contains(f.path.as_str()))
            .map(|f| Action::Delete {
                path: f.path.clone(),
            }),
    );
    let (index_only, carry) = work_tree_effects(ops, target, moved)?;
    Ok(Plan {
        operation: Kind::Rollback,
        index_only,
        carry,
        subject: format!("Revert \"{}\"", target.subject),
        body: vec![format!("This reverts commit {}.", target.id)],
        trailers: vec![(history::REVERTS.into(), target.id.to_string())],
        clean: clean_paths(&actions),
        actions,
        ..Plan::default()
    })
}

/// Refuses to undo a commit that changed anything an operation may not touch (a
/// path under `.git/`, one that leaves the work tree, one outside `.workflow/` and
/// the graph paths): the trailers that make it look like an operation are only
/// text, and `git revert` would refuse such a path too. Names the first one.
fn refuse_foreign_paths(
    repo: &Repo,
    target: &Operation,
    before: &[ChangedFile],
    after: &[ChangedFile],
    roots: &Roots,
) -> Result<()> {
    for file in before.iter().chain(after) {
        if let Err(why) = verify::allowed(&file.path, roots) {
            let short = repo.short_id(target.id);
            return Err(error::refused(
                format!(
                    "cannot roll back {short}: it changed {}, and {why}; git-workflow never writes there, and nothing was changed",
                    layout::quote(&file.path)
                ),
                format!(
                    "a graph migration of files outside `git config workflow.graphs` is rolled back once they are in it (`git config workflow.graphs '<glob>'`); otherwise this is no commit git-workflow made (its trailers can be written by anyone): inspect it with `git show --stat {short}`"
                ),
            ));
        }
    }
    Ok(())
}

/// `.workflow/` and every other path the rollback writes must have no local change.
fn clean_paths(actions: &[Action]) -> Clean {
    let mut paths = vec![layout::WORKFLOW_PATHSPEC.to_string()];
    for action in actions {
        if let Action::Restore { path, .. } | Action::Delete { path } = action
            && !layout::is_under_workflow(path)
        {
            paths.push(path.clone());
        }
    }
    Clean::paths(paths)
}

/// The folders a change from `before` to `after` moved whole, as `(from, to)`:
/// files whose blob left `from/…` and arrived at `to/…` under the same relative
/// path, the pair named at the top of the longest path they share. A pair inside
/// another (two sessions' identical task files) is no move of its own. Undoing the
/// change moves what git does not hold (empty folders, ignored files) back with
/// the files, as `git mv` of the folder moved it; the caller keeps only pairs whose
/// `from` left the tree and is free in the work tree.
fn folders_moved_whole(before: &[ChangedFile], after: &[ChangedFile]) -> Vec<(String, String)> {
    let mut by_id: HashMap<Oid, Vec<&str>> = HashMap::new();
    for file in before {
        by_id.entry(file.id).or_default().push(&file.path);
    }
    let mut pairs = BTreeSet::new();
    for file in after {
        for old in by_id.get(&file.id).into_iter().flatten() {
            if let Some(pair) = moved_folder(old, &file.path) {
                pairs.insert(pair);
            }
        }
    }
    let inside_another = |from: &str| {
        pairs
            .iter()
            .any(|(outer, _)| from.len() > outer.len() && from.starts_with(&format!("{outer}/")))
    };
    pairs
        .iter()
        .filter(|(from, _)| !inside_another(from))
        .cloned()
        .collect()
}

/// The folders `old` and `new` lie in under the same relative path, named at the
/// top of the longest tail of components they share; `None` when they share only
/// the file name, or nothing moved.
fn moved_folder(old: &str, new: &str) -> Option<(String, String)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.split('/').collect(), new.split('/').collect());
    let shared = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    if shared < 2 || shared >= a.len() || shared >= b.len() {
        return None;
    }
    let from = a[..a.len() - shared + 1].join("/");
    let to = b[..b.len() - shared + 1].join("/");
    (from != to).then_some((from, to))
}

/// What undoing `target` does to the work tree beyond the revert, decided by the
/// operation at the root of its chain of rollbacks and whether this undoes or
/// re-applies it: a record only ever changes the index (undone, its files are
/// untracked again, still there); an operation that moved a folder whole (`moved`)
/// moves its uncommitted leftovers (ignored files, empty folders) back, or forward
/// again.
fn work_tree_effects(
    ops: &[Operation],
    target: &Operation,
    moved: MovedWhole<'_>,
) -> Result<(bool, Vec<(String, String)>)> {
    let mut root = target;
    let mut undoes = true;
    while root.is_rollback() {
        let Some(inner) = root.reverts.and_then(|id| ops.iter().find(|o| o.id == id)) else {
            break;
        };
        root = inner;
        undoes = !undoes;
    }
    let carry = moved(root)?
        .map(|(from, to)| if undoes { (to, from) } else { (from, to) })
        .into_iter()
        .collect();
    Ok((root.operation == Kind::Record, carry))
}

/// The refusal for an operation whose parent this repository does not hold: the
/// boundary of a shallow clone (git's `rev-list` stops there too).
fn no_parent_here(repo: &Repo, target: &Operation) -> anyhow::Error {
    let short = repo.short_id(target.id);
    if repo.is_shallow() {
        return error::refused(
            format!(
                "{short} is where this shallow clone's history stops: its parent was not fetched, so what it changed cannot be computed"
            ),
            "fetch its parent (`git fetch --deepen=1`, or `git fetch --unshallow`), then run this again",
        );
    }
    error::refused(
        format!("{short} has no parent; an operation commit has exactly one"),
        format!(
            "revert it with git (`git revert {short}`), or pick an operation from `git workflow log`"
        ),
    )
}

/// Every path the operation touched must still be as the operation left it: so it
/// is when the operation is `HEAD` itself, and nothing needs to be looked up.
fn refuse_if_changed_since(
    repo: &Repo,
    head: Oid,
    target: &Operation,
    before: &[ChangedFile],
    after: &[ChangedFile],
) -> Result<()> {
    if head == target.id {
        return Ok(());
    }
    let now = repo.snapshot(Some(head))?;
    let paths: BTreeSet<&str> = before
        .iter()
        .chain(after)
        .map(|f| f.path.as_str())
        .collect();
    let left_by_operation: HashMap<&str, (Oid, bool)> = after
        .iter()
        .map(|f| (f.path.as_str(), (f.id, f.executable)))
        .collect();
    let changed: Vec<String> = paths
        .into_iter()
        .filter(|path| {
            let left = left_by_operation.get(path).copied();
            let current = now
                .stat(path)
                .filter(|e| matches!(e.kind, EntryKind::File | EntryKind::Executable))
                .map(|e| (e.id, e.kind == EntryKind::Executable));
            left != current
        })
        .map(str::to_string)
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let mut lines: Vec<String> = changed.iter().take(20).map(|p| format!("  {p}")).collect();
    if changed.len() > 20 {
        lines.push(format!("  … and {} more", changed.len() - 20));
    }
    lines.push("changed by:".into());
    for (commit, touched) in repo.commits_touching(target.id, &changed)? {
        lines.push(format!(
            "  {} {} ({} of those paths)",
            repo.short_id(commit.id),
            commit.subject,
            touched.len()
        ));
    }
    Err(error::refused(
        format!(
            "cannot roll back {}: {} path(s) it touched changed after it:\n{}",
            repo.short_id(target.id),
            changed.len(),
            lines.join("\n")
        ),
        "revert those later commits first (newest first), or undo the operation by hand with `git revert`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MemTree;

    fn operation(kind: Kind) -> Operation {
        Operation {
            id: crate::repo::hash_blob(kind.name().as_bytes()),
            parents: 1,
            time: 0,
            subject: format!("workflow: {kind}"),
            operation: kind,
            trailers: vec![],
            reverts: None,
            rolled_back_by: None,
        }
    }

    #[test]
    fn the_revert_restores_what_was_there_and_deletes_what_was_added() {
        let before = MemTree::new()
            .with(".workflow/a.yml", "a")
            .with("src/x", "x");
        let after = MemTree::new()
            .with(".workflow/b/a.yml", "a")
            .with("src/x", "x2");
        let (removed, added) = before.changed_files(&after);
        let op = operation(Kind::Migrate);
        let plan = revert(&op, &removed, &added, std::slice::from_ref(&op), &|_| {
            Ok(None)
        })
        .unwrap();
        assert_eq!(plan.subject, "Revert \"workflow: migrate\"");
        assert_eq!(plan.clean.paths, [".workflow/", "src/x"]);
        assert_eq!(after.apply(&plan, &before.blobs()).unwrap(), before);
    }

    #[test]
    fn undoing_a_record_only_touches_the_index() {
        let op = operation(Kind::Record);
        let plan = revert(&op, &[], &[], std::slice::from_ref(&op), &|_| Ok(None)).unwrap();
        assert!(plan.index_only);
        assert!(plan.carry.is_empty());
    }

    fn file(path: &str, bytes: &str) -> ChangedFile {
        ChangedFile {
            path: path.into(),
            id: crate::repo::hash_blob(bytes.as_bytes()),
            executable: false,
        }
    }

    #[test]
    fn folders_moved_whole_are_named_at_their_top_and_not_by_shared_blobs() {
        let before = [
            file(".workflow/WFS-a/.task/IMPL-1.json", "{}"),
            file(".workflow/WFS-a/plan.md", "a"),
            file(".workflow/WFS-b/.task/IMPL-1.json", "{}"),
            file(".workflow/manifest.json", "m"),
        ];
        let after = [
            file(".workflow/active/WFS-a/.task/IMPL-1.json", "{}"),
            file(".workflow/active/WFS-a/plan.md", "a"),
            file(".workflow/active/WFS-b/.task/IMPL-1.json", "{}"),
            file(".workflow/archives/manifest.json", "m"),
        ];
        assert_eq!(
            folders_moved_whole(&before, &after),
            vec![
                (
                    ".workflow/WFS-a".to_string(),
                    ".workflow/active/WFS-a".to_string()
                ),
                (
                    ".workflow/WFS-b".to_string(),
                    ".workflow/active/WFS-b".to_string()
                ),
            ],
            "a lone file is no folder, and WFS-a's task is not WFS-b's"
        );
        assert_eq!(moved_folder("a/x.json", "b/y.json"), None);
        assert_eq!(moved_folder("a/x.json", "a/x.json"), None);
    }
}
