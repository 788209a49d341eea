//! Proves a folder clean the way git's own status proves a file unchanged without
//! reading it: the index records each file's stat data when it was staged, and a
//! file whose `lstat` still matches exactly, and was not written in the index's own
//! last instant ("racily clean"), holds the staged bytes. One directory read per
//! folder finds any file the index does not know. Whatever this cannot prove (a
//! stat that differs, an untracked file that is not ignored, a conflict, a nested
//! repository, an index it does not read) is left to the full status, never guessed:
//! the answer is "clean" or "ask git".
//!
//! The walk is system calls, one directory read and one `lstat` per entry, so it
//! runs on every core as git's `core.preloadIndex` does; only the ignore rules
//! (libgit2's, not thread-safe through `Repo`) are asked afterwards, here.

use anyhow::Result;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::index::{self, Row};
use super::{LocalChange, Oid, Repo};

/// What the index expects at one name of a folder.
enum Expected<'r> {
    /// A staged file (or symlink), to compare with its stat data.
    File(&'r Row),
    /// A subfolder holding these rows.
    Folder(&'r [Row]),
}

/// A folder still to read: its path (ending in `/`) and the rows under it.
type Pending<'r> = (String, &'r [Row]);

/// What the walk has found so far: `None` once a change (or anything it cannot
/// prove) was seen, else the untracked paths that must all be ignored.
type Untracked = Option<Vec<String>>;

/// When the index file was last written: a file modified at or after it may have
/// changed within the same clock tick without its stat data showing it.
type IndexTime = (i64, i64);

/// How many folders the walk reads on this thread before sharing them out.
const SHARE_AT: usize = 64;

/// What every folder's read needs to know.
struct Walk<'a> {
    workdir: &'a Path,
    index_time: IndexTime,
}

