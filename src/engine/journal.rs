//! The journal: the record in the git dir of an operation between its commit and
//! the end of materialising, and the finishing it records, which the executor runs
//! once and the next command runs again when a run was interrupted.

use anyhow::{Context, Result, anyhow};
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use crate::error;
use crate::fault;
use crate::layout;
use crate::repo::{self, EarlyIndex, IndexLock, Oid, Repo};

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

/// The record of an operation between its commit and the end of materialising.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Journal {
    pub(super) refname: String,
    pub(super) old: Oid,
    pub(super) new: Oid,
    pub(super) record: Option<Oid>,
    pub(super) index_only: bool,
    pub(super) carry: Vec<(String, String)>,
    /// The `.keep` of the operation's pack, released by recovery after a crash.
    pub(super) keep: Option<PathBuf>,
}

impl Journal {
    pub(super) fn write(&self, repo: &Repo) -> Result<()> {
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
        if let Some(keep) = &self.keep {
            text.push_str(&format!("keep {}\n", keep.display()));
        }
        let mut file = fs::File::create(&tmp)
            .with_context(|| format!("writing the journal {}", tmp.display()))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        repo.share(&tmp)?;
        fs::rename(&tmp, &path).with_context(|| format!("writing the journal {}", path.display()))
    }

    pub(super) fn read(repo: &Repo) -> Result<Option<Self>> {
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
            keep: value("keep").map(PathBuf::from),
        }))
    }

    pub(super) fn remove(repo: &Repo) -> Result<()> {
        match fs::remove_file(journal_path(repo)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Everything after the branch moved: the index written ahead published, the record
/// into the index, the commit into the work tree and index, the leftovers of moved
/// folders carried (none for a plan that changes only the index). Interrupted here, the
/// journal lets the next command do it again; returns how many paths it touched.
/// `lock` is `index.lock`, held from before the commit point until the index is
/// written, as `git commit` holds it.
/// `early` is the index as it was when the executor published the new one ahead
/// of the work tree ([`Repo::index_ahead`]); recovery has none and reads the index
/// as it finds it.
pub(super) fn finish(
    repo: &Repo,
    journal: &Journal,
    lock: &mut IndexLock,
    early: Option<EarlyIndex>,
    progress: &dyn Fn(usize, usize),
) -> Result<usize> {
    lock.publish()?;
    fault::point("after-ref")?;
    let mut paths = 0;
    let from = match journal.record {
        Some(record) => {
            paths += repo.stage(journal.old, record, layout::WORKFLOW_DIR, lock)?;
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
        repo.stage(from, journal.new, layout::WORKFLOW_DIR, lock)?
    } else {
        repo.materialise(
            (from, journal.new),
            &swept,
            layout::WORKFLOW_DIR,
            early,
            (lock, progress),
        )?
    };
    let carry = match journal.index_only {
        true => &[][..],
        false => &journal.carry[..],
    };
    for (from, to) in carry {
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

/// Finishes (commit landed) or drops (it did not) an operation left in the journal.
pub(super) fn recover(repo: &Repo) -> Result<Option<Recovery>> {
    repo.release_stale_keeps()?;
    let Some(journal) = Journal::read(repo)? else {
        return Ok(None);
    };
    if let Some(keep) = &journal.keep {
        repo::release_keep(keep)?;
    }
    let now = repo.ref_target(&journal.refname)?;
    let recovery = if now == Some(journal.new) {
        let paths = finish(repo, &journal, &mut repo.lock_index()?, None, &|_, _| {})?;
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

pub(super) fn journal_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("git-workflow.journal")
}
