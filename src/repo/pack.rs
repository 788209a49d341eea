//! Writes a version-2 pack file of whole (undeltified) objects: the cheapest way to
//! store thousands of new objects at once, one file instead of one per object.
//! Pure byte encoding; `repo` hands the result to libgit2's indexer.

use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::io::Write;

/// The kinds of object a pack entry can hold whole (commits are written by git).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A tree.
    Tree = 2,
    /// A blob.
    Blob = 3,
}

/// A pack being built in memory.
pub struct PackBuilder {
    bytes: Vec<u8>,
    count: u32,
}

impl PackBuilder {
    /// An empty pack (its header's object count is filled in by [`PackBuilder::finish`]).
    pub fn new() -> Self {
        let mut bytes = Vec::with_capacity(1 << 20);
        bytes.extend_from_slice(b"PACK");
        bytes.extend_from_slice(&2u32.to_be_bytes());
        bytes.extend_from_slice(&0u32.to_be_bytes());
        Self { bytes, count: 0 }
    }

    /// Appends one object, deflated.
    pub fn add(&mut self, kind: Kind, data: &[u8]) -> std::io::Result<()> {
        self.bytes
            .extend_from_slice(&entry_header(kind, data.len()));
        let mut deflate = ZlibEncoder::new(&mut self.bytes, Compression::fast());
        deflate.write_all(data)?;
        deflate.finish()?;
        self.count += 1;
        Ok(())
    }

    /// The finished pack: the count in its header and the SHA-1 trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes[8..12].copy_from_slice(&self.count.to_be_bytes());
        let digest = sha1_smol::Sha1::from(&self.bytes).digest().bytes();
        self.bytes.extend_from_slice(&digest);
        self.bytes
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

    #[test]
    fn entry_headers_encode_type_and_size_as_git_does() {
        assert_eq!(entry_header(Kind::Blob, 5), vec![0x35]);
        assert_eq!(entry_header(Kind::Tree, 16), vec![0xa0, 0x01]);
        assert_eq!(entry_header(Kind::Tree, 300), vec![0xac, 0x12]);
    }

    #[test]
    fn a_finished_pack_carries_its_count_and_checksum() {
        let mut pack = PackBuilder::new();
        pack.add(Kind::Blob, b"hello\n").unwrap();
        let bytes = pack.finish();
        assert_eq!(&bytes[..4], b"PACK");
        assert_eq!(u32::from_be_bytes(bytes[8..12].try_into().unwrap()), 1);
        let (body, trailer) = bytes.split_at(bytes.len() - 20);
        assert_eq!(trailer, sha1_smol::Sha1::from(body).digest().bytes());
    }
}
