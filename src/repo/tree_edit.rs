//! New trees built from a base by path edits, encoded and hashed here. Inside an
//! operation they are held in memory for its pack, as its blobs are: each tree
//! libgit2 wrote cost it a re-listing of the pack folder (see `object.rs`), and an
//! operation migrating 50,000 sessions writes 50,000 trees.

use anyhow::{Result, anyhow, bail};
use git2::ObjectType;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::hash::hash_object;
use super::{Oid, Repo};

/// One edit of a tree, applied by [`Repo::edit_tree`].
#[derive(Debug, Clone)]
pub enum TreeEdit {
    /// Put this blob at this path (replacing what is there).
    Upsert {
        /// The repository path.
        path: String,
        /// The blob.
        id: Oid,
        /// Whether it is executable.
        executable: bool,
    },
    /// Remove the file at this path.
    Remove {
        /// The repository path.
        path: String,
    },
    /// Put the entry at `from` in the base tree at `to`, with its mode, and remove it
    /// from `from`: a rename, which reuses the blob.
    Move {
        /// Where the entry is in the base tree.
        from: String,
        /// Where it goes.
        to: String,
    },
}

/// A tree's entry as stored: the mode is kept as written (an old repository's
/// `100664` stays `100664` in the trees an edit leaves alone).
#[derive(Debug, Clone)]
pub(super) struct RawEntry {
    pub(super) name: Vec<u8>,
    pub(super) mode: u32,
    pub(super) id: Oid,
}

const TREE: u32 = 0o040000;
const SUBMODULE: u32 = 0o160000;

impl RawEntry {
    pub(super) fn is_tree(&self) -> bool {
        self.mode & 0o170000 == TREE
    }

    /// Whether it is a submodule's commit (a gitlink).
    pub(super) fn is_gitlink(&self) -> bool {
        self.mode & 0o170000 == SUBMODULE
    }

    /// How two entries sort in git's order (a folder's name with a `/` after it),
    /// without building either key.
    pub(super) fn git_cmp(&self, other: &RawEntry) -> Ordering {
        let common = self.name.len().min(other.name.len());
        let after = |entry: &RawEntry| match entry.name.get(common) {
            Some(byte) => *byte,
            None if entry.is_tree() => b'/',
            None => 0,
        };
        self.name[..common]
            .cmp(&other.name[..common])
            .then_with(|| after(self).cmp(&after(other)))
    }

    /// What git sorts tree entries by: the name, with a `/` after a folder's.
    fn sort_key(&self) -> Vec<u8> {
        sort_key(&self.name, self.is_tree())
    }
}

fn sort_key(name: &[u8], tree: bool) -> Vec<u8> {
    let mut key = name.to_vec();
    if tree {
        key.push(b'/');
    }
    key
}

/// The kind of object a mode names, as libgit2 compares them before replacing one
/// entry with another.
fn object_type(mode: u32) -> ObjectType {
    match mode & 0o170000 {
        TREE => ObjectType::Tree,
        SUBMODULE => ObjectType::Commit,
        _ => ObjectType::Blob,
    }
}

/// A tree written inside an operation: its entries, for the next edit of a chain
/// that starts from it, and its bytes, for the pack.
pub(super) struct NewTree {
    entries: Rc<Vec<RawEntry>>,
    /// The tree as git stores it (without the object header).
    pub(super) bytes: Vec<u8>,
}

/// What an edit does at one path, once moves are resolved against the base.
#[derive(Debug, Clone, Copy)]
enum Change {
    Put { id: Oid, mode: u32 },
    Remove,
}

/// The folders one edit reads, each read once (libgit2 keeps no large tree in its
/// cache, and a move's source and its target's parent are often the same folder).
pub(super) struct Folders<'r> {
    repo: &'r Repo,
    read: HashMap<Oid, Rc<Vec<RawEntry>>>,
}

impl<'r> Folders<'r> {
    /// No folder read yet.
    pub(super) fn new(repo: &'r Repo) -> Self {
        Self {
            repo,
            read: HashMap::new(),
        }
    }

