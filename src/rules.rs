//! The rule engine of SPEC §6.1, shared by `git workflow check`, the pre-commit hook,
//! CI and server hooks: each rule has an id, a message naming the path, and the fix.
//! Each dialect's rules live in its room (`dialects/*/rules.rs`); the two that hold
//! for all of `.workflow/` (no links, state files parse) live here.

use anyhow::Result;
use std::collections::BTreeSet;

use crate::dialects::agentrelay::rules::INVALID_GRAPH;
use crate::dialects::ccw::rules::{ARCHIVES, DUPLICATE, MARKER, SESSION_DIR, SUPERSEDED};
use crate::dialects::guardrail::rules::{FLAT, INCOMPLETE};
use crate::dialects::{agentrelay, ccw, guardrail};
pub use crate::engine::rule::{Content, Rule, Touched, Verdicts, Violation};
use crate::formats;
use crate::layout::{self, CcwLayout, Globs};

/// Every rule, in the order violations are reported.
pub const RULES: &[Rule] = &[
    FLAT,
    MARKER,
    SESSION_DIR,
    SUPERSEDED,
    ARCHIVES,
    SYMLINK,
    DUPLICATE,
    INCOMPLETE,
    MALFORMED,
    INVALID_GRAPH,
];

/// A symlink or gitlink under `.workflow/`.
pub const SYMLINK: Rule = Rule {
    id: "state-symlink",
    rejects: "a symlink or gitlink (submodule) under .workflow/",
};

/// A state file that does not parse.
pub const MALFORMED: Rule = Rule {
    id: "malformed-state",
    rejects: "a .yml/.yaml/.json under .workflow/ that does not parse",
};

/// Checks the touched paths against every enabled rule; `enabled(id)` says whether a
/// rule is on, `graphs` are the globs of task-graph files. Paths outside `.workflow/`
/// break only the graph rule.
pub fn check(
    touched: &[Touched],
    content: &dyn Content,
    enabled: &dyn Fn(&str) -> bool,
    (graphs, ccw_target): (&Globs, CcwLayout),
    verdicts: &Verdicts,
) -> Result<Vec<Violation>> {
    let mut found = Vec::new();
    let mut folders = BTreeSet::new();
    let mut sessions = BTreeSet::new();
    for t in touched {
        if let Some(folder) = guardrail::task_session_folder_of(&t.path) {
            folders.insert(folder);
        }
        if !t.present {
            continue;
        }
        let legacy =
            guardrail::rules::flat(&t.path).or_else(|| ccw::rules::legacy(&t.path, ccw_target));
        if let Some(v) = legacy.filter(|v| enabled(v.rule)) {
            found.push(v);
        }
        if let Some(session) = ccw::session_folder_of(&t.path) {
            sessions.insert(session);
        }
        if t.link {
            if enabled(SYMLINK.id) && layout::is_under_workflow(&t.path) {
                found.push(symlink(&t.path));
            }
            continue;
        }
        if enabled(MALFORMED.id)
            && layout::is_state_file(&t.path)
            && let Some(v) = malformed(&t.path, content, verdicts)?
        {
            found.push(v);
        }
        if enabled(INVALID_GRAPH.id)
            && graphs.matches(&t.path)
            && let Some(v) = agentrelay::rules::invalid_graph(&t.path, content, verdicts)?
        {
            found.push(v);
        }
    }
    if enabled(INCOMPLETE.id) {
        for folder in folders {
            found.extend(guardrail::rules::incomplete(&folder, content)?);
        }
    }
    if enabled(DUPLICATE.id) {
        let mut reported = BTreeSet::new();
        for (folder, id) in sessions {
            if reported.contains(&id.to_lowercase()) {
                continue;
            }
            if let Some(v) = ccw::rules::duplicate(&folder, id, content)? {
                reported.insert(id.to_lowercase());
                found.push(v);
            }
        }
    }
    Ok(found)
}

/// Whether the folder `folder` (a path ending in `/`) lies where no rule reads
/// its position: under `.workflow/<name>/` for a name no dialect gives meaning.
/// Every rule then judges what it holds by its own content and names alone, so a
/// folder of the same tree checks the same wherever such a place holds it, and a
/// removed one matters to no rule.
pub fn position_free(folder: &str) -> bool {
    let Some(rest) = folder.strip_prefix(layout::WORKFLOW_PATHSPEC) else {
        return false;
    };
    let first = rest.split('/').next().unwrap_or_default();
    !first.is_empty()
        && !guardrail::rules::reads_first_level(first)
        && !ccw::rules::reads_first_level(first)
}

