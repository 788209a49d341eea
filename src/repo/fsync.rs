//! Which files git flushes to the disk before it relies on them (`core.fsync`), so
//! that an operation's pack survives a power loss exactly when a pack `git` wrote in
//! the same repository would: by default git flushes packs and their indexes
//! (`pack`, `pack-metadata`), not loose objects, refs or the index.

use anyhow::Result;

use super::Repo;

/// The `core.fsync` components this crate writes files of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackSync {
    /// `pack`: the `.pack` file.
    pub pack: bool,
    /// `pack-metadata`: its `.idx`.
    pub index: bool,
}

/// git's component bits (`FSYNC_COMPONENT_*` in git's `write-or-die.h`).
const LOOSE_OBJECT: u8 = 1;
const PACK: u8 = 1 << 1;
const PACK_METADATA: u8 = 1 << 2;
const COMMIT_GRAPH: u8 = 1 << 3;
const INDEX: u8 = 1 << 4;
const REFERENCE: u8 = 1 << 5;
const OBJECTS: u8 = LOOSE_OBJECT | PACK;
const DERIVED_METADATA: u8 = PACK_METADATA | COMMIT_GRAPH;
const COMMITTED: u8 = OBJECTS | REFERENCE;
const ADDED: u8 = COMMITTED | INDEX;
const ALL: u8 = ADDED | DERIVED_METADATA;
/// What git flushes when `core.fsync` is unset.
const DEFAULT: u8 = (OBJECTS | DERIVED_METADATA) & !LOOSE_OBJECT;

/// git's component names, in its order (`fsync_component_names` in `config.c`).
const NAMES: [(&str, u8); 11] = [
    ("loose-object", LOOSE_OBJECT),
    ("pack", PACK),
    ("pack-metadata", PACK_METADATA),
    ("commit-graph", COMMIT_GRAPH),
    ("index", INDEX),
    ("objects", OBJECTS),
    ("reference", REFERENCE),
    ("derived-metadata", DERIVED_METADATA),
    ("committed", COMMITTED),
    ("added", ADDED),
    ("all", ALL),
];

/// The components a `core.fsync` value names, exactly as git's
/// `parse_fsync_components` reads it, quirks included: from git's default, `none`
/// clears only as the value's last word, `-name` removes, `name` adds, a word
/// names every component it begins (`pack` is also `pack-metadata`), an unknown
/// word is ignored (git warns), and an empty word ends the list.
fn components(value: &str) -> u8 {
    let (mut current, mut positive, mut negative) = (DEFAULT, 0, 0);
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([',', ' ', '\t', '\n', '\r']);
        if rest == "none" {
            current = 0;
            break;
        }
        let end = rest.find(',').unwrap_or(rest.len());
        let (negated, word) = match rest[..end].strip_prefix('-') {
            Some(word) => (true, word),
            None => (false, &rest[..end]),
        };
        if word.is_empty() {
            break;
        }
        let bits = NAMES
            .iter()
            .filter(|(name, _)| name.starts_with(word))
            .fold(0, |bits, (_, b)| bits | b);
        match negated {
            true => negative |= bits,
            false => positive |= bits,
        }
        rest = &rest[end..];
    }
    (current & !negative) | positive
}

impl Repo {
    /// Whether git would flush a new pack and its index here before using them,
    /// read from `core.fsync` as git reads it (asked of git when the setting may
    /// be where libgit2 does not look).
    pub(super) fn pack_sync(&self) -> Result<PackSync> {
        let value = self.config_string("core.fsync")?;
        let bits = value.as_deref().map_or(DEFAULT, components);
        Ok(PackSync {
            pack: bits & PACK != 0,
            index: bits & PACK_METADATA != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_fsync_is_read_as_git_reads_it_quirks_included() {
        let sync = |value: &str| {
            let bits = components(value);
            (bits & PACK != 0, bits & PACK_METADATA != 0)
        };
        assert_eq!(sync(""), (true, true), "git's default flushes packs");
        assert_eq!(sync("none"), (false, false));
        assert_eq!(sync("-pack-metadata"), (true, false));
        assert_eq!(
            sync("-pack"),
            (false, false),
            "pack begins pack-metadata too"
        );
        assert_eq!(
            sync("none,pack"),
            (true, true),
            "none clears only as the last word"
        );
        assert_eq!(sync("objects,none"), (true, false));
        assert_eq!(sync("-objects"), (false, true));
        assert_eq!(sync("-all,committed"), (true, false), "what is named wins");
        assert_eq!(
            sync("loose,none"),
            (false, false),
            "loose names loose-object"
        );
        assert_eq!(
            sync("no-such-thing"),
            (true, true),
            "an unknown word is ignored"
        );
        assert_eq!(
            sync("-pack,-,pack"),
            (false, false),
            "an empty word ends the list"
        );
    }
}
