//! What every dialect shares about `.workflow/`: the folder itself, path joining,
//! and the one place that decides whether a name from a file or the command line is
//! safe to use as a path component. Each dialect's own paths live in its room
//! (`dialects/*/paths.rs`).
//!
//! Every path here is a repository path: relative to the work-tree root, `/`-separated,
//! exactly as git stores it in a tree.

/// The state folder every dialect keeps inside the repository.
pub const WORKFLOW_DIR: &str = ".workflow";

/// `.workflow/` as a pathspec: the folder and everything under it.
pub const WORKFLOW_PATHSPEC: &str = ".workflow/";

/// Where CCW's active sessions go (SPEC §1.3, `git config workflow.ccw.layout`):
/// the one dialect setting the planners and rules take. It lives here, beside the
/// paths every room shares, because the engine hands it to planners without
/// knowing any dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CcwLayout {
    /// `.workflow/active/`: what all of CCW's code since 2025-11-20 reads.
    #[default]
    Active,
    /// `.workflow/sessions/`: for agents still on the seed-era prompts.
    Sessions,
}

impl CcwLayout {
    /// The git config key that chooses it (`config.rs` reads it).
    pub const KEY: &'static str = "workflow.ccw.layout";

    /// The setting's value for this layout.
    pub fn name(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Sessions => "sessions",
        }
    }

    /// The folder active sessions live in.
    pub fn dir(self) -> &'static str {
        match self {
            Self::Active => ".workflow/active",
            Self::Sessions => ".workflow/sessions",
        }
    }

    /// The layout a setting's value names, if any.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "sessions" => Some(Self::Sessions),
            _ => None,
        }
    }
}

/// `n` and the noun, singular for one: "1 file", "3 files". Commit bodies and
/// messages are read by people, and "(1 files)" reads as a slip.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Joins repository path components with `/`.
pub fn join(parts: &[&str]) -> String {
    parts.join("/")
}

/// Whether a repository path lies inside `.workflow/` (or is `.workflow` itself).
pub fn is_under_workflow(path: &str) -> bool {
    path == WORKFLOW_DIR || path.starts_with(".workflow/")
}

/// Decides whether `id` may name one folder or file: one path component, not `.` or
/// `..`, no separators, no NUL or control characters, not empty.
///
/// Returns what is wrong with it, for the caller to put next to the path it came from.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the id is empty".into());
    }
    if id == "." || id == ".." {
        return Err(format!("'{id}' would leave its folder"));
    }
    if id.contains('/') || id.contains('\\') {
        return Err(format!("'{id}' contains a path separator"));
    }
    if id.chars().any(char::is_control) {
        return Err(format!("{id:?} contains a control character"));
    }
    Ok(())
}

/// A repository path as git prints it with `core.quotePath=false`
/// (`quote.c` `quote_c_style`): as it is, unless it holds a control character, a
/// `"` or a `\\`, in which case it is put in double quotes with those written as C
/// escapes. A committed name holding `ESC[2J` can then never clear the terminal of
/// whoever runs `check`; names in other scripts (CJK, accents) stay readable.
pub fn quote(path: &str) -> std::borrow::Cow<'_, str> {
    let needs = |c: char| c.is_control() || c == '"' || c == '\\';
    if !path.chars().any(needs) {
        return std::borrow::Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len() + 8);
    out.push('"');
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&c_escape(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    std::borrow::Cow::Owned(out)
}

/// Text from a repository made safe for a terminal: every control character but
/// the line breaks and tabs the tool lays its own output out with is written as
/// [`c_escape`] writes it. The last line of defence behind [`quote`], applied to
/// everything printed for a person.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    escape_where(text, |c| c.is_control() && c != '\n' && c != '\t')
}

/// Text from a repository as one line: every control character escaped, line
/// breaks and tabs too, so a name holding `\n` cannot start a line of its own.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape_where(text, char::is_control)
}

