//! The dialects of `.workflow/` (SPEC §1), each in its own room with its paths, file
//! formats, planners, rules and fix texts: a change of one dialect's layout touches
//! its folder and its tests only. They share the engine, the git room and the rule
//! engine (`rules.rs`).

pub mod agentrelay;
pub mod ccw;
pub mod guardrail;

/// The three `.workflow/` dialects of SPEC §1, as `status` names them: SPEC §1.1.
pub const GUARDRAIL: &str = "versioned task sessions";
/// SPEC §1.3.
pub const CCW: &str = "claude-code-workflow sessions";
/// SPEC §1.2.
pub const AGENTRELAY: &str = "agentrelay run state";

/// A `versions/` folder that holds no `vNNN` folder: another tool's, left alone.
pub const UNKNOWN_VERSIONS: &str =
    "unknown layout (.workflow/versions/ holds no vNNN folder; left alone)";

/// Which dialects a `.workflow/` holds, from the names directly inside it and the
/// names inside its `versions/`; `has_run_state(name)` says whether folder `name`
/// holds `runs/` or `signals/`.
pub fn dialects(
    top_level: &[String],
    in_versions: &[String],
    has_run_state: impl Fn(&str) -> bool,
) -> Vec<&'static str> {
    let any = |pred: &dyn Fn(&str) -> bool| top_level.iter().any(|n| pred(n));
    let mut found = Vec::new();
    let versioned = in_versions.iter().any(|n| guardrail::is_version(n));
    if versioned || any(&|n| matches!(n, "index.yml" | "operations.log")) {
        found.push(GUARDRAIL);
    } else if any(&|n| n == "versions") {
        found.push(UNKNOWN_VERSIONS);
    }
    if any(&|n| {
        n.starts_with("WFS-")
            || n.starts_with(".active-")
            || matches!(
                n,
                "sessions"
                    | "archives"
                    | ".archives"
                    | "active"
                    | "project.json"
                    | "project-tech.json"
            )
    }) {
        found.push(CCW);
    }
    if any(&|n| n == "run_info.json" || has_run_state(n)) {
        found.push(AGENTRELAY);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_are_told_apart_by_their_paths() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            dialects(
                &names(&["versions", "index.yml"]),
                &names(&["v001"]),
                |_| false
            ),
            vec![GUARDRAIL]
        );
        assert_eq!(
            dialects(&names(&["versions"]), &names(&["v0.8-login"]), |_| false),
            vec![UNKNOWN_VERSIONS]
        );
        assert_eq!(
            dialects(&names(&[".active-WFS-x", "WFS-x"]), &[], |_| false),
            vec![CCW]
        );
        assert_eq!(
            dialects(&names(&["build"]), &[], |n| n == "build"),
            vec![AGENTRELAY]
        );
        assert!(dialects(&names(&["notes.md"]), &[], |_| false).is_empty());
    }
}
