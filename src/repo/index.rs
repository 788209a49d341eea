//! Reads the git index file and writes it back with some entries replaced, in one
//! pass. libgit2 (like git) inserts and removes index entries one at a time in a
//! sorted array, and `.workflow/` sorts before almost everything, so touching ten
//! thousand entries of a large index moved the whole array ten thousand times.
//!
//! Only the formats this module knows byte for byte are spliced: versions 2 and 3,
//! SHA-1, no split index, no sparse index. For anything else [`IndexFile::read`] says
//! so and `repo` falls back to libgit2. Bytes only: no git2 here.

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

const HASH_LEN: usize = 20;
const ENTRY_FIXED: usize = 62;
const EXTENDED_FLAG: u16 = 0x4000;

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
    /// `ctime` seconds and nanoseconds.
    pub ctime: (u32, u32),
    /// `mtime` seconds and nanoseconds.
    pub mtime: (u32, u32),
    /// Device, inode, mode, uid, gid, size: the rest of the stat data.
    pub dev: u32,
    /// Inode.
    pub ino: u32,
    /// `0o100644` or `0o100755`.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size.
    pub size: u32,
    /// The blob id.
    pub id: [u8; HASH_LEN],
}

/// An index file read into memory, with where each entry and extension lies.
pub struct IndexFile {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Where each entry starts; its length and path follow from its flags.
    entries: Vec<u32>,
    extensions: Vec<([u8; 4], Range<usize>)>,
}

/// One entry's place in the file and its path's place within it.
struct Span {
    range: Range<usize>,
    path: Range<usize>,
    stage: u16,
}

impl IndexFile {
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

impl IndexFile {
    /// Reads the index at `path`; `None` when it is in a format this module does not
    /// splice (or missing), so the caller uses libgit2 instead.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(parse(path, bytes))
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

    /// Writes the index back with every stage of `removed` paths dropped and `added`
    /// put in, under `index.lock` as git does, keeping every other entry byte for byte.
    /// The cache tree is kept with the touched folders invalidated; extensions that
    /// describe entry offsets or the work tree (untracked cache, fsmonitor) are dropped
    /// and rebuilt by git when it next needs them.
    ///
    /// With `primed`, the cache tree's node of that top-level folder is replaced by a
    /// valid one (the caller vouches that the index now matches it), so git and
    /// `check` can skip the folder at once instead of walking it until the next commit.
    pub fn write_spliced(
        self,
        removed: &BTreeSet<Vec<u8>>,
        mut added: Vec<NewEntry>,
        primed: Option<CacheNode>,
    ) -> Result<()> {
        added.sort_by(|a, b| a.path.cmp(&b.path));
        let replaced: BTreeSet<&[u8]> = added.iter().map(|e| e.path.as_slice()).collect();
        let mut out = Vec::with_capacity(self.bytes.len() + added.len() * 96);
        out.extend_from_slice(&self.bytes[..12]);
        let mut count: u32 = 0;
        let mut new = added.iter().peekable();
        for &start in &self.entries {
            let entry = self.span(start);
            let path = &self.bytes[entry.path.clone()];
            while let Some(next) = new.next_if(|n| n.path.as_slice() < path) {
                encode(next, &mut out);
                count += 1;
            }
            if removed.contains(path) || replaced.contains(path) {
                continue;
            }
            out.extend_from_slice(&self.bytes[entry.range]);
            count += 1;
        }
        for next in new {
            encode(next, &mut out);
            count += 1;
        }
        out[8..12].copy_from_slice(&count.to_be_bytes());
        let touched: Vec<&[u8]> = removed
            .iter()
            .map(Vec::as_slice)
            .chain(added.iter().map(|e| e.path.as_slice()))
            .collect();
        for (signature, range) in &self.extensions {
            let data = &self.bytes[range.clone()];
            let kept = match signature {
                b"TREE" => Some(invalidate_cache_tree(data, &touched, primed.as_ref())),
                b"REUC" => Some(data.to_vec()),
                _ => None,
            };
            if let Some(data) = kept {
                out.extend_from_slice(signature);
                out.extend_from_slice(&(data.len() as u32).to_be_bytes());
                out.extend_from_slice(&data);
            }
        }
        let digest = sha1_smol::Sha1::from(&out).digest().bytes();
        out.extend_from_slice(&digest);
        write_locked(&self.path, &out)
    }
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
}

impl IndexFile {
    /// Every entry whose path starts with `prefix`, in index order.
    pub fn rows_under(&self, prefix: &[u8]) -> Vec<Row> {
        let first = self.entries.partition_point(|&e| self.path_at(e) < prefix);
        self.entries[first..]
            .iter()
            .map(|&e| self.span(e))
            .take_while(|e| self.bytes[e.path.clone()].starts_with(prefix))
            .map(|e| {
                let b = &self.bytes[e.range.clone()];
                Row {
                    path: self.bytes[e.path.clone()].to_vec(),
                    id: b[40..40 + HASH_LEN].try_into().unwrap_or_default(),
                    mode: u32::from_be_bytes(b[24..28].try_into().unwrap_or_default()),
                    stage: e.stage,
                }
            })
            .collect()
    }

