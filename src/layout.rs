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

/// Whether a repository path matches a glob from `git config workflow.graphs`: `*`
/// and `?` stay inside one path component, `**` crosses any number of them.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len()).any(|i| (i == 0 || s[i - 1] == b'/') && go(rest, &s[i..]))
                    || go(rest, s)
            }
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(&p[1..], &s[i..])),
            Some(b'?') => s.first().is_some_and(|&c| c != b'/') && go(&p[1..], &s[1..]),
            Some(&c) => s.first() == Some(&c) && go(&p[1..], &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
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
        assert!(glob_match("graphs/**/*.yaml", "graphs/a.yaml"));
        assert!(glob_match("graphs/**/*.yaml", "graphs/x/y/a.yaml"));
        assert!(!glob_match("graphs/*.yaml", "graphs/x/a.yaml"));
        assert!(glob_match("*.y?ml", "a.yaml"));
        assert!(!glob_match("graphs/*.yaml", "other/a.yaml"));
    }
}