impl Repo {
    /// Whether `git status` would list nothing under the folder `prefix` (ending
    /// in `/`); `false` means "not proved", and the caller asks for the full status.
    pub(super) fn proved_clean(&self, prefix: &str) -> Result<bool> {
        let dir = prefix.trim_end_matches('/');
        let state = self.index_under(dir, true)?;
        if !state.changed.is_empty() {
            return Ok(false);
        }
        let Ok(index_meta) = fs::metadata(self.index_path()) else {
            return Ok(false);
        };
        match fs::symlink_metadata(self.workdir.join(dir)) {
            Ok(meta) if meta.is_dir() => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(state.rows.iter().all(|r| r.hidden));
            }
            _ => return Ok(false),
        }
        let walk = Walk {
            workdir: &self.workdir,
            index_time: (index_meta.mtime(), index_meta.mtime_nsec()),
        };
        let Some(untracked) = walk.run(prefix, &state.rows) else {
            return Ok(false);
        };
        for path in untracked {
            if !self.is_ignored(&path)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl Repo {
    /// The local changes `git status -- <file>…` lists for each file path alone,
    /// read from the index's rows for it, `HEAD`'s entry and one `lstat` (a hash
    /// only where the stat data cannot vouch), so their cost does not grow with the
    /// folders around them; `None` when the index is not one this crate reads, for
    /// the caller to ask libgit2. Ignored untracked files and hidden entries are
    /// left to the callers that look for them.
    pub(super) fn file_changes(&self, paths: &[&str]) -> Result<Option<Vec<LocalChange>>> {
        let index_path = self.index_path();
        let Some(file) = index::IndexFile::read(&index_path)? else {
            return Ok(None);
        };
        let index_meta = fs::metadata(&index_path)?;
        let walk = Walk {
            workdir: &self.workdir,
            index_time: (index_meta.mtime(), index_meta.mtime_nsec()),
        };
        let head = match self.git.head() {
            Ok(head) => Some(head.peel_to_tree()?),
            Err(_) => None,
        };
        let mut changes = Vec::new();
        for path in paths {
            let rows: Vec<Row> = file
                .rows_under(path.as_bytes())
                .into_iter()
                .filter(|r| r.path == path.as_bytes())
                .collect();
            let committed = head
                .as_ref()
                .and_then(|tree| tree.get_path(Path::new(path)).ok())
                .map(|e| (e.id(), e.filemode() as u32));
            let on_disk = fs::symlink_metadata(self.workdir.join(path)).ok();
            let state = match (rows.last(), on_disk) {
                (Some(_), _) if rows.iter().any(|r| r.stage != 0) => Some("conflicted"),
                (Some(row), _) if row.hidden => None,
                (Some(row), _)
                    if committed
                        .is_none_or(|(id, mode)| id.as_bytes() != row.id || mode != row.mode) =>
                {
                    Some("staged")
                }
                (Some(_), None) => Some("deleted"),
                (Some(row), Some(meta)) if !walk.file_unchanged(path, row, &meta) => {
                    Some("modified")
                }
                (Some(_), Some(_)) => None,
                (None, _) if committed.is_some() => Some("staged"),
                (None, Some(_)) if !self.is_ignored(path)? => Some("untracked"),
                (None, _) => None,
            };
            if let Some(state) = state {
                changes.push(LocalChange {
                    path: path.to_string(),
                    state,
                    hidden: false,
                });
            }
        }
        Ok(Some(changes))
    }
}

impl<'a> Walk<'a> {
    /// Reads the folders breadth-first until there are enough to share, then
    /// depth-first on as many threads as there are cores.
    fn run<'r>(&self, prefix: &str, rows: &'r [Row]) -> Untracked {
        let mut untracked = Vec::new();
        let mut pending: std::collections::VecDeque<Pending<'r>> =
            [(prefix.to_string(), rows)].into();
        while pending.len() < SHARE_AT {
            let Some((folder, rows)) = pending.pop_front() else {
                return Some(untracked);
            };
            pending.extend(self.read_folder(&folder, rows, &mut untracked)?);
        }
        let threads = crate::parallel::cores();
        let mut shares: Vec<Vec<Pending<'r>>> = vec![Vec::new(); threads];
        for (i, folder) in pending.into_iter().enumerate() {
            shares[i % threads].push(folder);
        }
        let found: Vec<Untracked> = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .into_iter()
                .map(|share| scope.spawn(move || self.depth_first(share)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        for share in found {
            untracked.extend(share?);
        }
        Some(untracked)
    }

    fn depth_first<'r>(&self, mut pending: Vec<Pending<'r>>) -> Untracked {
        let mut untracked = Vec::new();
        while let Some((folder, rows)) = pending.pop() {
            pending.extend(self.read_folder(&folder, rows, &mut untracked)?);
        }
        Some(untracked)
    }

    /// One folder: every name in it is a staged file whose stat data matches, a
    /// subfolder (returned, to be read in turn), or untracked
    /// (noted in `untracked`); every staged name is there or hidden from git's
    /// status. `None` when that does not hold.
    fn read_folder<'r>(
        &self,
        folder: &str,
        rows: &'r [Row],
        untracked: &mut Vec<String>,
    ) -> Option<Vec<Pending<'r>>> {
        let mut expected = expected_names(folder.len(), rows);
        let mut subfolders = Vec::new();
        for entry in fs::read_dir(self.workdir.join(folder)).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name();
            let name = name.to_str()?;
            let path = format!("{folder}{name}");
            match expected.remove(name.as_bytes()) {
                _ if name == ".git" => return None,
                Some(Expected::File(row)) => {
                    if !row.hidden && !self.file_unchanged(&path, row, &entry.metadata().ok()?) {
                        return None;
                    }
                }
                Some(Expected::Folder(inner)) => {
                    if !entry.file_type().ok()?.is_dir() {
                        return None;
                    }
                    subfolders.push((format!("{path}/"), inner));
                }
                None => untracked.push(path),
            }
        }
        let all_there = expected.into_values().all(|missing| match missing {
            Expected::File(row) => row.hidden,
            Expected::Folder(inner) => inner.iter().all(|r| r.hidden),
        });
        all_there.then_some(subfolders)
    }

    /// Whether the work-tree file `path` still holds the staged blob of `row`: its
    /// stat data is the recorded one exactly, and when it was modified no earlier
    /// than the index was written, its bytes hash to the staged blob.
    fn file_unchanged(&self, path: &str, row: &Row, meta: &fs::Metadata) -> bool {
        let Some(recorded) = &row.recorded else {
            return false;
        };
        if row.stage != 0 || !matches_recorded(recorded, row.mode, meta) {
            return false;
        }
        if (meta.mtime(), meta.mtime_nsec()) < self.index_time {
            return true;
        }
        meta.is_file()
            && Oid::hash_file(git2::ObjectType::Blob, self.workdir.join(path))
                .is_ok_and(|id| id.as_bytes() == row.id)
    }
}