    /// The cache tree, when the index has a readable one.
    pub fn cache_tree(&self) -> Option<CacheNode> {
        let (_, range) = self.extensions.iter().find(|(sig, _)| sig == b"TREE")?;
        read_node(&self.bytes[range.clone()], &mut 0)
    }
}

/// Parses the header, every entry and the extensions; `None` for anything this
/// module does not write back faithfully.
fn parse(path: &Path, bytes: Vec<u8>) -> Option<IndexFile> {
    if bytes.len() < 12 + HASH_LEN || &bytes[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(bytes[4..8].try_into().ok()?);
    if version != 2 && version != 3 {
        return None;
    }
    let count = u32::from_be_bytes(bytes[8..12].try_into().ok()?) as usize;
    let end = bytes.len() - HASH_LEN;
    if end > u32::MAX as usize {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    let mut at = 12;
    for _ in 0..count {
        let span = entry_span(&bytes[..end], at)?;
        entries.push(at as u32);
        at = span.range.end;
    }
    let mut extensions = Vec::new();
    while at < end {
        let signature: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        let size = u32::from_be_bytes(bytes.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        let data = at + 8..at + 8 + size;
        if data.end > end
            || signature == *b"link"
            || signature == *b"sdir"
            || signature[0].is_ascii_lowercase()
        {
            return None;
        }
        extensions.push((signature, data.clone()));
        at = data.end;
    }
    if at != end {
        return None;
    }
    Some(IndexFile {
        path: path.to_path_buf(),
        bytes,
        entries,
        extensions,
    })
}

/// Where the entry starting at `at` ends, and where its path lies: the flags give
/// the path's length (up to 0xFFF; longer paths are found by their NUL).
fn entry_span(bytes: &[u8], at: usize) -> Option<Span> {
    let flags = u16::from_be_bytes(bytes.get(at + 60..at + 62)?.try_into().ok()?);
    let path_start = at + ENTRY_FIXED + if flags & EXTENDED_FLAG != 0 { 2 } else { 0 };
    let path_len = match usize::from(flags & 0xfff) {
        0xfff => bytes.get(path_start..)?.iter().position(|&b| b == 0)?,
        len => len,
    };
    let len = (path_start - at + path_len + 8) & !7;
    let range = at..at + len;
    if range.end > bytes.len() || bytes.get(path_start + path_len) != Some(&0) {
        return None;
    }
    Some(Span {
        range,
        path: path_start..path_start + path_len,
        stage: (flags >> 12) & 0x3,
    })
}

/// Appends one stage-0 entry in the version 2/3 layout: stat data, id, flags, path,
/// NUL padding to a multiple of eight.
fn encode(entry: &NewEntry, out: &mut Vec<u8>) {
    let start = out.len();
    for word in [
        entry.ctime.0,
        entry.ctime.1,
        entry.mtime.0,
        entry.mtime.1,
        entry.dev,
        entry.ino,
        entry.mode,
        entry.uid,
        entry.gid,
        entry.size,
    ] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(&entry.id);
    let flags = entry.path.len().min(0xfff) as u16;
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&entry.path);
    let len = (ENTRY_FIXED + entry.path.len() + 8) & !7;
    out.resize(start + len, 0);
}

/// One folder of the cache tree: its name, entry count (-1 when invalid), its tree id
/// when valid, and its subfolders in order.
#[derive(Debug, Clone)]
pub struct CacheNode {
    name: Vec<u8>,
    entries: i64,
    id: Option<[u8; HASH_LEN]>,
    children: Vec<CacheNode>,
}

/// The cache tree with every folder above a touched path marked invalid, as git's
/// `cache_tree_invalidate_path` does; an unreadable cache tree is dropped (empty).
fn invalidate_cache_tree(data: &[u8], touched: &[&[u8]], primed: Option<&CacheNode>) -> Vec<u8> {
    let mut at = 0;
    let Some(mut root) = read_node(data, &mut at) else {
        return Vec::new();
    };
    for path in touched {
        let mut node = &mut root;
        node.invalidate();
        let mut parts: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
        parts.pop();
        for part in parts {
            match node.children.iter_mut().find(|c| c.name == part) {
                Some(child) => {
                    child.invalidate();
                    node = child;
                }
                None => break,
            }
        }
    }
    if let Some(primed) = primed
        && let Some(slot) = root.children.iter_mut().find(|c| c.name == primed.name)
    {
        *slot = primed.clone();
    }
    let mut out = Vec::with_capacity(data.len());
    root.write(&mut out);
    out
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
            .try_fold(self, |node, part| {
                node.children.iter().find(|c| c.name == part.as_bytes())
            })
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

fn read_node(data: &[u8], at: &mut usize) -> Option<CacheNode> {
    let name_end = *at + data.get(*at..)?.iter().position(|&b| b == 0)?;
    let name = data[*at..name_end].to_vec();
    *at = name_end + 1;
    let line_end = *at + data.get(*at..)?.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&data[*at..line_end]).ok()?;
    let (entries, subtrees) = line.split_once(' ')?;
    let entries: i64 = entries.parse().ok()?;
    let subtrees: usize = subtrees.parse().ok()?;
    *at = line_end + 1;
    let id = if entries >= 0 {
        let id: [u8; HASH_LEN] = data.get(*at..*at + HASH_LEN)?.try_into().ok()?;
        *at += HASH_LEN;
        Some(id)
    } else {
        None
    };
    let mut children = Vec::with_capacity(subtrees);
    for _ in 0..subtrees {
        children.push(read_node(data, at)?);
    }
    Some(CacheNode {
        name,
        entries,
        id,
        children,
    })
}

/// Writes `bytes` to `path` the way git does: into `<path>.lock`, created exclusively,
/// then renamed over the index. A held lock is another git process at work.
fn write_locked(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} exists: another git process seems to be running in this repository; if none is, remove the file and run `git workflow status`",
            lock.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("creating {}", lock.display())),
    };
    let written = file.write_all(bytes).and_then(|()| file.flush());
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&lock, path)) {
        let _ = fs::remove_file(&lock);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_tree_folders_above_a_touched_path_are_invalidated_and_others_kept() {
        let id = [7u8; HASH_LEN];
        let mut data = Vec::new();
        for (name, entries, subtrees) in [("", 3, 2), ("a", 1, 0), ("b", 1, 1), ("c", 1, 0)] {
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(format!("{entries} {subtrees}\n").as_bytes());
            data.extend_from_slice(&id);
        }
        let out = invalidate_cache_tree(&data, &[b"b/c/file"], None);
        let mut at = 0;
        let root = read_node(&out, &mut at).unwrap();
        assert_eq!(at, out.len());
        assert_eq!(root.entries, -1);
        assert_eq!(root.children[0].entries, 1, "a is untouched");
        assert_eq!(root.children[1].entries, -1);
        assert_eq!(root.children[1].children[0].entries, -1);
    }

    #[test]
    fn entries_are_padded_to_eight_bytes_with_at_least_one_nul() {
        let entry = NewEntry {
            path: b"ab".to_vec(),
            ctime: (1, 2),
            mtime: (3, 4),
            dev: 0,
            ino: 5,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            size: 6,
            id: [9; HASH_LEN],
        };
        let mut out = Vec::new();
        encode(&entry, &mut out);
        assert_eq!(out.len(), 72);
        let span = entry_span(&out, 0).unwrap();
        assert_eq!(span.range, 0..72);
        assert_eq!(&out[span.path], b"ab");
    }
}
