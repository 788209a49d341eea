//! Objects: blobs written and hashed, and every object of an operation stored as one
//! pack.

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use super::hash::hash_object;
use super::tree_edit::NewTree;
use super::{GitError, Oid, Repo, pack};

impl Repo {
    /// Stores bytes as a blob. Inside [`Repo::trees_in_one_pack`] the blob is only
    /// hashed and held for the pack: libgit2's every write of an object it does not
    /// have re-lists the pack folder first (its "freshen" misses, then it refreshes),
    /// which at 100,000 new blobs was a tenth of a migration. Trees are held the
    /// same way (`tree_edit.rs`).
    pub fn write_blob(&self, bytes: &[u8]) -> Result<Oid> {
        match self.new_objects.borrow_mut().as_mut() {
            Some(new) => {
                let id = hash_blob(bytes);
                new.blobs.push((id, bytes.to_vec()));
                Ok(id)
            }
            None => Ok(self.git.blob(bytes)?),
        }
    }

    /// The bytes of a blob. In a partial clone, one that is not here yet is fetched
    /// from the promisor remote first, as git fetches it on demand.
    pub fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
        match self.git.find_blob(id) {
            Ok(blob) => Ok(blob.content().to_vec()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                self.fetch_missing(&[id])?;
                Ok(self.git.find_blob(id)?.content().to_vec())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A blob's bytes when it holds at most `limit` of them, its size taken from
    /// the object's header first: a larger one is refused unread
    /// ([`GitError::BlobTooLarge`]), so a pushed 1 GiB file costs its header.
    pub fn read_blob_at_most(&self, id: Oid, limit: u64) -> Result<Vec<u8>> {
        let header = match self.git.odb()?.read_header(id) {
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                self.fetch_missing(&[id])?;
                self.git.odb()?.read_header(id)?
            }
            other => other?,
        };
        let size = header.0 as u64;
        if size > limit {
            return Err(GitError::BlobTooLarge { size, limit }.into());
        }
        self.read_blob(id)
    }

    /// Makes sure every object is here before anything depends on it: in a
    /// partial clone the missing ones are fetched from the promisor remote in one
    /// go, as git's own lazy fetch does (`fetch --filter=blob:none --stdin`); any
    /// still missing, or missing outside a partial clone, are refused by name.
    pub fn fetch_missing(&self, ids: &[Oid]) -> Result<()> {
        let odb = self.git.odb()?;
        let missing: Vec<Oid> = ids.iter().copied().filter(|id| !odb.exists(*id)).collect();
        let Some(&first) = missing.first() else {
            return Ok(());
        };
        let Some(remote) = self.promisor_remote()? else {
            return Err(GitError::MissingObject {
                id: first.to_string(),
                remote: None,
            }
            .into());
        };
        let wanted: String = missing.iter().map(|id| format!("{id}\n")).collect();
        let args = [
            "-c",
            "fetch.negotiationAlgorithm=noop",
            "fetch",
            remote.as_str(),
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "--filter=blob:none",
            "--stdin",
        ];
        let output = self.run_git(&args, wanted.as_bytes())?;
        odb.refresh()?;
        match missing.iter().find(|id| !odb.exists(**id)) {
            None => Ok(()),
            Some(id) => Err(GitError::MissingObject {
                id: id.to_string(),
                remote: Some((remote, super::cli::stderr_text(&output))),
            }
            .into()),
        }
    }

    /// The remote a partial clone fetches missing objects from:
    /// `extensions.partialClone`, else the first `remote.<name>.promisor`.
    fn promisor_remote(&self) -> Result<Option<String>> {
        if let Some(remote) = self.config_string("extensions.partialClone")? {
            return Ok(Some(remote));
        }
        let config = self.config_snapshot()?;
        let mut entries = config.entries(Some(r"remote\..*\.promisor"))?;
        while let Some(entry) = entries.next() {
            let entry = entry?;
            if entry
                .value()
                .is_ok_and(|v| matches!(v, "true" | "yes" | "on" | "1"))
            {
                let name = entry.name().unwrap_or("");
                let remote = name
                    .strip_prefix("remote.")
                    .and_then(|n| n.strip_suffix(".promisor"));
                return Ok(remote.map(str::to_string));
            }
        }
        Ok(None)
    }

    /// The abbreviated hash git would print for a commit.
    pub fn short_id(&self, id: Oid) -> String {
        self.git
            .find_object(id, None)
            .and_then(|o| o.short_id())
            .ok()
            .and_then(|buf| buf.as_str().map(str::to_string).ok())
            .unwrap_or_else(|| id.to_string()[..7].to_string())
    }

    /// Runs `write`, which builds trees (a chain of them: a record's, then the
    /// operation's), with every blob and tree it writes held in memory, then stores
    /// them as one pack of whole objects: thousands of new files cost one pack file
    /// instead of thousands of loose objects, which is most of what `git add` and
    /// `git commit` spend. The commits are then written by git itself, on top of the
    /// pack (see `commit.rs`).
    ///
    /// No ref names those objects yet, so a `git repack -ad` or `git gc` running
    /// beside us (IDEs and `git maintenance` start them on their own) would delete
    /// the pack as unreachable: it gets a `.keep` file before it is visible, as
    /// receive-pack's incoming packs do, and the caller releases it once a ref names
    /// the commit.
    pub fn trees_in_one_pack(
        &self,
        write: impl FnOnce() -> Result<Vec<Oid>>,
    ) -> Result<(Vec<Oid>, KeptPack)> {
        self.new_objects.replace(Some(NewObjects::default()));
        let written = write();
        let new = self.new_objects.take().unwrap_or_default();
        let trees = written?;
        let objects = new.into_pack_objects();
        if objects.is_empty() {
            return Ok((trees, KeptPack { keep: None }));
        }
        let kept = self.install_kept(&pack::pack(&objects))?;
        self.git.odb()?.refresh()?;
        Ok((trees, kept))
    }

    /// Writes the pack and its index in a folder of its own, writes the `.keep`,
    /// then moves the pack and its index into `objects/pack/`: a repack that lists
    /// the packs sees either no pack yet or a kept one.
    fn install_kept(&self, packed: &pack::Packed) -> Result<KeptPack> {
        let packs = self.objects_dir().join("pack");
        let staging = tempfile::Builder::new()
            .prefix("tmp_git-workflow_")
            .tempdir_in(&packs)
            .with_context(|| format!("creating a folder in {}", packs.display()))?;
        let name = &packed.name;
        let sync = self.pack_sync()?;
        for (ext, bytes, flush) in [
            ("pack", &packed.pack, sync.pack),
            ("idx", &packed.index, sync.index),
        ] {
            let path = staging.path().join(format!("pack-{name}.{ext}"));
            write_read_only(&path, bytes, flush)?;
        }
        let keep = packs.join(format!("pack-{name}.keep"));
        fs::write(&keep, format!("git-workflow {}\n", std::process::id()))
            .with_context(|| format!("writing {}", keep.display()))?;
        self.share(&keep)?;
        for ext in ["pack", "idx"] {
            let file = format!("pack-{name}.{ext}");
            self.share(&staging.path().join(&file))?;
            fs::rename(staging.path().join(&file), packs.join(&file))
                .with_context(|| format!("moving {file} into {}", packs.display()))?;
        }
        Ok(KeptPack { keep: Some(keep) })
    }

    /// The object store: `GIT_OBJECT_DIRECTORY` when set, as git reads it, else the
    /// common git dir's `objects/`.
    fn objects_dir(&self) -> PathBuf {
        std::env::var_os("GIT_OBJECT_DIRECTORY")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.git.commondir().join("objects"))
    }
}

