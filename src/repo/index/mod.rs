//! Reads the git index file and writes it back with some entries replaced, in one
//! pass. libgit2 (like git) inserts and removes index entries one at a time in a
//! sorted array, and `.workflow/` sorts before almost everything, so touching ten
//! thousand entries of a large index moved the whole array ten thousand times.
//!
//! Only the formats this module knows byte for byte are spliced: versions 2 and 3,
//! SHA-1, no split index, no sparse index. For anything else [`IndexFile::read`] says
//! so and `repo` falls back to libgit2. Bytes only: no git2 here.

use anyhow::{Context, Result};
use std::fs;
use std::ops::Range;
use std::path::Path;

mod decode;
mod view;
mod write;

pub use view::IndexView;

use decode::{entry_span, parse, read_node};
pub(super) use write::folders_above;

pub(super) const HASH_LEN: usize = 20;
pub(super) const ENTRY_FIXED: usize = 62;
pub(super) const EXTENDED_FLAG: u16 = 0x4000;
/// The `assume-unchanged` bit of an entry's flags.
const ASSUME_VALID: u16 = 0x8000;
/// The `skip-worktree` bit of an entry's extended flags.
const SKIP_WORKTREE: u16 = 0x4000;

/// The stat data and blob of one staged file, as the index records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// The blob id.
    pub id: [u8; HASH_LEN],
    /// The file size, truncated to 32 bits as git does.
    pub size: u32,
    /// Modification time, seconds.
    pub mtime: u32,
    /// Modification time, nanoseconds.
    pub mtime_nsec: u32,
    /// The inode, truncated to 32 bits.
    pub ino: u32,
}

/// A stage-0 entry to put into the index.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The repository path.
    pub path: Vec<u8>,
    /// The stat data to record (all zero: git re-reads the file before trusting it).
    pub stat: Recorded,
    /// `0o100644` or `0o100755`.
    pub mode: u32,
    /// The blob id.
    pub id: [u8; HASH_LEN],
}

/// An index file mapped (as git maps it), with where each entry and extension lies.
pub struct IndexFile {
    bytes: Bytes,
    /// Where each entry starts; its length and path follow from its flags.
    entries: Vec<u32>,
    /// Where the entries end and the extensions begin.
    entries_end: usize,
    extensions: Vec<([u8; 4], Range<usize>)>,
}

/// An index file's bytes: mapped from the file, or owned (tests, fuzzing). Mapped,
/// a large index is neither copied nor given fresh pages to be read.
enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Owned(bytes) => bytes,
        }
    }
}

/// Maps the index `file` (read from `path`) whole, its pages read in at once.
fn map_index(file: &fs::File, path: &Path) -> Result<Bytes> {
    // SAFETY: git replaces the index by renaming a new file over it, never by
    // writing into it, so the mapped file does not change while it is read (git
    // maps it the same way). A truncation by another tool would be a bug there.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(file) }
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(Bytes::Mapped(map))
}

/// One entry's place in the file and its path's place within it.
struct Span {
    range: Range<usize>,
    path: Range<usize>,
    stage: u16,
}

/// One entry as the check reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The repository path.
    pub path: Vec<u8>,
    /// The blob id.
    pub id: [u8; HASH_LEN],
    /// The file mode (`0o100644`, `0o100755`, `0o120000`, `0o160000`).
    pub mode: u32,
    /// 0, or 1–3 for the sides of a conflict.
    pub stage: u16,
    /// Marked `assume-unchanged` or `skip-worktree`: git does not look at the work
    /// tree for it, so `git status` shows no local change there.
    pub hidden: bool,
    /// The stat data git recorded when it staged the file, which proves the file
    /// unchanged while it still matches; `None` where this crate did not read it
    /// (through libgit2) or it proves nothing (an intent-to-add entry).
    pub recorded: Option<Recorded>,
}

/// An entry's stat data as the index records it, every field truncated to 32 bits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// `ctime` seconds and nanoseconds.
    pub ctime: (u32, u32),
    /// `mtime` seconds and nanoseconds.
    pub mtime: (u32, u32),
    /// Device.
    pub dev: u32,
    /// Inode.
    pub ino: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size.
    pub size: u32,
}

impl Recorded {
    /// The stat data git records for a file with this `lstat`.
    pub fn of(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            ctime: (meta.ctime() as u32, meta.ctime_nsec() as u32),
            mtime: (meta.mtime() as u32, meta.mtime_nsec() as u32),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.len() as u32,
        }
    }
}

/// The `intent-to-add` bit of an entry's extended flags (`git add -N`).
const INTENT_TO_ADD: u16 = 0x2000;

