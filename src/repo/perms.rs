//! `core.sharedRepository`: the permissions git gives every file it writes in the
//! git dir, so that the other members of a shared repository's group can read
//! (and where git allows, write) what an operation wrote. Without it, a umask of
//! 077 leaves the branch, the index and the pack readable by us alone, and the
//! others get "your current branch appears to be broken".

use anyhow::{Context, Result};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::Repo;

/// git's `PERM_GROUP`: group members read and write.
const PERM_GROUP: i32 = 0o660;
/// git's `PERM_EVERYBODY`: group members read and write, others read.
const PERM_EVERYBODY: i32 = 0o664;

impl Repo {
    /// Gives a file this tool wrote in the git dir (the journal, the lock, a ref,
    /// a pack) the permissions git's `adjust_shared_perm` would give it; nothing
    /// to do outside a shared repository.
    pub fn share(&self, path: &Path) -> Result<()> {
        adjust(self.shared_perm(), path)
    }

    /// `core.sharedRepository`, read once.
    pub(super) fn shared_perm(&self) -> i32 {
        *self.shared.get_or_init(|| {
            self.config_string("core.sharedRepository")
                .ok()
                .flatten()
                .map_or(0, |value| parse_shared(&value))
        })
    }
}

/// `adjust_shared_perm` for one file, given the parsed setting; a file that is
/// gone is left alone.
pub(super) fn adjust(shared: i32, path: &Path) -> Result<()> {
    if shared == 0 {
        return Ok(());
    }
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    let mode = meta.permissions().mode() as i32 & 0o7777;
    let wanted = shared_mode(shared, mode);
    if wanted != mode {
        fs::set_permissions(path, fs::Permissions::from_mode(wanted as u32))
            .with_context(|| format!("setting the permissions of {}", path.display()))?;
    }
    Ok(())
}

/// `core.sharedRepository` as git's `git_config_perm` reads it: 0 (the umask
/// decides), `PERM_GROUP`, `PERM_EVERYBODY`, or minus an exact mode (`0640`).
fn parse_shared(value: &str) -> i32 {
    match value.to_ascii_lowercase().as_str() {
        "umask" | "false" | "no" | "off" | "" => 0,
        "group" | "true" | "yes" | "on" => PERM_GROUP,
        "all" | "world" | "everybody" => PERM_EVERYBODY,
        octal => match i32::from_str_radix(octal, 8) {
            Ok(0) => 0,
            Ok(1) => PERM_GROUP,
            Ok(2) => PERM_EVERYBODY,
            Ok(mode) if mode & 0o600 == 0o600 => -(mode & 0o666),
            _ => 0,
        },
    }
}

/// git's `calc_shared_perm` for a file: the group (and others) get what the owner
/// has, never write where the owner has none; an exact mode replaces the bits.
fn shared_mode(shared: i32, mode: i32) -> i32 {
    let mut tweak = shared.abs();
    if mode & 0o200 == 0 {
        tweak &= !0o222;
    }
    if mode & 0o100 != 0 {
        tweak |= (tweak & 0o444) >> 2;
    }
    if shared < 0 {
        (mode & !0o777) | tweak
    } else {
        mode | tweak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_modes_are_the_ones_git_gives() {
        assert_eq!(parse_shared("group"), PERM_GROUP);
        assert_eq!(parse_shared("true"), PERM_GROUP);
        assert_eq!(parse_shared("everybody"), PERM_EVERYBODY);
        assert_eq!(parse_shared("umask"), 0);
        assert_eq!(parse_shared("0640"), -0o640);
        assert_eq!(shared_mode(PERM_GROUP, 0o600), 0o660);
        assert_eq!(shared_mode(PERM_GROUP, 0o400), 0o440);
        assert_eq!(shared_mode(PERM_EVERYBODY, 0o600), 0o664);
        assert_eq!(shared_mode(-0o640, 0o600), 0o640);
        assert_eq!(shared_mode(PERM_GROUP, 0o700), 0o770);
    }
}