    /// The entries of a tree, in git's order: one this operation wrote, else libgit2's.
    pub(super) fn entries(&mut self, id: Oid) -> Result<Rc<Vec<RawEntry>>> {
        if let Some(entries) = self.read.get(&id) {
            return Ok(entries.clone());
        }
        let entries = match self.repo.new_tree_entries(id) {
            Some(entries) => entries,
            None => Rc::new(self.stored_entries(id)?),
        };
        self.read.insert(id, entries.clone());
        Ok(entries)
    }

    /// A stored tree's entries, read from its bytes here: libgit2 refuses a name
    /// longer than 65,535 bytes ("can't parse filename") that git accepts, and a
    /// tree someone pushed must never stop a check that does not need that name.
    fn stored_entries(&self, id: Oid) -> Result<Vec<RawEntry>> {
        let odb = self.repo.git.odb()?;
        let object = odb.read(id)?;
        if object.kind() != ObjectType::Tree {
            bail!("{id} is not a tree");
        }
        parse_tree(object.data()).ok_or_else(|| anyhow!("the tree {id} is damaged"))
    }

    /// The entry at a path of the tree `root`, found by halving each folder's
    /// entries (they are sorted, a folder's name with a `/` after it).
    fn entry_at(&mut self, root: Oid, path: &str) -> Result<Option<RawEntry>> {
        let mut folder = root;
        let mut parts = path.split('/').peekable();
        while let Some(name) = parts.next() {
            let entries = self.entries(folder)?;
            let Some(entry) = find(&entries, name.as_bytes()) else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok(Some(entry.clone()));
            }
            if !entry.is_tree() {
                return Ok(None);
            }
            folder = entry.id;
        }
        Ok(None)
    }
}

/// A tree object's entries (`<octal mode> <name>\0<20-byte id>` each), or `None`
/// when the bytes are not a tree.
pub(super) fn parse_tree(mut bytes: &[u8]) -> Option<Vec<RawEntry>> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let space = memchr::memchr(b' ', bytes)?;
        let mode = std::str::from_utf8(&bytes[..space]).ok()?;
        let mode = u32::from_str_radix(mode, 8).ok()?;
        let rest = &bytes[space + 1..];
        let nul = memchr::memchr(0, rest)?;
        let id = rest.get(nul + 1..nul + 21)?;
        entries.push(RawEntry {
            name: rest[..nul].to_vec(),
            mode,
            id: Oid::from_bytes(id).ok()?,
        });
        bytes = &rest[nul + 21..];
    }
    Some(entries)
}

/// The entry named `name` in entries sorted as git sorts them: a file sorts under
/// its name, a folder under its name and a `/`.
fn find<'e>(entries: &'e [RawEntry], name: &[u8]) -> Option<&'e RawEntry> {
    [false, true].into_iter().find_map(|tree| {
        let key = sort_key(name, tree);
        let at = entries.binary_search_by(|e| e.sort_key().cmp(&key)).ok()?;
        Some(&entries[at])
    })
}

/// One resolved change, its path cut into components.
type PathChange<'p> = (Vec<&'p str>, Change);

impl Repo {
    /// A new tree: `base` with the edits applied, touching only the subtrees on their
    /// paths (no index, no walk of the whole tree). As libgit2's tree updater does,
    /// it refuses two edits of one path, a removal of nothing, a file put where a
    /// folder is (or the reverse), and drops the folders it leaves empty.
    pub fn edit_tree(&self, base: Oid, edits: &[TreeEdit]) -> Result<Oid> {
        let mut folders = Folders::new(self);
        let changes = resolve(&mut folders, base, edits)?;
        match self.edit_folder(&mut folders, Some(base), &changes, 0)? {
            Some(id) => Ok(id),
            None => self.store_tree(Vec::new()),
        }
    }