/// The row of an entry: `entry` is its bytes from the start (at least the fixed
/// part), `flags` and `extended` its flags, `path` its whole path.
fn row(entry: &[u8], flags: u16, extended: u16, path: &[u8]) -> Row {
    Row {
        hidden: flags & ASSUME_VALID != 0 || extended & SKIP_WORKTREE != 0,
        path: path.to_vec(),
        id: entry[40..40 + HASH_LEN].try_into().unwrap_or_default(),
        mode: u32::from_be_bytes(entry[24..28].try_into().unwrap_or_default()),
        stage: (flags >> 12) & 0x3,
        recorded: recorded(entry, extended),
    }
}

/// The stat data at the start of an entry's bytes, unless the entry is
/// intent-to-add (its stat data is not that of a staged blob).
fn recorded(entry: &[u8], extended: u16) -> Option<Recorded> {
    if extended & INTENT_TO_ADD != 0 {
        return None;
    }
    let word = |i: usize| u32::from_be_bytes(entry[i..i + 4].try_into().unwrap_or_default());
    Some(Recorded {
        ctime: (word(0), word(4)),
        mtime: (word(8), word(12)),
        dev: word(16),
        ino: word(20),
        uid: word(28),
        gid: word(32),
        size: word(36),
    })
}

/// One folder of the cache tree: its name, entry count (-1 when invalid), its tree id
/// when valid, and its subfolders in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheNode {
    name: Vec<u8>,
    entries: i64,
    id: Option<[u8; HASH_LEN]>,
    children: Vec<CacheNode>,
}

impl IndexFile {
    /// The cache tree's node of the folder at `path` as this index holds it, valid
    /// or not; `None` without a cache tree or such a node. Only that node is built,
    /// as the hook builds it ([`IndexView::cache_node`]).
    pub fn cache_node(&self, path: &str) -> Option<CacheNode> {
        let (_, range) = self.extensions.iter().find(|(sig, _)| sig == b"TREE")?;
        view::cache_node_in(&self.bytes[range.clone()], path)
    }

    fn span(&self, start: u32) -> Span {
        entry_span(&self.bytes, start as usize).unwrap_or(Span {
            range: 0..0,
            path: 0..0,
            stage: 0,
        })
    }

    fn path_at(&self, start: u32) -> &[u8] {
        &self.bytes[self.span(start).path]
    }
}

/// Opens the index file at `path`; `None` when there is none (a repository
/// before its first `git add`), which every reader treats as an empty index.
fn open_index(path: &Path) -> Result<Option<fs::File>> {
    match fs::File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// What git says of the index file at `path` when it would refuse to read it (its
/// own words from `read-cache.c`: too short for a header and checksum, not an
/// index, a version it does not know); `None` when git reads it, or it is missing.
pub fn damage(path: &Path) -> Option<String> {
    let mut file = fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    if size < (12 + HASH_LEN) as u64 {
        return Some("index file smaller than expected".into());
    }
    let mut header = [0u8; 8];
    std::io::Read::read_exact(&mut file, &mut header).ok()?;
    let word = |i: usize| u32::from_be_bytes(header[i..i + 4].try_into().unwrap_or_default());
    if &header[..4] != b"DIRC" {
        return Some(format!("bad signature 0x{:08x}", word(0)));
    }
    (!(2..=4).contains(&word(4))).then(|| format!("bad index version {}", word(4)))
}

impl IndexFile {
    /// Reads the index at `path`; `None` when it is in a format this module does not
    /// splice (or missing), so the caller uses libgit2 instead.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        let Some(file) = open_index(path)? else {
            return Ok(None);
        };
        Ok(parse(map_index(&file, path)?))
    }

    /// The staged stat data of `path` at stage 0.
    pub fn stat(&self, path: &[u8]) -> Option<Stat> {
        let at = self
            .entries
            .binary_search_by(|&e| {
                let span = self.span(e);
                (&self.bytes[span.path], span.stage).cmp(&(path, 0))
            })
            .ok()?;
        let b = &self.bytes[self.span(self.entries[at]).range];
        let word = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Some(Stat {
            mtime: word(8),
            mtime_nsec: word(12),
            ino: word(20),
            size: word(36),
            id: b[40..40 + HASH_LEN].try_into().unwrap_or_default(),
        })
    }

    /// Every entry whose path starts with `prefix`, in index order.
    pub fn rows_under(&self, prefix: &[u8]) -> Vec<Row> {
        let first = self.entries.partition_point(|&e| self.path_at(e) < prefix);
        self.entries[first..]
            .iter()
            .map(|&e| self.span(e))
            .take_while(|e| self.bytes[e.path.clone()].starts_with(prefix))
            .map(|e| {
                let b = &self.bytes[e.range.clone()];
                let flags = u16::from_be_bytes(b[60..62].try_into().unwrap_or_default());
                let extended = match flags & EXTENDED_FLAG {
                    0 => 0,
                    _ => u16::from_be_bytes(b[62..64].try_into().unwrap_or_default()),
                };
                row(b, flags, extended, &self.bytes[e.path.clone()])
            })
            .collect()
    }
}

