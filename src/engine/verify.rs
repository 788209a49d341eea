//! Paths from a repository are untrusted (SPEC §7): the one check every path an
//! operation writes, moves or deletes passes before anything changes, in the
//! executor so that no command can forget it, and the same check for the few
//! commands that write the work tree without a commit.

use anyhow::Result;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use super::plan::{Action, Plan};
use crate::error;
use crate::layout::{self, Globs};
use crate::repo::{EntryKind, Head, Repo};

/// The paths outside `.workflow/` an operation may touch: the task-graph globs of
/// `workflow.graphs`, and the graph files the user named on the command line.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    graphs: Globs,
    named: BTreeSet<String>,
}

impl Roots {
    /// The graph globs of the repository's settings.
    pub fn new(graphs: Globs) -> Self {
        Self {
            graphs,
            named: BTreeSet::new(),
        }
    }

    /// Adds files named on the command line (`graph migrate FILE…`): the user
    /// chose them, history did not.
    pub fn name(&mut self, paths: &[String]) {
        self.named.extend(paths.iter().cloned());
    }

    fn holds(&self, path: &str) -> bool {
        path.starts_with(layout::WORKFLOW_PATHSPEC)
            || self.graphs.matches(path)
            || self.named.contains(path)
    }
}

/// Whether an operation may touch `path` at all: git would check it out
/// (`layout::verify_path`), and it lies under `.workflow/`, matches a task-graph
/// glob of `workflow.graphs` or was named on the command line. Returns what is
/// wrong, for the caller's message.
pub fn allowed(path: &str, roots: &Roots) -> Result<(), String> {
    layout::verify_path(path)?;
    if roots.holds(path) {
        Ok(())
    } else {
        Err("it is neither under .workflow/ nor a task-graph path of `workflow.graphs`".into())
    }
}

/// Every path a plan (and its record) touches, each with whether the path itself
/// must be no link either: a folder carried whole is emptied and filled as it
/// stands, so a link there would be followed; a file is replaced, link or not.
fn touched(plan: &Plan) -> impl Iterator<Item = (&str, bool)> {
    plan.record
        .iter()
        .map(|r| &**r)
        .chain([plan])
        .flat_map(|plan| {
            let actions = plan.actions.iter().flat_map(|action| match action {
                Action::Move { from, to } => vec![(from.as_str(), false), (to.as_str(), false)],
                Action::Write { path, .. }
                | Action::Restore { path, .. }
                | Action::Delete { path } => vec![(path.as_str(), false)],
            });
            let carried = plan
                .carry
                .iter()
                .flat_map(|(from, to)| [(from.as_str(), true), (to.as_str(), true)]);
            actions.chain(carried)
        })
}

/// Refuses a plan that would touch a path [`allowed`] refuses, or one whose leading
/// folders include a symbolic link in the work tree (git's
/// `has_symlink_leading_path`: it never writes beyond a link). Nothing has changed
/// when this refuses.
pub fn refuse_unsafe_plan(repo: &Repo, plan: &Plan, roots: &Roots) -> Result<()> {
    let mut seen = HashSet::new();
    for (path, whole) in touched(plan) {
        if let Err(why) = allowed(path, roots) {
            return Err(unsafe_path(path, &why));
        }
        refuse_links_before(repo.workdir(), path, &mut seen)?;
        if whole {
            refuse_if_link(repo.workdir(), path)?;
        }
    }
    Ok(())
}

/// The refusal for a path no operation may touch.
fn unsafe_path(path: &str, why: &str) -> anyhow::Error {
    error::refused(
        format!(
            "refusing to write {}: {why}; nothing was changed",
            layout::quote(path)
        ),
        "git-workflow only writes under .workflow/ and the task-graph paths; if this path came from a commit you did not write, inspect it (`git log --stat`) before running anything in this repository",
    )
}

/// Refuses when a folder on the way to `path` (not `path` itself) is a symbolic
/// link in the work tree. `seen` holds folders already found to be real ones, so a
/// plan of many files in one folder asks the file system once per folder.
fn refuse_links_before(workdir: &Path, path: &str, seen: &mut HashSet<String>) -> Result<()> {
    let mut end = 0;
    while let Some(slash) = path[end..].find('/') {
        end += slash;
        let folder = &path[..end];
        if !seen.contains(folder) {
            refuse_if_link(workdir, folder)?;
            seen.insert(folder.to_string());
        }
        end += 1;
    }
    Ok(())
}