    /// The folder `base` (none: a new one) with the changes below it applied, its
    /// path's first `depth` components already walked; `None` when it ends empty.
    fn edit_folder(
        &self,
        folders: &mut Folders<'_>,
        base: Option<Oid>,
        changes: &[PathChange<'_>],
        depth: usize,
    ) -> Result<Option<Oid>> {
        let mut entries: BTreeMap<Vec<u8>, RawEntry> = match base {
            Some(id) => folders
                .entries(id)?
                .iter()
                .map(|e| (e.sort_key(), e.clone()))
                .collect(),
            None => BTreeMap::new(),
        };
        for group in changes.chunk_by(|a, b| a.0[depth] == b.0[depth]) {
            let name = group[0].0[depth].as_bytes();
            let path = || group[0].0[..=depth].join("/");
            let existing = [false, true]
                .into_iter()
                .map(|tree| sort_key(name, tree))
                .find(|key| entries.contains_key(key));
            let existing_entry = existing.as_ref().map(|key| entries[key].clone());
            if group[0].0.len() == depth + 1 {
                if group.len() > 1 {
                    bail!(
                        "building the new tree: {} is both a file and a folder",
                        path()
                    );
                }
                match group[0].1 {
                    Change::Put { id, mode } => {
                        if let Some(old) = &existing_entry
                            && object_type(old.mode) != object_type(mode)
                        {
                            bail!(
                                "building the new tree: cannot replace the {} at {} with a {}",
                                object_type(old.mode),
                                path(),
                                object_type(mode)
                            );
                        }
                        if let Some(key) = &existing {
                            entries.remove(key);
                        }
                        let entry = RawEntry {
                            name: name.to_vec(),
                            mode,
                            id,
                        };
                        entries.insert(entry.sort_key(), entry);
                    }
                    Change::Remove => {
                        let key = existing.ok_or_else(|| {
                            anyhow!("building the new tree: {} is not in the tree", path())
                        })?;
                        entries.remove(&key);
                    }
                }
                continue;
            }
            let subtree = match &existing_entry {
                Some(old) if !old.is_tree() => {
                    bail!("building the new tree: {} is a file, not a folder", path())
                }
                Some(old) => Some(old.id),
                None => None,
            };
            let key = sort_key(name, true);
            match self.edit_folder(folders, subtree, group, depth + 1)? {
                Some(id) => {
                    let entry = RawEntry {
                        name: name.to_vec(),
                        mode: TREE,
                        id,
                    };
                    entries.insert(key, entry);
                }
                None => {
                    entries.remove(&key);
                }
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let entries: Vec<RawEntry> = entries.into_values().collect();
        let id = hash_object("tree", &encode(&entries));
        if Some(id) == base {
            return Ok(Some(id));
        }
        self.store_tree(entries).map(Some)
    }

    /// Stores a tree: held for the pack inside an operation, else written at once.
    fn store_tree(&self, entries: Vec<RawEntry>) -> Result<Oid> {
        let bytes = encode(&entries);
        let id = hash_object("tree", &bytes);
        match self.new_objects.borrow_mut().as_mut() {
            Some(new) => {
                new.trees.entry(id).or_insert_with(|| NewTree {
                    entries: Rc::new(entries),
                    bytes,
                });
            }
            None => {
                self.git.odb()?.write(ObjectType::Tree, &bytes)?;
            }
        }
        Ok(id)
    }

    /// The entries of a tree this operation wrote and holds in memory.
    fn new_tree_entries(&self, id: Oid) -> Option<Rc<Vec<RawEntry>>> {
        let new = self.new_objects.borrow();
        new.as_ref()?.trees.get(&id).map(|t| t.entries.clone())
    }
}

/// The edits as changes sorted by their paths' components, so that each folder's
/// are together (a move becomes its put and its removal), each component checked
/// as git checks a tree entry's name.
fn resolve<'p>(
    folders: &mut Folders<'_>,
    base: Oid,
    edits: &'p [TreeEdit],
) -> Result<Vec<PathChange<'p>>> {
    let mut flat: Vec<(&'p str, Change)> = Vec::with_capacity(edits.len() + edits.len() / 2);
    for edit in edits {
        match edit {
            TreeEdit::Upsert {
                path,
                id,
                executable,
            } => {
                let mode = if *executable { 0o100755 } else { 0o100644 };
                flat.push((path.as_str(), Change::Put { id: *id, mode }));
            }
            TreeEdit::Remove { path } => flat.push((path.as_str(), Change::Remove)),
            TreeEdit::Move { from, to } => {
                let entry = folders
                    .entry_at(base, from)?
                    .ok_or_else(|| anyhow!("{from} is not in the commit the plan starts from"))?;
                flat.push((
                    to.as_str(),
                    Change::Put {
                        id: entry.id,
                        mode: entry.mode,
                    },
                ));
                flat.push((from.as_str(), Change::Remove));
            }
        }
    }
    let mut changes: Vec<PathChange<'p>> = flat
        .into_iter()
        .map(|(path, change)| {
            let parts: Vec<&str> = path.split('/').collect();
            if let Some(bad) = parts.iter().find(|p| !valid_entry_name(p)) {
                bail!("building the new tree: {path:?} has the invalid name {bad:?}");
            }
            Ok((parts, change))
        })
        .collect::<Result<_>>()?;
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = changes.windows(2).find(|w| w[0].0 == w[1].0) {
        bail!(
            "building the new tree: two edits of {}",
            pair[0].0.join("/")
        );
    }
    Ok(changes)
}

/// Whether git accepts this as a tree entry's name (its `verify_path` core):
/// not empty, not `.` or `..`, not `.git` in any case, no NUL.
fn valid_entry_name(name: &str) -> bool {
    !(name.is_empty()
        || name == "."
        || name == ".."
        || name.eq_ignore_ascii_case(".git")
        || name.contains('\0'))
}

/// A tree's bytes as git stores them: per entry the mode in octal, a space, the
/// name, a NUL and the 20-byte id, in git's order.
fn encode(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 48);
    for entry in entries {
        out.extend_from_slice(format!("{:o} ", entry.mode).as_bytes());
        out.extend_from_slice(&entry.name);
        out.push(0);
        out.extend_from_slice(entry.id.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_git::{git, git_with};
    use super::*;
    use std::fs;
    use std::path::Path;

    /// A repository whose one commit has names that sort differently as files and
    /// as folders (`a`, `a-x`, `a.b`), nesting, an executable, a link and CJK names.
    fn repository(root: &Path) -> (Repo, Oid) {
        git(root, &["init", "-q", "-b", "main"]);
        for (path, text) in [
            ("a/one.txt", "1\n"),
            ("a-x/two.txt", "2\n"),
            ("a.b", "3\n"),
            ("deep/er/still/file.md", "4\n"),
            ("会话/状态.yml", "状态: 进行中\n"),
            ("run.sh", "#!/bin/sh\n"),
        ] {
            fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            fs::write(root.join(path), text).unwrap();
        }
        std::os::unix::fs::symlink("a.b", root.join("link")).unwrap();
        git(root, &["add", "-A"]);
        git(root, &["update-index", "--chmod=+x", "run.sh"]);
        git(root, &["commit", "-q", "-m", "init"]);
        let repo = Repo::open_at(root).unwrap();
        let head = Oid::from_str(git(root, &["rev-parse", "HEAD^{tree}"]).trim()).unwrap();
        (repo, head)
    }

    /// The tree git's own index makes of `HEAD` with these `update-index` lines and
    /// these paths removed.
    fn tree_by_git(root: &Path, index_info: &str, removed: &[&str]) -> String {
        let index = root.join(".git/test-index");
        let env = [("GIT_INDEX_FILE", index.as_os_str())];
        git_with(root, &["read-tree", "HEAD"], &env, "");
        git_with(root, &["update-index", "--index-info"], &env, index_info);
        let mut remove = vec!["update-index", "--force-remove", "--"];
        remove.extend(removed);
        git_with(root, &remove, &env, "");
        git_with(root, &["write-tree"], &env, "").trim().to_string()
    }

    #[test]
    fn an_edit_makes_the_tree_git_makes_from_the_same_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (repo, head) = repository(root);
        let new = repo.write_blob("新\n".as_bytes()).unwrap();
        let edits = [
            TreeEdit::Upsert {
                path: "a/新/文件.txt".into(),
                id: new,
                executable: false,
            },
            TreeEdit::Upsert {
                path: "a-x/run".into(),
                id: new,
                executable: true,
            },
            TreeEdit::Remove {
                path: "deep/er/still/file.md".into(),
            },
            TreeEdit::Move {
                from: "link".into(),
                to: "a/link".into(),
            },
            TreeEdit::Move {
                from: "run.sh".into(),
                to: "会话/run.sh".into(),
            },
        ];
        let ours = repo.edit_tree(head, &edits).unwrap();
        let link = git(root, &["rev-parse", "HEAD:link"]);
        let run = git(root, &["rev-parse", "HEAD:run.sh"]);
        let info = format!(
            "100644 {new}\ta/新/文件.txt\n100755 {new}\ta-x/run\n120000 {}\ta/link\n100755 {}\t会话/run.sh\n",
            link.trim(),
            run.trim()
        );
        let theirs = tree_by_git(root, &info, &["deep/er/still/file.md", "link", "run.sh"]);
        assert_eq!(ours.to_string(), theirs);
        git(root, &["fsck", "--no-dangling", "--strict"]);
    }

    #[test]
    fn a_chain_of_edits_inside_an_operation_reads_the_trees_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (repo, head) = repository(root);
        let (trees, kept) = repo
            .trees_in_one_pack(|| {
                let blob = repo.write_blob(b"recorded\n")?;
                let record = TreeEdit::Upsert {
                    path: "会话/记录.md".into(),
                    id: blob,
                    executable: false,
                };
                let first = repo.edit_tree(head, &[record])?;
                let archive = TreeEdit::Move {
                    from: "会话/记录.md".into(),
                    to: "archive/记录.md".into(),
                };
                Ok(vec![first, repo.edit_tree(first, &[archive])?])
            })
            .unwrap();
        let listed = git(
            root,
            &["ls-tree", "-r", "-z", "--name-only", &trees[1].to_string()],
        );
        assert!(listed.contains("archive/记录.md"), "{listed}");
        assert!(!listed.contains("会话/记录.md"), "{listed}");
        assert_eq!(
            git(
                root,
                &["cat-file", "-p", &format!("{}:archive/记录.md", trees[1])]
            ),
            "recorded\n"
        );
        git(root, &["fsck", "--no-dangling", "--strict"]);
        kept.release().unwrap();
    }

    #[test]
    fn edits_libgit2_refused_are_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, head) = repository(dir.path());
        let blob = repo.write_blob(b"x\n").unwrap();
        let put = |path: &str| TreeEdit::Upsert {
            path: path.into(),
            id: blob,
            executable: false,
        };
        let refused = |edits: &[TreeEdit]| repo.edit_tree(head, edits).unwrap_err().to_string();
        assert!(refused(&[put("a.b"), put("a.b")]).contains("two edits of a.b"));
        let missing = TreeEdit::Remove {
            path: "a/none.txt".into(),
        };
        assert!(refused(&[missing]).contains("a/none.txt is not in the tree"));
        assert!(refused(&[put("a")]).contains("cannot replace the tree at a with a blob"));
        assert!(refused(&[put("a.b/inner")]).contains("a.b is a file, not a folder"));
        assert!(refused(&[put("a/x"), put("a/x/y")]).contains("a/x is both a file and a folder"));
        assert!(refused(&[put("sub/.GIT/config")]).contains("invalid name \".GIT\""));
        let gone = TreeEdit::Move {
            from: "nowhere".into(),
            to: "b".into(),
        };
        assert!(refused(&[gone]).contains("nowhere is not in the commit"));
    }

    #[test]
    fn removing_a_folders_last_file_drops_the_folder_and_an_emptied_root_is_the_empty_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        fs::create_dir_all(root.join("only/here")).unwrap();
        fs::write(root.join("only/here/f"), "f\n").unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "one"]);
        let repo = Repo::open_at(root).unwrap();
        let head = Oid::from_str(git(root, &["rev-parse", "HEAD^{tree}"]).trim()).unwrap();
        let remove = TreeEdit::Remove {
            path: "only/here/f".into(),
        };
        let empty = repo.edit_tree(head, &[remove]).unwrap();
        assert_eq!(
            empty.to_string(),
            git(root, &["hash-object", "-t", "tree", "/dev/null"]).trim()
        );
    }
}
