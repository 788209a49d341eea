//! Reading the index without parsing all of it, for `check --staged` (the
//! pre-commit hook) on large repositories: the file is mapped, not copied (as git
//! maps it); the extensions are found through `EOIE` when git wrote it, else by
//! hopping over the entries without decoding them; the entries under a folder are
//! decoded from the first entry until the folder ends (`.workflow/` sorts before
//! almost every path); and only the folder's node of the cache tree is built.
//!
//! `IEOT`, git's table of entry offsets for threaded reads, is not used: without
//! verifying the whole file's checksum (which would cost what this reader saves), a
//! table that disagrees with the entries cannot be told from one that agrees, and
//! for a version 4 index a block read from its start and the same block read in
//! sequence can then give different paths (the fuzz target found both). It would
//! save decoding only the few entries that sort before `.workflow/`. Versions 2, 3 and 4 (path-compressed) are read; a split or sparse index,
//! or any extension git says a reader must understand, makes [`IndexView::open`]
//! return `None` so the caller falls back.

use anyhow::Result;
use sha1::{Digest, Sha1};
use std::path::Path;

use super::decode::read_node;
use super::{Bytes, CacheNode, ENTRY_FIXED, EXTENDED_FLAG, HASH_LEN, Row, map_index};

/// The `EOIE` extension: header, 4-byte offset, hash of the extension headers.
const EOIE_LEN: usize = 8 + 4 + HASH_LEN;

/// An index file opened for reading parts of it.
pub struct IndexView {
    bytes: Bytes,
    version: u32,
    count: usize,
    /// Where the entries end and the extensions begin.
    entries_end: usize,
    extensions: Vec<([u8; 4], std::ops::Range<usize>)>,
}

/// One entry as it lies in the file: where it ends, its flags and its path bytes
/// (for version 4: how much of the previous path it keeps, and the rest).
struct Entry<'a> {
    next: usize,
    flags: u16,
    extended: u16,
    strip: usize,
    suffix: &'a [u8],
}

impl IndexView {
    /// Maps the index at `path`; `None` when it is missing or in a form this reader
    /// leaves to libgit2 and git (see the module documentation).
    pub fn open(path: &Path) -> Result<Option<Self>> {
        let Some(file) = super::open_index(path)? else {
            return Ok(None);
        };
        Ok(Self::read(map_index(&file, path)?))
    }

    /// The same over bytes in memory: the entry point of the `index_view` fuzz target
    /// and of the tests against indexes git wrote.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        Self::read(Bytes::Owned(bytes))
    }

    fn read(bytes: Bytes) -> Option<Self> {
        if bytes.len() < 12 + HASH_LEN || &bytes[..4] != b"DIRC" {
            return None;
        }
        let version = word(&bytes, 4)?;
        let count = word(&bytes, 8)? as usize;
        let end = bytes.len() - HASH_LEN;
        if !(2..=4).contains(&version) || count > (end - 12) / ENTRY_FIXED {
            return None;
        }
        let entries_end = match end_of_entries_recorded(&bytes) {
            Some(at) => at,
            None => hop_over_entries(&bytes[..end], version, count)?,
        };
        let extensions = extensions(&bytes[..end], entries_end)?;
        let required = |sig: &[u8; 4]| !sig[0].is_ascii_uppercase();
        if extensions.iter().any(|(sig, _)| required(sig)) {
            return None;
        }
        Some(Self {
            bytes,
            version,
            count,
            entries_end,
            extensions,
        })
    }
}

/// Where `EOIE` says the entries end, when git wrote it and its hash of the
/// extension headers that follow matches (else it is stale or not one).
fn end_of_entries_recorded(bytes: &[u8]) -> Option<usize> {
    let at = bytes.len().checked_sub(HASH_LEN + EOIE_LEN)?;
    let ext = &bytes[at..at + EOIE_LEN];
    if &ext[..4] != b"EOIE" || word(ext, 4)? as usize != EOIE_LEN - 8 {
        return None;
    }
    let offset = word(ext, 8)? as usize;
    if offset < 12 || offset > at {
        return None;
    }
    let mut hash = Sha1::new();
    let mut next = offset;
    while next < at {
        let header = bytes.get(next..next + 8)?;
        hash.update(header);
        next += 8 + word(header, 4)? as usize;
    }
    (next == at && hash.finalize()[..] == ext[12..]).then_some(offset)
}

