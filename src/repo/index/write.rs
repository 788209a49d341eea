//! Writing an index file back in one pass: entries spliced, the cache tree kept
//! with the touched folders invalidated. The untouched entries are copied from the
//! mapped file as the runs they lie in, straight into the writer (`IndexLock`
//! hands it the lock file), and the checksum is taken from the same bytes on
//! another core: a large index is never built a second time in memory.

use sha1::{Digest, Sha1};
use std::collections::{BTreeSet, HashSet};
use std::io::{self, Write};
use std::ops::Range;

use super::{CacheNode, ENTRY_FIXED, IndexFile, NewEntry, read_node};

/// One piece of the spliced entries: a run of the old file's entries, or a new
/// entry's bytes among the freshly encoded ones.
enum Piece {
    Old(Range<usize>),
    Fresh(Range<usize>),
}

impl IndexFile {
    /// The bytes of the index with every stage of `removed` paths dropped and
    /// `added` put in, keeping every other entry byte for byte, checksum included
    /// (see [`IndexFile::write_spliced`]).
    pub fn spliced(
        &self,
        removed: &BTreeSet<Vec<u8>>,
        added: Vec<NewEntry>,
        primed: Option<CacheNode>,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + added.len() * 96);
        self.write_spliced(removed, added, primed, &mut out)
            .expect("writing to memory cannot fail");
        out
    }

    /// Writes the index with every stage of `removed` paths dropped and `added` put
    /// in to `out`, keeping every other entry byte for byte, and the checksum of all
    /// of it last. The cache tree is kept with the touched folders invalidated;
    /// extensions that describe entry offsets or the work tree (untracked cache,
    /// fsmonitor) are dropped and rebuilt by git when it next needs them.
    ///
    /// With `primed`, the cache tree's node of that top-level folder is replaced by a
    /// valid one (the caller vouches that the index now matches it), so git and
    /// `check` can skip the folder at once instead of walking it until the next commit.
    pub fn write_spliced<W: Write>(
        &self,
        removed: &BTreeSet<Vec<u8>>,
        mut added: Vec<NewEntry>,
        primed: Option<CacheNode>,
        mut out: W,
    ) -> io::Result<W> {
        added.sort_by(|a, b| a.path.cmp(&b.path));
        let mut fresh = Vec::new();
        let (pieces, count) = self.pieces(removed, &added, &mut fresh);
        let header = [&self.bytes[..8], &count.to_be_bytes()[..]].concat();
        let touched: Vec<&[u8]> = removed
            .iter()
            .map(Vec::as_slice)
            .chain(added.iter().map(|e| e.path.as_slice()))
            .collect();
        let tail = self.extensions_kept(&touched, primed.as_ref());
        let parts: Vec<&[u8]> = [header.as_slice()]
            .into_iter()
            .chain(pieces.into_iter().map(|piece| match piece {
                Piece::Old(run) => &self.bytes[run],
                Piece::Fresh(encoded) => &fresh[encoded],
            }))
            .chain([tail.as_slice()])
            .collect();
        let digest = checksum_beside(&parts, || parts.iter().try_for_each(|p| out.write_all(p)))?;
        out.write_all(&digest)?;
        Ok(out)
    }

    /// The extensions the spliced index keeps, as they are written: the cache tree
    /// with the touched folders invalidated (and `primed` put in), the resolve-undo
    /// data as it was; the others describe entry offsets or the work tree.
    fn extensions_kept(&self, touched: &[&[u8]], primed: Option<&CacheNode>) -> Vec<u8> {
        let mut tail = Vec::new();
        for (signature, range) in &self.extensions {
            let data = &self.bytes[range.clone()];
            let kept = match signature {
                b"TREE" => invalidate_cache_tree(data, touched, primed),
                b"REUC" => data.to_vec(),
                _ => Vec::new(),
            };
            if !kept.is_empty() {
                tail.extend_from_slice(signature);
                tail.extend_from_slice(&(kept.len() as u32).to_be_bytes());
                tail.extend_from_slice(&kept);
            }
        }
        tail
    }

    /// The entries of the spliced index as runs of the old file and new entries
    /// (encoded into `fresh`), in git's order, and how many entries that makes.
    /// Each touched path is found by a binary search, so the entries between two of
    /// them are one run, never looked at.
    fn pieces(
        &self,
        removed: &BTreeSet<Vec<u8>>,
        added: &[NewEntry],
        fresh: &mut Vec<u8>,
    ) -> (Vec<Piece>, u32) {
        let start_of = |i: usize| {
            self.entries
                .get(i)
                .map_or(self.entries_end, |&e| e as usize)
        };
        let mut pieces = Vec::new();
        let mut count = self.entries.len();
        let mut next = 0;
        let mut gone = removed.iter().map(Vec::as_slice).peekable();
        let mut new = added.iter().peekable();
        loop {
            let path = match (gone.peek(), new.peek()) {
                (Some(&g), Some(n)) => g.min(n.path.as_slice()),
                (Some(&g), None) => g,
                (None, Some(n)) => n.path.as_slice(),
                (None, None) => break,
            };
            let at = next + self.entries[next..].partition_point(|&e| self.path_at(e) < path);
            if at > next {
                pieces.push(Piece::Old(start_of(next)..start_of(at)));
            }
            next = at;
            while self
                .entries
                .get(next)
                .is_some_and(|&e| self.path_at(e) == path)
            {
                next += 1;
                count -= 1;
            }
            gone.next_if(|&g| g == path);
            if let Some(entry) = new.next_if(|n| n.path.as_slice() == path) {
                let start = fresh.len();
                encode(entry, fresh);
                pieces.push(Piece::Fresh(start..fresh.len()));
                count += 1;
            }
        }
        pieces.push(Piece::Old(start_of(next)..self.entries_end));
        (pieces, count as u32)
    }
}