/// The names directly in the folder whose rows (in index order) start `len` bytes
/// in, with what each should be.
fn expected_names(len: usize, rows: &[Row]) -> HashMap<&[u8], Expected<'_>> {
    let mut names = HashMap::new();
    let mut at = 0;
    while at < rows.len() {
        let rest = &rows[at].path[len..];
        match rest.iter().position(|&b| b == b'/') {
            Some(slash) => {
                let inner = &rest[..=slash];
                let end = at
                    + rows[at..]
                        .iter()
                        .take_while(|r| r.path[len..].starts_with(inner))
                        .count();
                names.insert(&rest[..slash], Expected::Folder(&rows[at..end]));
                at = end;
            }
            None => {
                names.insert(rest, Expected::File(&rows[at]));
                at += 1;
            }
        }
    }
    names
}

/// Whether `meta` (an `lstat`) is the file the index recorded: the same kind and
/// executable bit as `mode`, and every field git may compare equal. Stricter than
/// git with `core.trustctime=false` or `core.checkStat=minimal`, which only sends
/// more files to the full status.
fn matches_recorded(recorded: &index::Recorded, mode: u32, meta: &fs::Metadata) -> bool {
    let kind_matches = match mode {
        0o100644 => meta.is_file() && meta.mode() & 0o100 == 0,
        0o100755 => meta.is_file() && meta.mode() & 0o100 != 0,
        0o120000 => meta.file_type().is_symlink(),
        _ => false,
    };
    kind_matches && index::Recorded::of(meta) == *recorded
}