/// Where the `count` entries in `bytes` (the file without its checksum) end, found
/// by stepping over each one's fixed part and path.
fn hop_over_entries(bytes: &[u8], version: u32, count: usize) -> Option<usize> {
    let mut at = 12;
    for _ in 0..count {
        at = match short_entry_end(bytes, at, version) {
            Some(next) => next,
            None => entry(bytes, version, at)?.next,
        };
    }
    Some(at)
}

impl IndexView {
    /// The entry starting at `at`, checked to lie before the extensions.
    fn entry_at(&self, at: usize) -> Option<Entry<'_>> {
        entry(&self.bytes[..self.entries_end], self.version, at)
    }

    /// Every entry whose path starts with `prefix`, in index order; `None` when the
    /// entries are malformed. Decoding stops at the first path past the prefix.
    pub fn rows_under(&self, prefix: &[u8]) -> Option<Vec<Row>> {
        let mut at = 12;
        let mut path: Vec<u8> = Vec::new();
        let mut rows = Vec::new();
        for _ in 0..self.count {
            let entry = self.entry_at(at)?;
            let keep = path.len().checked_sub(entry.strip)?;
            path.truncate(if self.version == 4 { keep } else { 0 });
            path.extend_from_slice(entry.suffix);
            if path.starts_with(prefix) {
                rows.push(self.row(at, &entry, &path));
            } else if path.as_slice() > prefix {
                break;
            }
            at = entry.next;
        }
        Some(rows)
    }

    /// The entry at exactly `path` (its last stage), found by the same walk as
    /// [`IndexView::rows_under`], which stops at the first path past it: the
    /// `.workflow` entry itself, which is there only when it is a link or a
    /// submodule. `None` inside when there is none, outside when the entries are
    /// malformed.
    pub fn row_at(&self, path: &[u8]) -> Option<Option<Row>> {
        let mut at = 12;
        let mut current: Vec<u8> = Vec::new();
        let mut found = None;
        for _ in 0..self.count {
            let entry = self.entry_at(at)?;
            let keep = current.len().checked_sub(entry.strip)?;
            current.truncate(if self.version == 4 { keep } else { 0 });
            current.extend_from_slice(entry.suffix);
            if current.as_slice() == path {
                found = Some(self.row(at, &entry, &current));
            } else if current.as_slice() > path {
                break;
            }
            at = entry.next;
        }
        Some(found)
    }

    fn row(&self, at: usize, entry: &Entry<'_>, path: &[u8]) -> Row {
        super::row(
            &self.bytes[at..at + ENTRY_FIXED],
            entry.flags,
            entry.extended,
            path,
        )
    }

    fn extension(&self, signature: &[u8; 4]) -> Option<&[u8]> {
        let (_, range) = self.extensions.iter().find(|(sig, _)| sig == signature)?;
        Some(&self.bytes[range.clone()])
    }

    /// The cache-tree node of the folder `dir` (`""` for the root) with its
    /// subfolders, when the index has a readable cache tree holding it. The folders
    /// before it are stepped over without being built.
    pub fn cache_node(&self, dir: &str) -> Option<CacheNode> {
        cache_node_in(self.extension(b"TREE")?, dir)
    }
}

/// The node of the folder `dir` in the cache tree `data` (a `TREE` extension's
/// bytes), built with its subfolders; the folders before it are stepped over.
pub(super) fn cache_node_in(data: &[u8], dir: &str) -> Option<CacheNode> {
    let mut at = 0;
    for part in dir.split('/').filter(|part| !part.is_empty()) {
        at = child_at(data, at, part.as_bytes())?;
    }
    read_node(data, &mut at)
}

/// Where the subfolder `name` of the cache-tree node at `node` starts.
fn child_at(data: &[u8], node: usize, name: &[u8]) -> Option<usize> {
    let mut at = node;
    let header = node_header(data, &mut at)?;
    for _ in 0..header.subtrees {
        let start = at;
        let child = node_header(data, &mut at)?;
        if child.name == name {
            return Some(start);
        }
        skip_subtrees(data, &mut at, child.subtrees, 0)?;
    }
    None
}