/// The most bytes hashed on the thread that writes them; past it the checksum is
/// taken on another core while this one writes, which halves a large index's
/// write (hashing and the copy into the file cost about the same).
const HASHED_BESIDE: usize = 1 << 20;

/// The SHA-1 of `parts` in order, as git ends an index file with it, taken while
/// `write` runs: on another core when the parts are large and there is one.
fn checksum_beside(
    parts: &[&[u8]],
    write: impl FnOnce() -> io::Result<()>,
) -> io::Result<sha1::digest::Output<Sha1>> {
    let hash = || {
        let mut hash = Sha1::new();
        parts.iter().for_each(|p| hash.update(p));
        hash.finalize()
    };
    let size: usize = parts.iter().map(|p| p.len()).sum();
    if size <= HASHED_BESIDE || crate::parallel::cores() < 2 {
        write()?;
        return Ok(hash());
    }
    std::thread::scope(|scope| {
        let hashing = scope.spawn(hash);
        write()?;
        Ok(hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Appends one stage-0 entry in the version 2/3 layout: stat data, id, flags, path,
/// NUL padding to a multiple of eight.
fn encode(entry: &NewEntry, out: &mut Vec<u8>) {
    let start = out.len();
    for word in [
        entry.stat.ctime.0,
        entry.stat.ctime.1,
        entry.stat.mtime.0,
        entry.stat.mtime.1,
        entry.stat.dev,
        entry.stat.ino,
        entry.mode,
        entry.stat.uid,
        entry.stat.gid,
        entry.stat.size,
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

/// The cache tree with every folder above a touched path marked invalid, as git's
/// `cache_tree_invalidate_path` does; an unreadable cache tree is dropped (empty).
fn invalidate_cache_tree(data: &[u8], touched: &[&[u8]], primed: Option<&CacheNode>) -> Vec<u8> {
    let mut at = 0;
    let Some(mut root) = read_node(data, &mut at) else {
        return Vec::new();
    };
    if !touched.is_empty() {
        root.invalidate();
        invalidate_below(&mut root, &mut Vec::new(), &folders_above(touched));
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

/// Every folder that holds one of `paths`, however deep (the root, `""`, aside):
/// each path's folders are added from the deepest up, stopping at one already
/// there, whose own folders are then there too.
pub(in crate::repo) fn folders_above<'p>(paths: &[&'p [u8]]) -> HashSet<&'p [u8]> {
    let mut folders = HashSet::new();
    for path in paths {
        let mut folder = *path;
        while let Some(end) = folder.iter().rposition(|&b| b == b'/') {
            folder = &folder[..end];
            if !folders.insert(folder) {
                break;
            }
        }
    }
    folders
}

/// Invalidates the children of `node` (at `path`, its folders joined by `/`) that
/// are among `folders`, and theirs in turn: a child outside them holds no touched
/// path, so nothing below it is looked at.
fn invalidate_below(node: &mut CacheNode, path: &mut Vec<u8>, folders: &HashSet<&[u8]>) {
    for child in &mut node.children {
        let len = path.len();
        if len > 0 {
            path.push(b'/');
        }
        path.extend_from_slice(&child.name);
        if folders.contains(path.as_slice()) {
            child.invalidate();
            invalidate_below(child, path, folders);
        }
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{HASH_LEN, entry_span};
    use super::*;
    use crate::repo::index::Recorded;

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
            stat: Recorded {
                ctime: (1, 2),
                mtime: (3, 4),
                ino: 5,
                size: 6,
                ..Recorded::default()
            },
            mode: 0o100644,
            id: [9; HASH_LEN],
        };
        let mut out = Vec::new();
        encode(&entry, &mut out);
        assert_eq!(out.len(), 72);
        let span = entry_span(&out, 0).unwrap();
        assert_eq!(span.range, 0..72);
        assert_eq!(&out[span.path], b"ab");
    }

    #[test]
    fn a_splice_drops_every_stage_of_a_removed_path_and_puts_entries_in_gits_order() {
        use crate::repo::test_git::{git, git_with};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        for path in ["a", "b/c", "b/d", "m", "z"] {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), "base\n").unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "base"]);
        let stages: String = (1..=3)
            .map(|stage| {
                let id = git_with(
                    root,
                    &["hash-object", "-w", "--stdin"],
                    &[],
                    &format!("{stage}\n"),
                );
                format!("100644 {} {stage}\tm\n", id.trim())
            })
            .collect();
        git(root, &["rm", "-q", "--cached", "m"]);
        git_with(root, &["update-index", "--index-info"], &[], &stages);
        assert_eq!(
            git(root, &["ls-files", "-u", "m"]).lines().count(),
            3,
            "m is conflicted"
        );
        let index = root.join(".git/index");
        let file = super::super::IndexFile::read(&index).unwrap().unwrap();
        let id = |text: &str| -> [u8; HASH_LEN] {
            crate::repo::hash_blob(text.as_bytes())
                .as_bytes()
                .try_into()
                .unwrap()
        };
        let entry = |path: &str| NewEntry {
            path: path.as_bytes().to_vec(),
            stat: Recorded::default(),
            mode: 0o100644,
            id: id("new\n"),
        };
        let removed = [b"b/c".to_vec(), b"m".to_vec()].into_iter().collect();
        let added = vec![entry("b/e"), entry("0first"), entry("b/d"), entry("zz")];
        std::fs::write(&index, file.spliced(&removed, added, None)).unwrap();
        let new = git_with(root, &["hash-object", "-w", "--stdin"], &[], "new\n");
        let new = new.trim();
        let base = crate::repo::hash_blob(b"base\n").to_string();
        let base = base.as_str();
        let listed = git(root, &["ls-files", "-s"]);
        let expected: String = [
            ("0first", new),
            ("a", base),
            ("b/d", new),
            ("b/e", new),
            ("z", base),
            ("zz", new),
        ]
        .iter()
        .map(|(path, id)| format!("100644 {id} 0\t{path}\n"))
        .collect();
        assert_eq!(listed, expected);
        git(root, &["fsck", "--no-progress", "--cache"]);
    }
}

#[cfg(test)]
mod splice_props {
    use super::super::{Bytes, HASH_LEN, Recorded, decode::parse};
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// An index with no entries and no extensions, as git writes one.
    fn empty_index() -> Vec<u8> {
        let mut bytes = b"DIRC\0\0\0\x02\0\0\0\0".to_vec();
        let digest = Sha1::digest(&bytes);
        bytes.extend_from_slice(&digest);
        bytes
    }

    fn entry(path: &str, id: u8) -> NewEntry {
        NewEntry {
            path: path.as_bytes().to_vec(),
            stat: Recorded::default(),
            mode: 0o100644,
            id: [id; HASH_LEN],
        }
    }

    /// The paths and blob ids the index at `bytes` holds, after checking its checksum.
    fn listed(bytes: Vec<u8>) -> Vec<(Vec<u8>, [u8; HASH_LEN])> {
        let (body, sum) = bytes.split_at(bytes.len() - HASH_LEN);
        assert_eq!(Sha1::digest(body)[..], *sum, "the checksum covers the file");
        let file = parse(Bytes::Owned(bytes)).expect("the spliced index parses");
        file.rows_under(b"")
            .into_iter()
            .map(|r| (r.path, r.id))
            .collect()
    }

    fn path() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            ".a",
            ".workflow/x",
            ".workflow/x/y",
            ".workflow/z",
            "a",
            "a/b",
            "a/b/c",
            "a0",
            "b",
            "m/n",
            "src/f1",
            "src/f2",
            "src/g",
            "z",
            "zz",
        ])
        .prop_map(str::to_string)
    }

    #[test]
    fn an_index_past_a_mebibyte_is_hashed_beside_its_write_to_the_same_checksum() {
        let paths: Vec<String> = (0..20_000)
            .map(|i| format!("src/d{}/f{i:05}", i % 7))
            .collect();
        let mut sorted = paths.clone();
        sorted.sort();
        let empty = parse(Bytes::Owned(empty_index())).unwrap();
        let first = paths.iter().map(|p| entry(p, 1)).collect();
        let bytes = empty.spliced(&BTreeSet::new(), first, None);
        assert!(
            bytes.len() > HASHED_BESIDE,
            "large enough to hash on another core"
        );
        let file = parse(Bytes::Owned(bytes)).unwrap();
        let gone = [sorted[0].as_bytes().to_vec()].into_iter().collect();
        let out = file.spliced(
            &gone,
            vec![entry(".workflow/new", 2), entry(&sorted[9], 3)],
            None,
        );
        let expected: Vec<_> = [(".workflow/new".to_string(), 2)]
            .into_iter()
            .chain(
                sorted[1..]
                    .iter()
                    .map(|p| (p.clone(), if *p == sorted[9] { 3 } else { 1 })),
            )
            .map(|(p, id)| (p.into_bytes(), [id; HASH_LEN]))
            .collect();
        assert_eq!(listed(out), expected);
    }

    proptest! {
        /// Splicing runs of old entries and new ones gives exactly the entries a
        /// sorted map gives for the same removals and additions, in git's order.
        #[test]
        fn a_splice_holds_what_a_sorted_map_holds(
            base in prop::collection::btree_map(path(), 0u8..4, 0..12),
            removed in prop::collection::btree_set(path(), 0..6),
            added in prop::collection::btree_map(path(), 4u8..8, 0..6),
        ) {
            let empty = parse(Bytes::Owned(empty_index())).unwrap();
            let first: Vec<NewEntry> = base.iter().map(|(p, &id)| entry(p, id)).collect();
            let file = parse(Bytes::Owned(empty.spliced(&BTreeSet::new(), first, None))).unwrap();
            let gone: BTreeSet<Vec<u8>> = removed.iter().map(|p| p.as_bytes().to_vec()).collect();
            let new: Vec<NewEntry> = added.iter().map(|(p, &id)| entry(p, id)).collect();
            let mut expected: BTreeMap<Vec<u8>, [u8; HASH_LEN]> = base
                .iter()
                .filter(|(p, _)| !removed.contains(*p))
                .map(|(p, &id)| (p.as_bytes().to_vec(), [id; HASH_LEN]))
                .collect();
            expected.extend(added.iter().map(|(p, &id)| (p.as_bytes().to_vec(), [id; HASH_LEN])));
            let expected: Vec<_> = expected.into_iter().collect();
            prop_assert_eq!(listed(file.spliced(&gone, new, None)), expected);
        }
    }
}
