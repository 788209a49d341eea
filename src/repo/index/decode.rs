//! Reading an index file: the entries' spans, the extensions, the cache tree.

use super::{Bytes, CacheNode, ENTRY_FIXED, EXTENDED_FLAG, HASH_LEN, IndexFile, Span};

/// Parses the header, every entry and the extensions; `None` for anything this
/// module does not write back faithfully.
pub(super) fn parse(bytes: Bytes) -> Option<IndexFile> {
    if bytes.len() < 12 + HASH_LEN || &bytes[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(bytes[4..8].try_into().ok()?);
    if version != 2 && version != 3 {
        return None;
    }
    let count = u32::from_be_bytes(bytes[8..12].try_into().ok()?) as usize;
    let end = bytes.len() - HASH_LEN;
    if end > u32::MAX as usize || count > (end - 12) / ENTRY_FIXED {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    let mut at = 12;
    for _ in 0..count {
        let span = entry_span(&bytes[..end], at)?;
        entries.push(at as u32);
        at = span.range.end;
    }
    let entries_end = at;
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
        bytes,
        entries,
        entries_end,
        extensions,
    })
}

/// Where the entry starting at `at` ends, and where its path lies: the flags give
/// the path's length (up to 0xFFF; longer paths are found by their NUL).
pub(super) fn entry_span(bytes: &[u8], at: usize) -> Option<Span> {
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

/// The deepest cache tree read: deeper than any path git can check out.
const MAX_DEPTH: usize = 4096;

/// One cache-tree node and its subtrees, from `at`; `None` for anything malformed,
/// a count the data cannot hold, or nesting deeper than [`MAX_DEPTH`].
pub(super) fn read_node(data: &[u8], at: &mut usize) -> Option<CacheNode> {
    read_node_at(data, at, 0)
}

fn read_node_at(data: &[u8], at: &mut usize, depth: usize) -> Option<CacheNode> {
    if depth > MAX_DEPTH {
        return None;
    }
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
    let mut children = Vec::with_capacity(subtrees.min(data.len().saturating_sub(*at) / 4));
    for _ in 0..subtrees {
        children.push(read_node_at(data, at, depth + 1)?);
    }
    Some(CacheNode {
        name,
        entries,
        id,
        children,
    })
}
