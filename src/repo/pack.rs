//! Writes a version-2 pack file of whole (undeltified) objects, the cheapest way to
//! store thousands of new objects at once (one file instead of one per object), and
//! its version-2 index. Pure byte encoding: the ids are known already (every object
//! was hashed when it was written), so the index is written from them rather than
//! by an indexer inflating and hashing the whole pack again.

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use sha1::{Digest, Sha1};

use super::Oid;

/// The kinds of object a pack entry can hold whole (commits are written by git).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A tree.
    Tree = 2,
    /// A blob.
    Blob = 3,
}

/// One object to pack: its kind, its id and its bytes.
pub type Object = (Kind, Oid, Vec<u8>);

/// A pack and its index, ready to be stored as `pack-<name>.pack` and `.idx`.
pub struct Packed {
    /// The `.pack` file.
    pub pack: Vec<u8>,
    /// The `.idx` file.
    pub index: Vec<u8>,
    /// The pack's name: its SHA-1 trailer in hex, as git and libgit2 name packs.
    pub name: String,
}

/// Where one entry is in the pack, and the CRC-32 of its bytes there.
struct Placed {
    offset: u64,
    crc: u32,
}

/// The pack of `objects` (none twice), in their order, and its index. Deflating is
/// most of the cost (an operation migrating 50,000 sessions packs 150,000 objects),
/// so the objects are shared out to every core, each with one compressor reset
/// between objects rather than one built per object (a compressor is a few hundred
/// kilobytes of tables).
pub fn pack(objects: &[Object]) -> Packed {
    let count = u32::try_from(objects.len()).expect("a pack holds fewer than 2^32 objects");
    let mut bytes = Vec::with_capacity(1 << 20);
    bytes.extend_from_slice(b"PACK");
    bytes.extend_from_slice(&2u32.to_be_bytes());
    bytes.extend_from_slice(&count.to_be_bytes());
    let mut placed = Vec::with_capacity(objects.len());
    for (share, ends) in crate::parallel::on_every_core(objects, entries) {
        let start = bytes.len() as u64;
        placed.extend(ends.into_iter().map(|p| Placed {
            offset: start + p.offset,
            crc: p.crc,
        }));
        bytes.extend_from_slice(&share);
    }
    let digest: [u8; 20] = Sha1::digest(&bytes).into();
    bytes.extend_from_slice(&digest);
    let index = index(objects, &placed, &digest);
    Packed {
        pack: bytes,
        index,
        name: digest.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// One core's share of [`pack`]: its objects' entries, one after another, and where
/// each begins within the share.
fn entries(objects: &[Object]) -> (Vec<u8>, Vec<Placed>) {
    let mut out = Vec::new();
    let mut placed = Vec::with_capacity(objects.len());
    let mut deflate = Compress::new(Compression::fast(), true);
    for (kind, _, data) in objects {
        let start = out.len();
        out.extend_from_slice(&entry_header(*kind, data.len()));
        deflate.reset();
        deflate_into(&mut deflate, data, &mut out);
        let mut crc = Crc::new();
        crc.update(&out[start..]);
        placed.push(Placed {
            offset: start as u64,
            crc: crc.sum(),
        });
    }
    (out, placed)
}

/// The version-2 index of a pack (git's `Documentation/gitformat-pack.txt`): the
/// fan-out table, the ids sorted, their CRC-32s and offsets in that order (an
/// offset past 2^31 - 1 goes to the 8-byte table), the pack's checksum, and the
/// index's own.
fn index(objects: &[Object], placed: &[Placed], pack_checksum: &[u8; 20]) -> Vec<u8> {
    let mut order: Vec<usize> = (0..objects.len()).collect();
    order.sort_unstable_by_key(|&i| objects[i].1);
    let mut out = Vec::with_capacity(8 + 256 * 4 + objects.len() * 28 + 40);
    out.extend_from_slice(b"\xfftOc");
    out.extend_from_slice(&2u32.to_be_bytes());
    let mut fanout = [0u32; 256];
    for (_, id, _) in objects {
        fanout[usize::from(id.as_bytes()[0])] += 1;
    }
    let mut total = 0;
    for count in fanout {
        total += count;
        out.extend_from_slice(&total.to_be_bytes());
    }
    for &i in &order {
        out.extend_from_slice(objects[i].1.as_bytes());
    }
    for &i in &order {
        out.extend_from_slice(&placed[i].crc.to_be_bytes());
    }
    let (small, large) = offset_tables(order.iter().map(|&i| placed[i].offset));
    out.extend_from_slice(&small);
    out.extend_from_slice(&large);
    out.extend_from_slice(pack_checksum);
    let digest: [u8; 20] = Sha1::digest(&out).into();
    out.extend_from_slice(&digest);
    out
}

/// The index's 4-byte offset table and its 8-byte one: an offset that fits in 31
/// bits is written as it is, a larger one as its place in the 8-byte table with the
/// top bit set.
fn offset_tables(offsets: impl Iterator<Item = u64>) -> (Vec<u8>, Vec<u8>) {
    let mut small = Vec::new();
    let mut large = Vec::new();
    for offset in offsets {
        match u32::try_from(offset) {
            Ok(fits) if fits < 0x8000_0000 => small.extend_from_slice(&fits.to_be_bytes()),
            _ => {
                let at = u32::try_from(large.len() / 8).expect("fewer than 2^31 large offsets");
                small.extend_from_slice(&(0x8000_0000 | at).to_be_bytes());
                large.extend_from_slice(&offset.to_be_bytes());
            }
        }
    }
    (small, large)
}

/// Appends `data` as one zlib stream. Deflating into a growing buffer cannot fail:
/// each call either consumes input, writes output or ends the stream.
fn deflate_into(deflate: &mut Compress, data: &[u8], out: &mut Vec<u8>) {
    loop {
        out.reserve(data.len() / 2 + 64);
        let read = usize::try_from(deflate.total_in()).expect("an object fits in memory");
        match deflate.compress_vec(&data[read..], out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return,
            Ok(Status::Ok | Status::BufError) => {}
            Err(e) => unreachable!("deflating into memory failed: {e}"),
        }
    }
}

/// The type-and-size header of a pack entry: 3 bits of type, then the size in 4 bits
/// followed by 7-bit groups, each byte's top bit saying another follows.
fn entry_header(kind: Kind, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    let mut byte = ((kind as u8) << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest > 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(byte);
    out
}

#[cfg(test)]
mod tests {
    use super::super::hash::hash_object;
    use super::super::hash_blob;
    use super::super::test_git::git;
    use super::*;
    use flate2::read::ZlibDecoder;
    use std::io::Read;

    fn blob(bytes: &[u8]) -> Object {
        (Kind::Blob, hash_blob(bytes), bytes.to_vec())
    }

    #[test]
    fn entry_headers_encode_type_and_size_as_git_does() {
        assert_eq!(entry_header(Kind::Blob, 5), vec![0x35]);
        assert_eq!(entry_header(Kind::Tree, 16), vec![0xa0, 0x01]);
        assert_eq!(entry_header(Kind::Tree, 300), vec![0xac, 0x12]);
    }

    #[test]
    fn a_finished_pack_carries_its_count_and_checksum_and_is_named_by_it() {
        let packed = pack(&[blob(b"hello\n")]);
        let bytes = &packed.pack;
        assert_eq!(&bytes[..4], b"PACK");
        assert_eq!(u32::from_be_bytes(bytes[8..12].try_into().unwrap()), 1);
        let (body, trailer) = bytes.split_at(bytes.len() - 20);
        assert_eq!(trailer, &Sha1::digest(body)[..]);
        assert_eq!(
            packed.name,
            Sha1::digest(body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }

    #[test]
    fn the_index_is_the_one_git_index_pack_writes_for_the_same_pack() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "--bare"]);
        let mut objects: Vec<Object> = (0..700)
            .map(|i| blob(format!("对象 {i}\n").repeat(i % 40).as_bytes()))
            .collect();
        let tree = b"100644 a\0\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14".to_vec();
        objects.push((Kind::Tree, hash_object("tree", &tree), tree));
        let mut seen = std::collections::HashSet::new();
        objects.retain(|o| seen.insert(o.1));
        let packed = pack(&objects);
        let file = root.join(format!("pack-{}.pack", packed.name));
        std::fs::write(&file, &packed.pack).unwrap();
        let printed = git(
            root,
            &["index-pack", "-o", "by-git.idx", file.to_str().unwrap()],
        );
        assert_eq!(printed.trim(), packed.name);
        assert_eq!(
            std::fs::read(root.join("by-git.idx")).unwrap(),
            packed.index
        );
    }

    #[test]
    fn offsets_past_two_gigabytes_go_to_the_eight_byte_table() {
        let (small, large) = offset_tables([12, 0x7fff_ffff, 0x8000_0000, 3 << 32].into_iter());
        let words: Vec<u32> = small
            .chunks(4)
            .map(|w| u32::from_be_bytes(w.try_into().unwrap()))
            .collect();
        assert_eq!(words, [12, 0x7fff_ffff, 0x8000_0000, 0x8000_0001]);
        assert_eq!(large[..8], 0x8000_0000u64.to_be_bytes());
        assert_eq!(large[8..], (3u64 << 32).to_be_bytes());
    }

    #[test]
    fn a_reused_compressor_deflates_each_object_whole_and_in_order() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let objects = vec![blob(&big), blob(b""), blob(b"small")];
        let (mut out, placed) = entries(&objects);
        let mut at = 0;
        for ((kind, _, data), place) in objects.iter().zip(&placed) {
            assert_eq!(place.offset, at as u64);
            let header = entry_header(*kind, data.len());
            assert_eq!(&out[..header.len()], header.as_slice());
            let mut decoder = ZlibDecoder::new(&out[header.len()..]);
            let mut inflated = Vec::new();
            decoder.read_to_end(&mut inflated).unwrap();
            assert_eq!(&inflated, data);
            let used = header.len() + usize::try_from(decoder.total_in()).unwrap();
            let mut crc = Crc::new();
            crc.update(&out[..used]);
            assert_eq!(place.crc, crc.sum());
            out.drain(..used);
            at += used;
        }
        assert!(out.is_empty());
    }
}