/// `text` with each character `escape` picks written as [`c_escape`] writes it.
fn escape_where(text: &str, escape: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(&escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.push_str(&c_escape(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A control character as git's `quote_c_style` writes it: `\\n`, `\\t` … or
/// three octal digits per byte (`\\033` for ESC, `\\302\\233` for U+009B).
pub fn c_escape(c: char) -> String {
    match c {
        '\u{7}' => "\\a".into(),
        '\u{8}' => "\\b".into(),
        '\t' => "\\t".into(),
        '\n' => "\\n".into(),
        '\u{b}' => "\\v".into(),
        '\u{c}' => "\\f".into(),
        '\r' => "\\r".into(),
        c => c
            .encode_utf8(&mut [0; 4])
            .bytes()
            .map(|b| format!("\\{b:03o}"))
            .collect(),
    }
}

/// Decides whether git would check `path` out, as `read-cache.c`'s `verify_path`
/// decides it (with `core.protectHFS` and `core.protectNTFS`, git's defaults where
/// they matter): a repository path from someone else's history is only ever written
/// after this says yes, so no tree, trailer or file can make the tool write into
/// `.git/` or outside the work tree.
///
/// Refused: an empty or absolute path, an empty, `.` or `..` component, and a `.git`
/// component in any case or in its NTFS (`git~1`, trailing dots and spaces, `:`
/// streams) and HFS (ignorable Unicode) spellings; on Windows also a `\` and a drive
/// prefix. Returns what is wrong, for the caller to put beside the path.
pub fn verify_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('/') || cfg!(windows) && has_drive_prefix(path) {
        return Err("the path is absolute".into());
    }
    if path.contains('\0') {
        return Err("the path holds a NUL byte".into());
    }
    if cfg!(windows) && path.contains('\\') {
        return Err("the path holds a backslash, a separator on Windows".into());
    }
    for component in path.split('/') {
        match component {
            "" => return Err("the path has an empty component".into()),
            "." | ".." => return Err(format!("the path has a '{component}' component")),
            _ if is_ntfs_dotgit(component) || is_hfs_dotgit(component) => {
                return Err(format!(
                    "the path has a component '{component}', which git reads as .git"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `C:` at the start of a path: absolute (or drive-relative) on Windows.
fn has_drive_prefix(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// git's `is_ntfs_dotgit`: `.git` or its short name `git~1`, in any case, followed
/// only by dots and spaces (which NTFS drops) up to the end, a `\\` or a `:` stream.
fn is_ntfs_dotgit(component: &str) -> bool {
    let lower = component.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix(".git")
        .or_else(|| lower.strip_prefix("git~1"))
    else {
        return false;
    };
    for c in rest.chars() {
        match c {
            '\\' | ':' => return true,
            '.' | ' ' => {}
            _ => return false,
        }
    }
    true
}

/// git's `is_hfs_dotgit`: `.git` in any case once the code points HFS+ ignores
/// (zero-width joiners, direction marks, U+FEFF …, `utf8.c` `next_hfs_char`) are
/// dropped.
fn is_hfs_dotgit(component: &str) -> bool {
    let kept: String = component
        .chars()
        .filter(
            |c| !matches!(*c as u32, 0x200c..=0x200f | 0x202a..=0x202e | 0x206a..=0x206f | 0xfeff),
        )
        .collect();
    kept.eq_ignore_ascii_case(".git")
}

/// Whether a path is a state file under `.workflow/` that must parse: YAML or JSON.
pub fn is_state_file(path: &str) -> bool {
    path.starts_with(WORKFLOW_PATHSPEC)
        && [".yml", ".yaml", ".json"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

/// Globs of repository paths, compiled once, as `git config workflow.graphs` gives
/// them: `*` and `?` stay inside one path component, `**` crosses any number of
/// them (the `globset` crate, separators literal).
#[derive(Debug, Clone, Default)]
pub struct Globs {
    set: globset::GlobSet,
}

impl Globs {
    /// Compiles the patterns; a pattern that is not a glob is named with why.
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("'{pattern}' is not a glob ({})", e.kind()))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(Self { set })
    }

    /// Whether there are no globs at all.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Whether a repository path matches any of the globs.
    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_leave_their_folder_are_refused() {
        for bad in ["", ".", "..", "a/b", "a\\b", "a\0b", "a\nb", "\u{7f}"] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_id("task_design").is_ok());
        assert!(check_id("..hidden").is_ok());
    }

    #[test]
    fn paths_are_quoted_as_git_quotes_them() {
        assert_eq!(quote(".workflow/活动/a.json"), ".workflow/活动/a.json");
        assert_eq!(
            quote(".workflow/\x1b[2J.json"),
            "\".workflow/\\033[2J.json\""
        );
        assert_eq!(quote("a\nb\"c\\d"), "\"a\\nb\\\"c\\\\d\"");
        assert_eq!(quote("\u{7f}"), "\"\\177\"");
        assert_eq!(quote("\u{9b}2J"), "\"\\302\\2332J\"");
        assert_eq!(escape_controls("a\tb\nc\x1bd"), "a\tb\nc\\033d");
        assert_eq!(one_line("a\tb\nc"), "a\\tb\\nc");
    }

    #[test]
    fn paths_git_would_not_check_out_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            ".git/hooks/post-commit",
            ".workflow/../../x",
            ".workflow/./a",
            ".workflow//a",
            ".workflow/a/",
            ".GIT/config",
            ".workflow/.Git/hooks/x",
            ".git./config",
            ".git .../config",
            "git~1/config",
            "GIT~1/config",
            ".git::$INDEX_ALLOCATION/config",
            ".g\u{200c}it/config",
            "\u{feff}.git/config",
            "a\0b",
        ] {
            assert!(verify_path(bad).is_err(), "{bad:?} accepted");
        }
        for good in [
            ".workflow/a.json",
            ".workflow/.gitkeep",
            ".workflow/.github/x",
            ".workflow/git~2",
            ".workflow/..a/b",
            ".workflow/a..",
            ".workflow/活动/WFS-旧/x.md",
        ] {
            assert!(verify_path(good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn workflow_paths_are_recognised_by_component() {
        assert!(is_under_workflow(".workflow"));
        assert!(is_under_workflow(".workflow/index.yml"));
        assert!(!is_under_workflow(".workflowx/a"));
        assert!(is_state_file(".workflow/project.json"));
        assert!(!is_state_file(".workflow/IMPL_PLAN.md"));
    }

    #[test]
    fn graph_globs_match_as_git_pathspecs_do() {
        let glob_match =
            |pattern: &str, path: &str| Globs::new(&[pattern.to_string()]).unwrap().matches(path);
        assert!(glob_match("graphs/**/*.yaml", "graphs/a.yaml"));
        assert!(glob_match("graphs/**/*.yaml", "graphs/x/y/a.yaml"));
        assert!(!glob_match("graphs/*.yaml", "graphs/x/a.yaml"));
        assert!(glob_match("*.y?ml", "a.yaml"));
        assert!(!glob_match("*.yaml", "graphs/a.yaml"));
        assert!(!glob_match("graphs/*.yaml", "other/a.yaml"));
        assert!(Globs::new(&["graphs/[".to_string()]).is_err());
        assert!(Globs::default().is_empty());
    }
}
