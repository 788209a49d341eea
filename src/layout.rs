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
