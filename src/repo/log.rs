//! Commits read back: ranges, trailers, ancestry, and which commits touched which
//! paths.

use anyhow::Result;
use git2::DiffOptions;

use super::{GitError, Oid, Repo};

/// A commit made by this tool, as `log` reads it back.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Its hash.
    pub id: Oid,
    /// Its parents, first parent first.
    pub parents: Vec<Oid>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The first line of its message.
    pub subject: String,
    /// Its trailers, in order.
    pub trailers: Vec<(String, String)>,
}

impl Repo {
    /// The commits `range` names (`A..B`, or `B` alone for everything reachable from
    /// it that no ref reaches yet, as a pre-receive hook sees a new branch), oldest
    /// first, as ids, nothing else read. An all-zero `A` means the same as `B` alone.
    pub fn commit_ids_in_range(&self, range: &str) -> Result<Vec<Oid>> {
        Ok(self.range_walk(range)?.collect::<Result<_, _>>()?)
    }

    /// The walk over a range's commits, oldest first.
    fn range_walk(&self, range: &str) -> Result<git2::Revwalk<'_>> {
        let bad = |why: &str| GitError::BadRange {
            range: range.to_string(),
            why: why.to_string(),
        };
        let (from, to) = match range.split_once("..") {
            Some((from, to)) => (Some(from), to),
            None => (None, range),
        };
        let from = from.filter(|f| !f.is_empty() && !f.bytes().all(|b| b == b'0'));
        let mut walk = self.git.revwalk()?;
        if to.bytes().all(|b| b == b'0') {
            return Ok(walk);
        }
        let to = self
            .git
            .revparse_single(if to.is_empty() { "HEAD" } else { to })
            .map_err(|e| bad(e.message()))?;
        walk.push(to.peel_to_commit().map_err(|e| bad(e.message()))?.id())?;
        match from {
            Some(from) => {
                let from = self
                    .git
                    .revparse_single(from)
                    .map_err(|e| bad(e.message()))?;
                walk.hide(from.peel_to_commit().map_err(|e| bad(e.message()))?.id())?;
            }
            None => walk.hide_glob("refs/*")?,
        }
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        Ok(walk)
    }

    /// The commits reachable from `HEAD`, newest first, that carry `trailer_key`.
    pub fn commits_with_trailer(&self, trailer_key: &str) -> Result<Vec<CommitInfo>> {
        let mut walk = self.git.revwalk()?;
        if walk.push_head().is_err() {
            return Ok(Vec::new());
        }
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        let mut found = Vec::new();
        for id in walk {
            let commit = self.git.find_commit(id?)?;
            let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
            if !message.contains(trailer_key) {
                continue;
            }
            let trailers = trailers(&message);
            if trailers.iter().any(|(k, _)| k == trailer_key) {
                found.push(commit_info(&commit, message, trailers));
            }
        }
        Ok(found)
    }

    /// The commit a revision names (`1a2b3c4`, `HEAD~2`, a branch), refused clearly
    /// when it names none.
    pub fn resolve_commit(&self, rev: &str) -> Result<Oid> {
        self.git
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map(|commit| commit.id())
            .map_err(|_| {
                GitError::NotACommit {
                    rev: rev.to_string(),
                }
                .into()
            })
    }

    /// A commit's hash, parents, time, subject and trailers.
    pub fn commit(&self, id: Oid) -> Result<CommitInfo> {
        let commit = self.git.find_commit(id)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = trailers(&message);
        Ok(commit_info(&commit, message, trailers))
    }

    /// Whether `ancestor` is `descendant` or in its history.
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> Result<bool> {
        Ok(ancestor == descendant || self.git.graph_descendant_of(descendant, ancestor)?)
    }

    /// The commits after `since` up to `HEAD`, newest first, that changed any of
    /// `paths`, each with the paths among them it changed.
    pub fn commits_touching(
        &self,
        since: Oid,
        paths: &[String],
    ) -> Result<Vec<(CommitInfo, Vec<String>)>> {
        let mut walk = self.git.revwalk()?;
        walk.push_head()?;
        walk.hide(since)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        let mut found = Vec::new();
        for id in walk {
            let commit = self.git.find_commit(id?)?;
            let parent_tree = match commit.parent_ids().next() {
                Some(parent) => Some(self.git.find_commit(parent)?.tree()?),
                None => None,
            };
            let mut opts = DiffOptions::new();
            opts.disable_pathspec_match(true);
            for path in paths {
                opts.pathspec(path);
            }
            let diff = self.git.diff_tree_to_tree(
                parent_tree.as_ref(),
                Some(&commit.tree()?),
                Some(&mut opts),
            )?;
            let touched: Vec<String> = diff
                .deltas()
                .filter_map(|d| {
                    d.new_file()
                        .path()
                        .or(d.old_file().path())?
                        .to_str()
                        .map(str::to_string)
                })
                .collect();
            if !touched.is_empty() {
                found.push((self.commit(commit.id())?, touched));
            }
        }
        Ok(found)
    }
}

fn commit_info(
    commit: &git2::Commit<'_>,
    message: String,
    trailers: Vec<(String, String)>,
) -> CommitInfo {
    CommitInfo {
        id: commit.id(),
        parents: commit.parent_ids().collect(),
        time: commit.committer().when().seconds(),
        subject: message.lines().next().unwrap_or("").to_string(),
        trailers,
    }
}

/// Splits a commit message's trailer block into `(key, value)` pairs.
fn trailers(message: &str) -> Vec<(String, String)> {
    git2::message_trailers_strs(message)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_come_from_the_last_paragraph() {
        let t = trailers("subject\n\nbody\n\nWorkflow-Operation: migrate\nWorkflow-Migration: x\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0], ("Workflow-Operation".into(), "migrate".into()));
    }
}
