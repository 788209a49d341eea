//! Object ids computed here, as git computes them: what both the object store
//! (`object.rs`) and the tree editor (`tree_edit.rs`) need, kept apart so that
//! neither imports the other for it.

use sha1::{Digest, Sha1};

use super::Oid;

/// The id git gives an object of this kind (`blob`, `tree`) with these bytes: the
/// SHA-1 of its header and bytes.
pub(super) fn hash_object(kind: &str, bytes: &[u8]) -> Oid {
    let mut hasher = Sha1::new();
    hasher.update(format!("{kind} {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    Oid::from_bytes(&hasher.finalize()).expect("a SHA-1 digest is 20 bytes, an Oid's length")
}