/// Refuses when `path` or a folder on the way to it is a symbolic link in the work
/// tree: for the commands that write a file in place (`task log` appends to one), a
/// link at the file itself would be written through as well.
pub fn refuse_links_to(workdir: &Path, path: &str) -> Result<()> {
    refuse_links_before(workdir, path, &mut HashSet::new())?;
    refuse_if_link(workdir, path)
}

/// One step of the walk: the refusal when `path` is a link in the work tree.
fn refuse_if_link(workdir: &Path, path: &str) -> Result<()> {
    let is_link = std::fs::symlink_metadata(workdir.join(path))
        .map(|meta| meta.file_type().is_symlink())
        .unwrap_or(false);
    if is_link {
        return Err(error::refused(
            format!(
                "{} is a symbolic link; git-workflow never writes through one, and nothing was changed",
                layout::quote(path)
            ),
            format!(
                "replace the link with a real folder or file (`git rm {}`, then recreate it), or, if the repository is not yours, do not run git-workflow in it",
                layout::quote(path)
            ),
        ));
    }
    Ok(())
}

/// Refuses to work in a repository whose `.workflow` is not a real folder: a
/// symbolic link or a submodule in `HEAD`, or a link in the work tree. Every command
/// that reads or writes `.workflow/` asks this first (SPEC §7).
pub fn refuse_linked_workflow(repo: &Repo) -> Result<()> {
    let head = match repo.head()? {
        Head::Branch { commit, .. } | Head::Detached { commit } => Some(commit),
        Head::Unborn { .. } => None,
    };
    let committed = match head {
        Some(head) => repo
            .snapshot(Some(head))?
            .stat(layout::WORKFLOW_DIR)
            .map(|entry| entry.kind),
        None => None,
    };
    let what = match committed {
        Some(EntryKind::Link) => Some("committed as a symbolic link"),
        Some(EntryKind::Submodule) => Some("committed as a submodule (gitlink)"),
        _ => None,
    };
    if let Some(what) = what {
        return Err(error::refused(
            format!(
                "{} is {what}, not a folder; git-workflow never reads or writes through one",
                layout::WORKFLOW_DIR
            ),
            format!(
                "make it a real folder (`git rm --cached {0}`, then `mkdir {0}`), or, if the repository is not yours, do not run git-workflow in it",
                layout::WORKFLOW_DIR
            ),
        ));
    }
    refuse_if_link(repo.workdir(), layout::WORKFLOW_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_under_workflow_or_a_graph_glob_are_allowed() {
        let mut graphs = Roots::new(Globs::new(&["graphs/*.yaml".to_string()]).unwrap());
        graphs.name(&["named/g.yaml".to_string()]);
        assert!(allowed(".workflow/a.json", &graphs).is_ok());
        assert!(allowed("graphs/a.yaml", &graphs).is_ok());
        assert!(allowed("named/g.yaml", &graphs).is_ok());
        for bad in [
            ".workflow",
            "src/main.rs",
            ".git/hooks/post-commit",
            ".workflow/../../x",
            ".workflow/.git/config",
            "graphs/../.git/config",
            "named/other.yaml",
        ] {
            assert!(allowed(bad, &graphs).is_err(), "{bad:?} allowed");
        }
    }

    #[test]
    fn a_link_on_the_way_is_refused_and_a_link_at_the_end_only_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".workflow/real")).unwrap();
        std::os::unix::fs::symlink("/tmp", root.join(".workflow/link")).unwrap();
        let mut seen = HashSet::new();
        assert!(refuse_links_before(root, ".workflow/real/a", &mut seen).is_ok());
        assert!(refuse_links_before(root, ".workflow/link/a", &mut seen).is_err());
        assert!(refuse_links_before(root, ".workflow/link", &mut seen).is_ok());
        assert!(refuse_links_to(root, ".workflow/link").is_err());
        assert!(refuse_links_to(root, ".workflow/real/new.yml").is_ok());
    }
}