fn symlink(path: &str) -> Violation {
    if path == layout::WORKFLOW_DIR {
        return Violation {
            rule: SYMLINK.id,
            path: path.to_string(),
            message: format!(
                "{path} itself is a symlink or submodule; the state folder must be a real folder (git-workflow never reads or writes through a link)"
            ),
            fix: format!(
                "make {path} a real folder: `git rm --cached {path}`, `mkdir {path}`, move the state in, `git add {path}`"
            ),
        };
    }
    Violation {
        rule: SYMLINK.id,
        path: path.to_string(),
        message: format!(
            "{} is a symlink or submodule; state under .workflow/ must be plain files (links are never followed or written through)",
            layout::quote(path)
        ),
        fix: format!(
            "replace {path} with the file it points to (`git rm --cached {path}`, copy the file in, `git add` it)"
        ),
    }
}

/// The `malformed-state` violation of the file at `path`, if it does not parse;
/// a blob already judged in this run is not read again.
fn malformed(path: &str, content: &dyn Content, verdicts: &Verdicts) -> Result<Option<Violation>> {
    let how = if path.ends_with(".json") {
        "json"
    } else {
        "yaml"
    };
    let verdict = verdicts.judge(path, content, how, &|_, bytes| {
        formats::check_syntax(path, bytes)
            .err()
            .map(|e| e.to_string())
    })?;
    Ok(verdict.map(|e| Violation {
        rule: MALFORMED.id,
        path: path.to_string(),
        message: format!("{} does not parse: {e}", layout::quote(path)),
        fix: format!("fix the syntax of {}, or remove it", layout::quote(path)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Files(BTreeMap<&'static str, &'static str>);

    impl Content for Files {
        fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
            Ok(self.0.get(path).map(|s| s.as_bytes().to_vec()))
        }
        fn files_in(&self, folder: &str) -> Result<Vec<String>> {
            let prefix = format!("{folder}/");
            Ok(self
                .0
                .keys()
                .filter_map(|p| p.strip_prefix(&prefix))
                .filter(|rest| !rest.contains('/'))
                .map(str::to_string)
                .collect())
        }
        fn has_folder(&self, folder: &str) -> Result<bool> {
            let prefix = format!("{folder}/");
            Ok(self.0.keys().any(|p| p.starts_with(&prefix)))
        }
    }

    fn touched(paths: &[&str]) -> Vec<Touched> {
        paths
            .iter()
            .map(|p| Touched {
                path: p.to_string(),
                present: true,
                link: false,
            })
            .collect()
    }

    /// One blob at every path, counting its reads.
    struct OneBlob {
        text: &'static str,
        reads: std::cell::Cell<usize>,
    }

    impl Content for OneBlob {
        fn read(&self, _path: &str) -> Result<Option<Vec<u8>>> {
            self.reads.set(self.reads.get() + 1);
            Ok(Some(self.text.as_bytes().to_vec()))
        }
        fn files_in(&self, _folder: &str) -> Result<Vec<String>> {
            Ok(Vec::new())
        }
        fn has_folder(&self, _folder: &str) -> Result<bool> {
            Ok(false)
        }
        fn blob_id(&self, _path: &str) -> Option<crate::repo::Oid> {
            Some(crate::repo::hash_blob(self.text.as_bytes()))
        }
    }

    #[test]
    fn a_blob_is_parsed_once_per_syntax_however_many_paths_hold_it() {
        let blob = OneBlob {
            text: "a: [1\n",
            reads: std::cell::Cell::new(0),
        };
        let paths: Vec<String> = (0..1000).map(|n| format!(".workflow/s{n}.yml")).collect();
        let mut all: Vec<&str> = paths.iter().map(String::as_str).collect();
        all.push(".workflow/other.json");
        let verdicts = Verdicts::default();
        let settings = (&Globs::default(), CcwLayout::Active);
        let found = check(&touched(&all), &blob, &|_| true, settings, &verdicts).unwrap();
        assert_eq!(found.len(), 1001, "every path is reported");
        assert!(
            found[999]
                .message
                .starts_with(".workflow/s999.yml does not parse")
        );
        assert_eq!(blob.reads.get(), 2, "read once as YAML, once as JSON");
        check(&touched(&all), &blob, &|_| true, settings, &verdicts).unwrap();
        assert_eq!(blob.reads.get(), 2, "and never again in the same run");
    }

    #[test]
    fn links_under_workflow_and_an_id_in_two_places_are_violations() {
        let files = Files(BTreeMap::from([
            (".workflow/WFS-a/IMPL_PLAN.md", "# a\n"),
            (".workflow/sessions/WFS-a/workflow-session.json", "{}"),
            (".workflow/sessions/WFS-b/workflow-session.json", "{}"),
        ]));
        let mut paths = touched(&[
            ".workflow/sessions/WFS-a/workflow-session.json",
            ".workflow/sessions/WFS-b/workflow-session.json",
        ]);
        for link in [
            ".workflow/sessions/WFS-b/linked.json",
            "vendor/lib",
            ".workflow/tools",
        ] {
            paths.push(Touched {
                path: link.into(),
                present: true,
                link: true,
            });
        }
        let found = check(
            &paths,
            &files,
            &|id| id != SESSION_DIR.id,
            (&Globs::default(), CcwLayout::Sessions),
            &Verdicts::default(),
        )
        .unwrap();
        let got: Vec<(&str, &str)> = found.iter().map(|v| (v.rule, v.path.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (SYMLINK.id, ".workflow/sessions/WFS-b/linked.json"),
                (SYMLINK.id, ".workflow/tools"),
                (DUPLICATE.id, ".workflow/sessions/WFS-a/"),
            ]
        );
        assert!(found[2].message.contains(".workflow/WFS-a/"));
    }

    #[test]
    fn every_rule_names_its_path_and_a_fix() {
        let files = Files(BTreeMap::from([
            (".workflow/versions/v1/task_sessions/a.yml", "task_id: a\n"),
            (".workflow/.active-WFS-x", ""),
            (".workflow/WFS-x/IMPL_PLAN.md", "# plan\n"),
            (".workflow/.archives/manifest.json", "[]"),
            (
                ".workflow/versions/v1/task_sessions/b/session.yml",
                "task_id: b\n",
            ),
            (".workflow/project.json", "{not json"),
        ]));
        let paths: Vec<&str> = files.0.keys().copied().collect();
        let found = check(
            &touched(&paths),
            &files,
            &|_| true,
            (&Globs::default(), CcwLayout::Active),
            &Verdicts::default(),
        )
        .unwrap();
        let rules: BTreeSet<&str> = found.iter().map(|v| v.rule).collect();
        assert_eq!(
            rules,
            BTreeSet::from(
                [FLAT, MARKER, SESSION_DIR, ARCHIVES, INCOMPLETE, MALFORMED].map(|r| r.id)
            )
        );
        for v in &found {
            assert!(v.message.contains(v.path.trim_end_matches('/')), "{v:?}");
            assert!(!v.fix.is_empty());
        }
        let incomplete = found.iter().find(|v| v.rule == INCOMPLETE.id).unwrap();
        assert!(
            incomplete
                .message
                .contains("without task.yml, operations.log")
        );
    }

    #[test]
    fn disabled_rules_and_paths_outside_workflow_report_nothing() {
        let files = Files(BTreeMap::from([
            (".workflow/versions/v1/task_sessions/a.yml", "x: 1\n"),
            ("src/WFS-x/config.json", "{broken"),
        ]));
        let paths: Vec<&str> = files.0.keys().copied().collect();
        assert!(
            check(
                &touched(&paths),
                &files,
                &|id| id != FLAT.id,
                (&Globs::default(), CcwLayout::Active),
                &Verdicts::default(),
            )
            .unwrap()
            .is_empty()
        );
    }

    #[test]
    fn removing_a_file_from_a_session_folder_makes_it_incomplete() {
        let files = Files(BTreeMap::from([
            (
                ".workflow/versions/v1/task_sessions/a/session.yml",
                "x: 1\n",
            ),
            (".workflow/versions/v1/task_sessions/a/task.yml", "x: 1\n"),
        ]));
        let gone = vec![Touched {
            path: ".workflow/versions/v1/task_sessions/a/operations.log".into(),
            present: false,
            link: false,
        }];
        let found = check(
            &gone,
            &files,
            &|_| true,
            (&Globs::default(), CcwLayout::Active),
            &Verdicts::default(),
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, INCOMPLETE.id);
    }
}