#[cfg(test)]
mod tests {
    use super::super::test_git::git;
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A committed `.workflow/` of real shape (CJK names, nested folders, an
    /// ignore rule), its files dated before the index so none is racily clean.
    fn committed() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        write(root, ".gitignore", "*.tmp\n");
        write(root, ".workflow/active/WFS-a/workflow-session.json", "{}\n");
        write(
            root,
            ".workflow/active/WFS-a/.task/IMPL-1.json",
            "{\"status\": \"done\"}\n",
        );
        write(root, ".workflow/archives/WFS-旧/notes.md", "# 旧\n");
        write(root, ".workflow/project-tech.json", "{}\n");
        write(root, "src/main.rs", "fn main() {}\n");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "init"]);
        Command::new("find")
            .args([
                ".workflow",
                "-type",
                "f",
                "-exec",
                "touch",
                "-d",
                "@1700000000",
                "{}",
                "+",
            ])
            .current_dir(root)
            .status()
            .unwrap();
        git(root, &["update-index", "--really-refresh"]);
        dir
    }

    /// A local change made to a committed repository.
    type Change = fn(&Path);

    fn proved(dir: &Path) -> bool {
        Repo::open_at(dir)
            .unwrap()
            .proved_clean(".workflow/")
            .unwrap()
    }

    #[test]
    fn a_committed_folder_is_proved_clean_and_ignored_files_do_not_count() {
        let dir = committed();
        assert!(proved(dir.path()));
        write(dir.path(), ".workflow/active/WFS-a/scratch.tmp", "x");
        write(dir.path(), ".workflow/cache.tmp/deep/file", "x");
        write(dir.path(), "src/untracked.rs", "outside the folder");
        assert!(proved(dir.path()));
    }

    #[test]
    fn every_kind_of_local_change_is_left_to_the_full_status() {
        let changes: [(&str, Change); 10] = [
            ("an edit", |d| {
                write(d, ".workflow/project-tech.json", "{\"a\": 1}\n")
            }),
            ("an edit of the same size", |d| {
                write(d, ".workflow/project-tech.json", "[]\n")
            }),
            ("a deletion", |d| {
                fs::remove_file(d.join(".workflow/archives/WFS-旧/notes.md")).unwrap()
            }),
            ("an untracked file", |d| {
                write(d, ".workflow/archives/new.json", "{}")
            }),
            ("an untracked empty folder", |d| {
                fs::create_dir(d.join(".workflow/empty")).unwrap()
            }),
            ("a staged edit", |d| {
                write(d, ".workflow/project-tech.json", "{\"b\": 2}\n");
                git(d, &["add", ".workflow/project-tech.json"]);
            }),
            ("a staged removal", |d| {
                git(d, &["rm", "-q", "--cached", ".workflow/project-tech.json"]);
            }),
            ("an executable bit", |d| {
                use std::os::unix::fs::PermissionsExt;
                let path = d.join(".workflow/project-tech.json");
                fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
            }),
            ("a file turned symlink", |d| {
                let path = d.join(".workflow/project-tech.json");
                fs::remove_file(&path).unwrap();
                std::os::unix::fs::symlink("elsewhere", path).unwrap();
            }),
            ("a nested repository", |d| {
                git(&d.join(".workflow/active"), &["init", "-q"]);
            }),
        ];
        for (what, change) in changes {
            let dir = committed();
            change(dir.path());
            assert!(!proved(dir.path()), "{what} was proved clean");
        }
    }

    #[test]
    fn folders_shared_out_to_threads_are_proved_alike() {
        let dir = committed();
        for i in 0..3 * SHARE_AT {
            write(
                dir.path(),
                &format!(".workflow/archives/WFS-{i:03}/s.json"),
                "{}\n",
            );
        }
        git(dir.path(), &["add", "-A"]);
        git(dir.path(), &["commit", "-q", "-m", "archives"]);
        assert!(proved(dir.path()));
        write(
            dir.path(),
            ".workflow/archives/WFS-150/s.json",
            "{\"x\": 1}\n",
        );
        assert!(!proved(dir.path()), "an edit in a shared-out folder");
        write(dir.path(), ".workflow/archives/WFS-150/s.json", "{}\n");
        git(dir.path(), &["update-index", "--refresh"]);
        write(dir.path(), ".workflow/archives/WFS-100/new.json", "{}\n");
        assert!(
            !proved(dir.path()),
            "an untracked file in a shared-out folder"
        );
    }

    #[test]
    fn a_file_written_in_the_index_last_instant_is_read_not_trusted() {
        let dir = committed();
        let path = dir.path().join(".workflow/project-tech.json");
        let future = ["-d", "@4000000000"];
        Command::new("touch")
            .args(future)
            .arg(&path)
            .status()
            .unwrap();
        git(dir.path(), &["update-index", "--refresh"]);
        assert!(proved(dir.path()), "same bytes, hashed");
        // The racy case: the file rewritten in the tick git staged it in, so the
        // stat data git recorded is the new file's, over the old blob.
        write(dir.path(), ".workflow/project-tech.json", "[]\n");
        let index_path = dir.path().join(".git/index");
        let index = index::IndexFile::read(&index_path).unwrap().unwrap();
        let staged = index.stat(b".workflow/project-tech.json").unwrap();
        let entry = index::NewEntry {
            path: b".workflow/project-tech.json".to_vec(),
            stat: index::Recorded::of(&fs::symlink_metadata(&path).unwrap()),
            mode: 0o100644,
            id: staged.id,
        };
        let bytes = index.spliced(&Default::default(), vec![entry], None);
        fs::write(&index_path, bytes).unwrap();
        Command::new("touch")
            .args(["-d", "@1700000000"])
            .arg(&index_path)
            .status()
            .unwrap();
        assert!(!proved(dir.path()), "a racily clean file was trusted");
        assert_eq!(
            git(dir.path(), &["status", "--porcelain", "--", ".workflow/"]),
            " M .workflow/project-tech.json\n",
            "git reads it too"
        );
    }
}