/// The blob id these bytes would have in a SHA-1 repository, without storing them
/// (no repository needed: planners and their tests compare contents by it).
pub fn hash_blob(bytes: &[u8]) -> Oid {
    hash_object("blob", bytes)
}

/// The objects an operation wrote, held in memory until its pack is stored.
#[derive(Default)]
pub(super) struct NewObjects {
    /// The blobs, in the order written (one written twice is packed once).
    pub(super) blobs: Vec<(Oid, Vec<u8>)>,
    /// The trees, by id (ordered, so that the same operation makes the same pack).
    pub(super) trees: std::collections::BTreeMap<Oid, NewTree>,
}

impl NewObjects {
    /// Every object once, blobs first, as the pack holds them.
    fn into_pack_objects(self) -> Vec<pack::Object> {
        let mut seen = std::collections::HashSet::with_capacity(self.blobs.len());
        let blobs = self
            .blobs
            .into_iter()
            .filter(|(id, _)| seen.insert(*id))
            .map(|(id, bytes)| (pack::Kind::Blob, id, bytes));
        let trees = self
            .trees
            .into_iter()
            .map(|(id, tree)| (pack::Kind::Tree, id, tree.bytes));
        blobs.chain(trees).collect()
    }
}

/// Writes a file of the pack as git's `index-pack` does: read-only (less the
/// umask), since a pack is never changed once written, and flushed to the disk
/// when `flush` (git's `core.fsync`) says git would flush it.
fn write_read_only(path: &std::path::Path, bytes: &[u8], flush: bool) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o444)
        .open(path)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            match flush {
                true => file.sync_all(),
                false => Ok(()),
            }
        })
        .with_context(|| format!("writing {}", path.display()))
}

