//! Completion over random session folders, some files committed and some not: every
//! byte reaches the archive, and undoing the completion, then its record, gives back
//! the tree it started from.

use super::{CASES, apply, roll_back};
use git_workflow::dialects::ccw;
use git_workflow::dialects::ccw::complete::{self, CompletionInput};
use git_workflow::engine::{MemTree, Tree};
use git_workflow::repo::WorkFile;
use proptest::prelude::*;
use serde_json::{Value, json};

const FOLDER: &str = ".workflow/sessions/WFS-prop";

/// One file of the session folder: its name, bytes, and whether `HEAD` holds it
/// (with these bytes, or older ones).
#[derive(Debug, Clone)]
struct File {
    name: String,
    bytes: Vec<u8>,
    in_head: Option<bool>,
}

fn file() -> impl Strategy<Value = File> {
    let name = prop_oneof![
        "IMPL-[0-9]{1,2}".prop_map(|n| format!(".task/{n}.json")),
        "[a-z]{1,6}".prop_map(|n| format!(".summaries/{n}-summary.md")),
        Just("IMPL_PLAN.md".to_string()),
        Just(".archiving".to_string()),
        "[a-z]{1,6}".prop_map(|n| format!("notes/{n}.md")),
    ];
    let bytes = prop_oneof![
        Just(b"{\"id\": \"IMPL-1\", \"status\": \"completed\"}".to_vec()),
        Just(b"{\"status\": \"pending\"}".to_vec()),
        Just("# 计划\n\n完成了。\n".as_bytes().to_vec()),
        Just(b"not json {".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    let in_head = prop_oneof![Just(None), Just(Some(true)), Just(Some(false))];
    (name, bytes, in_head).prop_map(|(name, bytes, in_head)| File {
        name,
        bytes,
        in_head,
    })
}

fn session_json(status: &str) -> Vec<u8> {
    format!(
        "{{\"session_id\": \"WFS-prop\", \"status\": \"{status}\", \"created_at\": \"2025-10-09\"}}"
    )
    .into_bytes()
}

/// `HEAD`'s tree and the folder as the work tree holds it.
fn case(files: &[File], manifest: bool, session_in_head: bool) -> (MemTree, Vec<WorkFile>) {
    let mut head = MemTree::new().with("README.md", "project\n");
    if manifest {
        head.insert(ccw::MANIFEST, b"[]\n".to_vec(), false);
    }
    let session = format!("{FOLDER}/{}", ccw::SESSION_JSON);
    if session_in_head {
        head.insert(&session, session_json("active"), false);
    }
    let mut work = vec![WorkFile {
        path: session,
        bytes: session_json("active"),
        executable: false,
    }];
    for f in files {
        let path = format!("{FOLDER}/{}", f.name);
        if work.iter().any(|w| w.path == path) {
            continue;
        }
        match f.in_head {
            Some(true) => head.insert(&path, f.bytes.clone(), false),
            Some(false) => head.insert(&path, b"older bytes".to_vec(), false),
            None => {}
        }
        work.push(WorkFile {
            path,
            bytes: f.bytes.clone(),
            executable: false,
        });
    }
    work.sort_by(|a, b| a.path.cmp(&b.path));
    (head, work)
}

fn entries(tree: &MemTree) -> usize {
    let text = tree.read(ccw::MANIFEST).unwrap().unwrap();
    let manifest: Value = serde_json::from_slice(&text).unwrap();
    manifest.as_array().map_or(0, Vec::len)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, .. ProptestConfig::default() })]

    #[test]
    fn completion_archives_every_byte_and_rolls_back_through_its_record(
        files in prop::collection::vec(file(), 0..8),
        manifest in any::<bool>(),
        session_in_head in any::<bool>(),
    ) {
        let (before, work) = case(&files, manifest, session_in_head);
        let input = CompletionInput {
            folder: FOLDER.into(),
            files: work.clone(),
            left_out: Vec::new(),
            ignored: Vec::new(),
            project_on_disk: None,
            head_hash: "0".repeat(40),
            lessons: json!({}),
            now: 1_765_886_400,
        };
        let done = complete::plan_complete(&before, &input).unwrap();
        let recorded = match &done.plan.record {
            Some(record) => apply(&before, record),
            None => before.clone(),
        };
        for w in &work {
            prop_assert_eq!(recorded.read(&w.path).unwrap(), Some(w.bytes.clone()));
        }
        let after = apply(&before, &done.plan);
        prop_assert!(!after.exists(FOLDER), "the session folder is gone");
        for w in &work {
            let name = &w.path[FOLDER.len() + 1..];
            let archived = after.read(&format!("{}/WFS-prop/{name}", ccw::ARCHIVES_DIR)).unwrap();
            match name {
                ".archiving" => prop_assert_eq!(archived, None),
                "workflow-session.json" => prop_assert!(archived.is_some()),
                _ => prop_assert_eq!(archived.as_ref(), Some(&w.bytes)),
            }
        }
        prop_assert_eq!(entries(&after), 1);
        let unarchived = roll_back(&recorded, &after, &done.plan);
        prop_assert_eq!(&unarchived, &recorded);
        if let Some(record) = &done.plan.record {
            prop_assert_eq!(roll_back(&before, &recorded, record), before);
        }
    }
}