impl CacheNode {
    /// A valid node: a folder whose index entries (`entries`, counted recursively)
    /// are exactly the tree `id`; `children` must be its subfolders, which this
    /// sorts as git's cache tree keeps them (by name length, then bytes).
    pub fn valid(
        name: &[u8],
        entries: i64,
        id: [u8; HASH_LEN],
        mut children: Vec<CacheNode>,
    ) -> Self {
        children.sort_by(|a, b| {
            a.name
                .len()
                .cmp(&b.name.len())
                .then_with(|| a.name.cmp(&b.name))
        });
        Self {
            name: name.to_vec(),
            entries,
            id: Some(id),
            children,
        }
    }

    /// The number of index entries the node covers, when valid.
    pub fn entry_count(&self) -> i64 {
        self.entries
    }

    /// The node of the folder at `path` (`a/b`) below this one.
    pub fn find(&self, path: &str) -> Option<&CacheNode> {
        path.split('/')
            .filter(|part| !part.is_empty())
            .try_fold(self, |node, part| node.child(part.as_bytes()))
    }

    /// The node of the subfolder `name` of this one (children are kept sorted).
    pub fn child(&self, name: &[u8]) -> Option<&CacheNode> {
        let key = (name.len(), name);
        let at = self
            .children
            .binary_search_by(|c| (c.name.len(), c.name.as_slice()).cmp(&key))
            .ok()?;
        Some(&self.children[at])
    }

    /// The folder's tree id, when the cache still vouches for it.
    pub fn valid_id(&self) -> Option<[u8; HASH_LEN]> {
        self.id.filter(|_| self.entries >= 0)
    }

    fn invalidate(&mut self) {
        self.entries = -1;
        self.id = None;
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.name);
        out.push(0);
        out.extend_from_slice(format!("{} {}\n", self.entries, self.children.len()).as_bytes());
        if let Some(id) = &self.id {
            out.extend_from_slice(id);
        }
        for child in &self.children {
            child.write(out);
        }
    }
}

/// What [`view_rows`] reads: the entries under the prefix and, when the cache tree
/// holds the folder, its entry count and tree id (hex; `None` when invalidated).
pub type ViewedFolder = (Vec<StagedEntry>, Option<(i64, Option<String>)>);

/// Reads index-file bytes as the hook does (see [`IndexView`]): the entry point of
/// the `index_view` fuzz target and of the tests against indexes real git wrote.
/// `None` when the format is one left to libgit2 and git (a split or sparse index,
/// an extension a reader must understand, malformed bytes).
pub fn view_rows(bytes: Vec<u8>, dir: &str) -> Option<ViewedFolder> {
    let view = IndexView::from_bytes(bytes)?;
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let rows = view.rows_under(prefix.as_bytes())?;
    let node = view
        .cache_node(dir)
        .map(|n| (n.entry_count(), n.valid_id().map(|id| hex(&id))));
    Some((rows.into_iter().map(staged_entry).collect(), node))
}

fn hex(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn staged_entry(r: Row) -> StagedEntry {
    let id = hex(&r.id);
    (r.path, r.stage, r.mode, id)
}

/// One staged entry as [`round_trip`] reports it: path, stage, mode, blob id (hex).
pub type StagedEntry = (Vec<u8>, u16, u32, String);

/// Reads index-file bytes as the splice reads them and writes them back with nothing
/// changed: the entry point of the `index` fuzz target and of the tests against
/// indexes real git wrote. `None` when the format is one this crate leaves to libgit2
/// (version 4, a split or sparse index, SHA-256); else every entry read and the bytes
/// the splice would write.
pub fn round_trip(bytes: Vec<u8>) -> Option<(Vec<StagedEntry>, Vec<u8>)> {
    let file = parse(Bytes::Owned(bytes))?;
    let entries = file.rows_under(b"").into_iter().map(staged_entry).collect();
    let out = file.spliced(&Default::default(), Vec::new(), None);
    Some((entries, out))
}