/// The `.keep` file that protects an operation's pack from `git repack`/`git gc`
/// until a ref names its objects; releasing it leaves the pack to git's care. An
/// operation that made no object git lacks (one giving back a tree git holds) wrote
/// no pack, and keeps nothing.
#[derive(Debug)]
#[must_use = "a kept pack is never repacked until it is released"]
pub struct KeptPack {
    keep: Option<PathBuf>,
}

impl KeptPack {
    /// The `.keep` file, for the journal (recovery releases it after a crash).
    pub fn path(&self) -> Option<&std::path::Path> {
        self.keep.as_deref()
    }

    /// Removes the `.keep` file (it may be gone already).
    pub fn release(self) -> Result<()> {
        self.keep.as_deref().map_or(Ok(()), release_keep)
    }
}

/// Removes a `.keep` file this tool wrote; one already gone is fine.
pub fn release_keep(keep: &std::path::Path) -> Result<()> {
    match fs::remove_file(keep) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", keep.display()))
        }
        _ => Ok(()),
    }
}

impl Repo {
    /// Removes the `.keep` files this tool wrote for processes that are gone (one
    /// killed between writing its pack and moving the branch), so that git may
    /// repack those objects again. A pack kept by a live process is left alone.
    pub fn release_stale_keeps(&self) -> Result<usize> {
        let packs = self.objects_dir().join("pack");
        let Ok(entries) = fs::read_dir(&packs) else {
            return Ok(0);
        };
        let mut released = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "keep") {
                continue;
            }
            let owner = fs::read_to_string(&path).ok().and_then(|text| {
                text.strip_prefix("git-workflow ")?
                    .trim()
                    .parse::<u32>()
                    .ok()
            });
            if let Some(pid) = owner
                && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                release_keep(&path)?;
                released += 1;
            }
        }
        Ok(released)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_git::git;
    use super::super::tree_edit::TreeEdit;
    use super::*;

    #[test]
    fn blobs_written_inside_an_operation_land_in_its_pack_as_git_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        fs::write(root.join("a.txt"), "a\n").unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "init"]);
        let repo = Repo::open_at(root).unwrap();
        let head = Oid::from_str(git(root, &["rev-parse", "HEAD"]).trim()).unwrap();
        let text = "状态: 完成\n";
        let mut written = None;
        let (trees, kept) = repo
            .trees_in_one_pack(|| {
                let id = repo.write_blob(text.as_bytes())?;
                written = Some(id);
                let edit = TreeEdit::Upsert {
                    path: "b/新.yml".into(),
                    id,
                    executable: false,
                };
                Ok(vec![repo.edit_tree(repo.tree_of(head)?, &[edit])?])
            })
            .unwrap();
        let id = written.unwrap().to_string();
        let path = format!("{}:b/新.yml", trees[0]);
        assert_eq!(git(root, &["cat-file", "-p", &path]), text);
        assert_eq!(git(root, &["rev-parse", &path]).trim(), id);
        let loose = root.join(".git/objects").join(&id[..2]).join(&id[2..]);
        assert!(!loose.exists(), "the blob went into the pack, not loose");
        git(root, &["fsck", "--no-dangling"]);
        git(
            root,
            &[
                "verify-pack",
                &kept.path().unwrap().with_extension("idx").to_string_lossy(),
            ],
        );
        for ext in ["pack", "idx"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(kept.path().unwrap().with_extension(ext))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o222, 0, "the .{ext} is read-only, as git writes it");
        }
        kept.release().unwrap();
    }

    #[test]
    fn a_blob_written_outside_an_operation_is_stored_at_once() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let repo = Repo::open_at(dir.path()).unwrap();
        let id = repo.write_blob(b"kept\n").unwrap().to_string();
        assert_eq!(git(dir.path(), &["cat-file", "-p", &id]), "kept\n");
    }
}