/// The entry of a version-`version` index starting at `at` in `bytes` (the entries'
/// part of the file, or an upper bound of it), checked to end within them.
fn entry(bytes: &[u8], version: u32, at: usize) -> Option<Entry<'_>> {
    let flags = u16::from_be_bytes(bytes.get(at + 60..at + 62)?.try_into().ok()?);
    let (extended, mut path_at) = match flags & EXTENDED_FLAG {
        0 => (0, at + ENTRY_FIXED),
        _ => (
            u16::from_be_bytes(bytes.get(at + 62..at + 64)?.try_into().ok()?),
            at + ENTRY_FIXED + 2,
        ),
    };
    let strip = match version {
        4 => varint(bytes, &mut path_at)?,
        _ => 0,
    };
    let len = match (version, usize::from(flags & 0xfff)) {
        (4, _) | (_, 0xfff) => bytes.get(path_at..)?.iter().position(|&b| b == 0)?,
        (_, len) => len,
    };
    let suffix = bytes.get(path_at..path_at + len)?;
    if bytes.get(path_at + len) != Some(&0) {
        return None;
    }
    let next = match version {
        4 => path_at + len + 1,
        _ => at + ((path_at - at + len + 8) & !7),
    };
    (next <= bytes.len()).then_some(Entry {
        next,
        flags,
        extended,
        strip,
        suffix,
    })
}

/// Where a version 2 or 3 entry with a path shorter than 4095 bytes ends, read
/// from its flags alone (the hop's common case; [`entry`] does the
/// rest).
fn short_entry_end(bytes: &[u8], at: usize, version: u32) -> Option<usize> {
    let flags = bytes.get(at + 60..at + 62)?;
    let flags = u16::from_be_bytes([flags[0], flags[1]]);
    let len = usize::from(flags & 0xfff);
    if version == 4 || len == 0xfff {
        return None;
    }
    let path_end = at + ENTRY_FIXED + len + if flags & EXTENDED_FLAG != 0 { 2 } else { 0 };
    let next = at + ((path_end - at + 8) & !7);
    (next <= bytes.len() && bytes.get(path_end) == Some(&0)).then_some(next)
}

/// The fixed part of one cache-tree node; `at` moves past it.
struct NodeHeader<'a> {
    name: &'a [u8],
    subtrees: usize,
}

fn node_header<'a>(data: &'a [u8], at: &mut usize) -> Option<NodeHeader<'a>> {
    let name_end = *at + data.get(*at..)?.iter().position(|&b| b == 0)?;
    let name = &data[*at..name_end];
    let line_start = name_end + 1;
    let line_end = line_start + data.get(line_start..)?.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&data[line_start..line_end]).ok()?;
    let (entries, subtrees) = line.split_once(' ')?;
    let entries: i64 = entries.parse().ok()?;
    *at = line_end + 1 + if entries >= 0 { HASH_LEN } else { 0 };
    (*at <= data.len()).then_some(NodeHeader {
        name,
        subtrees: subtrees.parse().ok()?,
    })
}

/// The deepest nesting stepped over: deeper than any path git can check out.
const MAX_DEPTH: usize = 4096;

fn skip_subtrees(data: &[u8], at: &mut usize, count: usize, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    for _ in 0..count {
        let node = node_header(data, at)?;
        skip_subtrees(data, at, node.subtrees, depth + 1)?;
    }
    Some(())
}

/// Each extension's signature and data from `at` to `end`; `None` when they do
/// not tile that space exactly.
fn extensions(bytes: &[u8], mut at: usize) -> Option<Vec<([u8; 4], std::ops::Range<usize>)>> {
    let mut found = Vec::new();
    while at < bytes.len() {
        let signature: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        let size = word(bytes, at + 4)? as usize;
        let data = at + 8..(at + 8).checked_add(size)?;
        if data.end > bytes.len() {
            return None;
        }
        found.push((signature, data.clone()));
        at = data.end;
    }
    Some(found)
}

/// A big-endian 32-bit word at `at`.
fn word(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// git's offset varint (`varint.c`), as version 4 stores how much of the previous
/// path an entry drops.
fn varint(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let mut byte = *bytes.get(*at)?;
    *at += 1;
    let mut value = usize::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        byte = *bytes.get(*at)?;
        *at += 1;
        value = value
            .checked_add(1)?
            .checked_mul(128)?
            .checked_add(usize::from(byte & 0x7f))?;
    }
    Some(value)
}
