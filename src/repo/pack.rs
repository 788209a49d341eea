//! Writes a version-2 pack file of whole (undeltified) objects: the cheapest way to
//! store thousands of new objects at once, one file instead of one per object.
//! Pure byte encoding; `repo` hands the result to libgit2's indexer.

use flate2::{Compress, Compression, FlushCompress, Status};

/// The kinds of object a pack entry can hold whole (commits are written by git).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A tree.
    Tree = 2,
    /// A blob.
    Blob = 3,
}

/// The pack of `objects`, in their order: the header with their count, each one's
/// entry, and the SHA-1 trailer. Deflating is most of the cost (an operation
/// migrating 50,000 sessions packs 150,000 objects), so the objects are shared out
/// to every core, each with one compressor reset between objects rather than one
/// built per object (a compressor is a few hundred kilobytes of tables).
pub fn pack(objects: &[(Kind, Vec<u8>)]) -> Vec<u8> {
    let count = u32::try_from(objects.len()).expect("a pack holds fewer than 2^32 objects");
    let mut bytes = Vec::with_capacity(1 << 20);
    bytes.extend_from_slice(b"PACK");
    bytes.extend_from_slice(&2u32.to_be_bytes());
    bytes.extend_from_slice(&count.to_be_bytes());
    for share in crate::parallel::on_every_core(objects, entries) {
        bytes.extend_from_slice(&share);
    }
    let digest = sha1_smol::Sha1::from(&bytes).digest().bytes();
    bytes.extend_from_slice(&digest);
    bytes
}

/// One core's share of [`pack`]: its objects' entries, one after another.
fn entries(objects: &[(Kind, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut deflate = Compress::new(Compression::fast(), true);
    for (kind, data) in objects {
        out.extend_from_slice(&entry_header(*kind, data.len()));
        deflate.reset();
        deflate_into(&mut deflate, data, &mut out);
    }
    out
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
    use super::*;
    use flate2::read::ZlibDecoder;
    use std::io::Read;

    #[test]
    fn entry_headers_encode_type_and_size_as_git_does() {
        assert_eq!(entry_header(Kind::Blob, 5), vec![0x35]);
        assert_eq!(entry_header(Kind::Tree, 16), vec![0xa0, 0x01]);
        assert_eq!(entry_header(Kind::Tree, 300), vec![0xac, 0x12]);
    }

    #[test]
    fn a_finished_pack_carries_its_count_and_checksum() {
        let bytes = pack(&[(Kind::Blob, b"hello\n".to_vec())]);
        assert_eq!(&bytes[..4], b"PACK");
        assert_eq!(u32::from_be_bytes(bytes[8..12].try_into().unwrap()), 1);
        let (body, trailer) = bytes.split_at(bytes.len() - 20);
        assert_eq!(trailer, sha1_smol::Sha1::from(body).digest().bytes());
    }

    #[test]
    fn a_reused_compressor_deflates_each_object_whole_and_in_order() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let objects = vec![
            (Kind::Blob, big.clone()),
            (Kind::Blob, Vec::new()),
            (Kind::Tree, b"small".to_vec()),
        ];
        let mut out = entries(&objects);
        for (kind, data) in &objects {
            let header = entry_header(*kind, data.len());
            assert_eq!(&out[..header.len()], header.as_slice());
            let mut decoder = ZlibDecoder::new(&out[header.len()..]);
            let mut inflated = Vec::new();
            decoder.read_to_end(&mut inflated).unwrap();
            assert_eq!(&inflated, data);
            let used = header.len() + usize::try_from(decoder.total_in()).unwrap();
            out.drain(..used);
        }
        assert!(out.is_empty());
    }
}
