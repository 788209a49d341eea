//! The completion planner (SPEC §4.2): one commit that archives a session, appends
//! its manifest entry and records its feature in `project.json`, on top of a record
//! of the folder as it stands when it holds uncommitted work.

use anyhow::Result;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;

use super::{development, files, metrics};
use crate::dialects::ccw;
use crate::engine::history::{self, Kind, Operation};
use crate::engine::{Action, Clean, Plan, Tree};
use crate::error;
use crate::formats::json_edit::JsonText;
use crate::layout;
use crate::repo::{self, EntryKind, Repo, WorkFile};

/// Everything completing a session decides, for the commit and the report.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The commit: archive moves and writes, manifest, project.json; with the record
    /// of the session as it stands before it, when the session holds uncommitted work.
    pub plan: Plan,
    /// The session.
    pub session_id: String,
    /// Where it goes.
    pub archive_path: String,
    /// The manifest entry (which holds the metrics and lessons).
    pub entry: Value,
    /// The feature added to `project.json`, when there is one.
    pub feature: Option<Value>,
    /// The `development_index` entry added to `project-tech.json`, when it exists.
    pub development: Option<Value>,
}

/// What the completion planner reads besides `HEAD`'s tree: the session folder as
/// the index and the work tree hold it, and the facts of the command line.
#[derive(Debug, Clone)]
pub struct CompletionInput {
    /// The session folder, e.g. `.workflow/sessions/WFS-auth`.
    pub folder: String,
    /// Its files as a commit of it would hold them ([`Repo::folder_contents`]).
    pub files: Vec<WorkFile>,
    /// What the folder holds that a commit cannot (ignored untracked files, empty
    /// folders ending in `/`): it moves with the folder in the work tree only.
    pub left_out: Vec<String>,
    /// Those of the ignored files the completion reads ([`metrics::reads`]): the
    /// metrics and the title count what the folder holds, ignored or not.
    pub ignored: Vec<WorkFile>,
    /// The project file (`project-tech.json`, else `project.json`) the work tree
    /// holds, uncommitted when `HEAD` lacks it.
    pub project_on_disk: Option<&'static str>,
    /// `HEAD`'s hash, which the feature entry records.
    pub head_hash: String,
    /// The `--lessons` document.
    pub lessons: Value,
    /// Now, in seconds.
    pub now: i64,
}

impl CompletionInput {
    /// Reads the session folder of `folder` from the repository's index and work tree.
    pub fn read(
        repo: &Repo,
        folder: &str,
        head_hash: String,
        lessons: Value,
        now: i64,
    ) -> Result<Self> {
        let session_path = format!("{folder}/{}", ccw::SESSION_JSON);
        let contents = repo.folder_contents(folder, std::slice::from_ref(&session_path))?;
        let ignored = contents
            .left_out
            .iter()
            .filter(|path| metrics::reads(folder, path))
            .map(|path| WorkFile::read_at(repo.workdir(), path))
            .collect::<Result<_>>()?;
        Ok(Self {
            folder: folder.to_string(),
            files: contents.files,
            left_out: contents.left_out,
            ignored,
            project_on_disk: [ccw::PROJECT_TECH_JSON, ccw::PROJECT_JSON]
                .into_iter()
                .find(|p| fs::symlink_metadata(repo.workdir().join(p)).is_ok()),
            head_hash,
            lessons,
            now,
        })
    }
}

/// Plans the completion of the session in `input.folder` (SPEC §4.2) on top of
/// `head`: the folder is taken exactly as the index and the work tree hold it.
pub fn plan_complete(head: &dyn Tree, input: &CompletionInput) -> Result<Completion> {
    let (folder, now) = (input.folder.as_str(), input.now);
    let session_id = folder.rsplit('/').next().unwrap_or(folder).to_string();
    let archive = format!("{}/{session_id}", ccw::ARCHIVES_DIR);
    let session_path = format!("{folder}/{}", ccw::SESSION_JSON);
    let files = &input.files;
    let held: Vec<&WorkFile> = files.iter().chain(&input.ignored).collect();
    let file = |name: &str| {
        let path = format!("{folder}/{name}");
        held.iter().copied().find(|f| f.path == path)
    };
    let mut warnings: Vec<String> = left_out_warning(folder, &archive, &input.left_out)
        .into_iter()
        .collect();
    let session_json = file(ccw::SESSION_JSON)
        .map(|f| files::utf8(&f.path, &f.bytes).map(str::to_string))
        .transpose()?;
    if session_json.is_none() {
        warnings.push(format!(
            "{session_path} is missing; the archive gets a minimal one"
        ));
    }
    let (session_text, facts) = files::complete_session(session_json.as_deref(), &session_id, now)
        .map_err(|e| files::malformed(&session_path, e))?;
    let plan_text = file(ccw::IMPL_PLAN).map(|f| String::from_utf8_lossy(&f.bytes).into_owned());
    let impl_plan = files::read_plan(plan_text.as_deref(), &session_id);
    let manifest = head.read(ccw::MANIFEST)?;
    let manifest_text = manifest
        .as_deref()
        .map(|b| files::utf8(ccw::MANIFEST, b))
        .transpose()?;
    let parsed = manifest_text
        .map(files::Manifest::parse)
        .transpose()
        .map_err(|e| files::malformed(ccw::MANIFEST, e))?;
    let last = parsed.as_ref().and_then(files::Manifest::last_entry);
    let schema = metrics::Schema::of(last.as_ref());
    let metrics = metrics::metrics(folder, &held, &facts, &session_path, &schema, &mut warnings);
    let last_archived = last
        .as_ref()
        .and_then(|e| e.get("archived_at"))
        .and_then(Value::as_str);
    let entry = json!({
        "session_id": session_id,
        "description": facts.description.clone().unwrap_or_else(|| impl_plan.title.clone()),
        "archived_at": files::timestamp_like(last_archived, now),
        "archive_path": archive,
        "metrics": metrics,
        "tags": impl_plan.tags,
        "lessons": input.lessons,
    });
    let mut plan = Plan {
        operation: Kind::Complete,
        subject: format!("workflow: complete {session_id}"),
        trailers: vec![
            (history::SESSION.into(), session_id.clone()),
            (history::SESSION_FOLDER.into(), folder.to_string()),
        ],
        record: record(head, folder, &session_id, files)?.map(Box::new),
        carry: vec![(folder.to_string(), archive.clone())],
        ..Plan::default()
    };
    plan.actions = archive_files(folder, &archive, files, &session_text, &mut warnings);
    let manifest = match parsed {
        Some(parsed) => parsed
            .appended(&entry)
            .map_err(|e| files::malformed(ccw::MANIFEST, e))?,
        None => files::new_manifest(&entry),
    };
    plan.actions.push(write(ccw::MANIFEST, manifest));
    let development = match head.read(ccw::PROJECT_TECH_JSON)? {
        Some(bytes) => {
            let (kind, entry) = development::development_entry(&session_id, &facts);
            let text = files::utf8(ccw::PROJECT_TECH_JSON, &bytes)?;
            let updated = development::add_development_entry(text, &entry, kind)
                .map_err(|e| files::malformed(ccw::PROJECT_TECH_JSON, e))?;
            plan.actions.push(write(ccw::PROJECT_TECH_JSON, updated));
            Some(entry)
        }
        None => None,
    };
    let feature = match head.read(ccw::PROJECT_JSON)? {
        Some(bytes) => {
            let text = files::utf8(ccw::PROJECT_JSON, &bytes)?;
            let now_text = files::timestamp_like(project_timestamp(text).as_deref(), now);
            let feature = feature(
                &session_id,
                &archive,
                &impl_plan,
                &facts,
                &now_text,
                &input.head_hash,
            );
            let updated = files::add_feature(text, &feature, &now_text)
                .map_err(|e| files::malformed(ccw::PROJECT_JSON, e))?;
            plan.actions.push(write(ccw::PROJECT_JSON, updated));
            Some(feature)
        }
        None if development.is_none() => {
            warnings.push(missing_project(input.project_on_disk));
            None
        }
        None => None,
    };
    plan.clean = Clean::paths(
        std::iter::once(ccw::MANIFEST)
            .chain(development.is_some().then_some(ccw::PROJECT_TECH_JSON))
            .chain(feature.is_some().then_some(ccw::PROJECT_JSON))
            .map(str::to_string),
    );
    plan.body = vec![
        format!(
            "Archive {folder}/ as {archive}/ ({}).",
            layout::count(files.len(), "file")
        ),
        format!("Append its entry to {}.", ccw::MANIFEST),
    ];
    if development.is_some() {
        plan.body.push(format!(
            "Record it in the development_index of {}.",
            ccw::PROJECT_TECH_JSON
        ));
    }
    if feature.is_some() {
        plan.body.push(format!(
            "Record feature \"{}\" in {}.",
            impl_plan.title,
            ccw::PROJECT_JSON
        ));
    }
    plan.warnings = warnings;
    Ok(Completion {
        plan,
        session_id,
        archive_path: archive,
        entry,
        feature,
        development,
    })
}

/// A timestamp `project.json` already holds, whose style its new ones follow; the
/// two values are decoded, not the features around them.
fn project_timestamp(text: &str) -> Option<String> {
    let doc = JsonText::parse(text).ok()?;
    [&["statistics", "last_updated"][..], &["initialized_at"]]
        .into_iter()
        .filter_map(|path| doc.value_at(path).ok().flatten())
        .find_map(|v| v.as_str().map(str::to_string))
}

/// The folder a completion moved whole, `(session folder, archive)`, read from its
/// trailers: what rolling it back moves back (rollback's `MovedWhole`).
pub fn moved_whole(op: &Operation) -> Result<Option<(String, String)>> {
    if op.operation != Kind::Complete {
        return Ok(None);
    }
    let trailer = |key: &str| {
        op.trailers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
    };
    let (Some(folder), Some(id)) = (trailer(history::SESSION_FOLDER), trailer(history::SESSION))
    else {
        return Ok(None);
    };
    let id_ok = ccw::is_session_id(&id);
    let folder_ok = layout::verify_path(&folder).is_ok()
        && folder.starts_with(layout::WORKFLOW_PATHSPEC)
        && !folder.ends_with('/');
    if !id_ok || !folder_ok {
        return Err(forged_trailers(op, &id, &folder));
    }
    Ok(Some((folder, format!("{}/{id}", ccw::ARCHIVES_DIR))))
}

/// The refusal for a completion whose trailers name no session or a folder outside
/// `.workflow/`: someone wrote them by hand, and they are never used as paths.
fn forged_trailers(op: &Operation, id: &str, folder: &str) -> anyhow::Error {
    error::refused(
        format!(
            "commit {} says it completed session {} from {}, which is not a session id and a folder under .workflow/; nothing was changed",
            op.id,
            layout::quote(id),
            layout::quote(folder)
        ),
        format!(
            "git-workflow writes those trailers itself; this commit was written by hand. Inspect it with `git show --stat {}`",
            op.id
        ),
    )
}

/// The commit that records the session folder as it stands (every file git tracks
/// or `git add` would take, every deletion), or `None` when `HEAD` already holds it
/// so: completing then builds on history that has every byte, and rolling the
/// completion back gives every file back.
fn record(
    head: &dyn Tree,
    folder: &str,
    session_id: &str,
    files: &[WorkFile],
) -> Result<Option<Plan>> {
    let mut actions = Vec::new();
    let mut present = BTreeSet::new();
    for file in files {
        present.insert(file.path.as_str());
        let id = repo::hash_blob(&file.bytes);
        let kind = if file.executable {
            EntryKind::Executable
        } else {
            EntryKind::File
        };
        let same = head
            .stat(&file.path)
            .is_some_and(|e| e.kind == kind && e.id == id);
        if !same {
            actions.push(Action::Write {
                path: file.path.clone(),
                bytes: file.bytes.clone(),
                executable: file.executable,
            });
        }
    }
    for gone in head.files_under(folder)? {
        if !present.contains(gone.as_str()) {
            actions.push(Action::Delete { path: gone });
        }
    }
    if actions.is_empty() {
        return Ok(None);
    }
    Ok(Some(Plan {
        operation: Kind::Record,
        subject: format!("workflow: record {session_id} as it stands"),
        body: vec![format!(
            "Commit the {} of {folder}/ before it is archived, so that nothing of it exists only in the work tree.",
            layout::count(actions.len(), "uncommitted change")
        )],
        trailers: vec![(history::SESSION.into(), session_id.to_string())],
        actions,
        index_only: true,
        ..Plan::default()
    }))
}

/// Moves every committed file of the session into the archive (the same blob: git
/// sees renames); `workflow-session.json` is written completed, and CCW's
/// `.archiving` marker is dropped.
fn archive_files(
    folder: &str,
    archive: &str,
    files: &[WorkFile],
    session_text: &str,
    warnings: &mut Vec<String>,
) -> Vec<Action> {
    let marker = format!("{folder}/{}", ccw::ARCHIVING_MARKER);
    let session_path = format!("{folder}/{}", ccw::SESSION_JSON);
    let mut actions = vec![write(
        &format!("{archive}/{}", ccw::SESSION_JSON),
        session_text.to_string(),
    )];
    for file in files {
        let target = format!("{archive}/{}", &file.path[folder.len() + 1..]);
        if file.path == marker {
            warnings.push(format!(
                "{marker} says an earlier archival was interrupted; this completion finishes it and drops the marker"
            ));
        } else if file.path != session_path {
            actions.push(Action::Move {
                from: file.path.clone(),
                to: target,
            });
            continue;
        }
        actions.push(Action::Delete {
            path: file.path.clone(),
        });
    }
    actions
}

/// The warning naming the files of the session folder that `.gitignore` keeps out
/// of the commit: they are counted and move with the folder in the work tree, but
/// no commit holds them, so no clone and no `git revert` has them.
fn left_out_warning(folder: &str, archive: &str, left_out: &[String]) -> Option<String> {
    let ignored: Vec<&str> = left_out
        .iter()
        .filter(|p| !p.ends_with('/'))
        .map(String::as_str)
        .collect();
    if ignored.is_empty() {
        return None;
    }
    let mut named: Vec<String> = ignored
        .iter()
        .take(10)
        .map(|p| layout::quote(p).into_owned())
        .collect();
    if ignored.len() > 10 {
        named.push(format!("… and {} more", ignored.len() - 10));
    }
    Some(format!(
        "{} of {folder}/ {} ignored by .gitignore and never committed: {}. The metrics and the title count them, and they move to {archive}/ in the work tree, but the commit does not hold them; to have them committed, `git add -f` them first",
        layout::count(ignored.len(), "file"),
        if ignored.len() == 1 { "is" } else { "are" },
        named.join(", ")
    ))
}

/// Why no feature is recorded: there is no project file, or there is one the
/// commit cannot build on because git does not track it.
fn missing_project(on_disk: Option<&str>) -> String {
    if let Some(path) = on_disk {
        return format!(
            "{path} is not committed (untracked or ignored: `git check-ignore -v {path}` says which), so the feature is not recorded; commit it (`git add -f {path}`) to have completions record features"
        );
    }
    let path = ccw::PROJECT_TECH_JSON;
    format!(
        "neither {path} nor {} exists: the session is recorded in no project file (CCW's `/workflow:init` creates {path})",
        ccw::PROJECT_JSON
    )
}

fn write(path: &str, text: String) -> Action {
    Action::Write {
        path: path.to_string(),
        bytes: text.into_bytes(),
        executable: false,
    }
}

/// The feature `project.json` records for a completed session: created and
/// updated now, implemented on the day the session was completed.
fn feature(
    session_id: &str,
    archive: &str,
    plan: &files::Plan,
    facts: &files::SessionFacts,
    now: &str,
    head: &str,
) -> Value {
    let implemented = files::parse_timestamp(&facts.completed)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| now.chars().take(10).collect());
    json!({
        "id": files::feature_id(&plan.title),
        "title": plan.title,
        "description": plan.description,
        "status": "completed",
        "tags": plan.tags,
        "timeline": {
            "created_at": now,
            "implemented_at": implemented,
            "updated_at": now,
        },
        "traceability": {"session_id": session_id, "archive_path": archive, "commit_hash": head},
        "docs": [],
        "relations": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MemTree;

    const FOLDER: &str = ".workflow/sessions/WFS-auth";

    fn work(path: &str, text: &str) -> WorkFile {
        WorkFile {
            path: format!("{FOLDER}/{path}"),
            bytes: text.as_bytes().to_vec(),
            executable: false,
        }
    }

    fn input(files: Vec<WorkFile>) -> CompletionInput {
        CompletionInput {
            folder: FOLDER.into(),
            files,
            left_out: Vec::new(),
            ignored: Vec::new(),
            project_on_disk: None,
            head_hash: "0".repeat(40),
            lessons: json!({}),
            now: 1_765_886_400,
        }
    }

    #[test]
    fn a_seed_era_manifest_keeps_its_schema_and_time_style() {
        let manifest = r#"[{"session_id": "WFS-old", "archived_at": "2025-11-01T10:00:00", "metrics": {"task_count": 2, "success_rate": 50.0}}]"#;
        let head = MemTree::new().with(ccw::MANIFEST, manifest);
        let done = plan_complete(&head, &input(vec![work("workflow-session.json", "{}")])).unwrap();
        assert_eq!(done.entry["metrics"]["task_count"], 0);
        assert!(done.entry["metrics"].get("tasks_completed").is_none());
        assert_eq!(done.entry["archived_at"], "2025-12-16T12:00:00");
    }

    #[test]
    fn project_tech_gets_the_development_index_entry_ccw_writes() {
        let tech = "{\n  \"project_name\": \"p\",\n  \"statistics\": {\"x\": 1}\n}";
        let session = r#"{"session_id": "WFS-auth", "type": "workflow", "description": "Fix the login bug", "tags": ["auth"]}"#;
        let head = MemTree::new().with(ccw::PROJECT_TECH_JSON, tech);
        let done =
            plan_complete(&head, &input(vec![work("workflow-session.json", session)])).unwrap();
        let entry = done.development.expect("an entry");
        assert_eq!(
            entry,
            json!({"title": "Fix the login bug", "sessionId": "WFS-auth", "type": "bugfix", "tags": ["auth"], "archivedAt": "2025-12-16T12:00:00.000Z"})
        );
        let written = done.plan.actions.iter().find_map(|a| match a {
            Action::Write { path, bytes, .. } if path == ccw::PROJECT_TECH_JSON => {
                Some(String::from_utf8(bytes.clone()).unwrap())
            }
            _ => None,
        });
        let written: Value = serde_json::from_str(&written.unwrap()).unwrap();
        assert_eq!(written["development_index"]["bugfix"][0], entry);
        assert_eq!(written["development_index"]["feature"], json!([]));
        assert_eq!(written["statistics"], json!({"x": 1}));
        assert!(done.plan.warnings.iter().all(|w| !w.contains("neither")));
    }

    #[test]
    fn development_kinds_follow_ccws_word_rules() {
        let kind = development::development_kind;
        assert_eq!(kind(Some("docs"), "fix typo"), "docs");
        assert_eq!(kind(None, "resolve crash"), "bugfix");
        assert_eq!(
            kind(None, "prefix handling"),
            "enhancement",
            "no word boundary"
        );
        assert_eq!(kind(None, "Add OAuth"), "feature");
        assert_eq!(kind(None, "cleanup of modules"), "refactor");
    }

    #[test]
    fn a_committed_session_is_archived_with_no_record() {
        let session = r#"{"session_id": "WFS-auth", "status": "active"}"#;
        let task = r#"{"id": "IMPL-1", "status": "completed"}"#;
        let head = MemTree::new()
            .with(&format!("{FOLDER}/workflow-session.json"), session)
            .with(&format!("{FOLDER}/.task/IMPL-1.json"), task);
        let done = plan_complete(
            &head,
            &input(vec![
                work(".task/IMPL-1.json", task),
                work("workflow-session.json", session),
            ]),
        )
        .unwrap();
        assert!(done.plan.record.is_none());
        assert_eq!(done.archive_path, ".workflow/archives/WFS-auth");
        assert_eq!(done.entry["metrics"]["tasks_completed"], 1);
        assert_eq!(done.entry["archived_at"], "2025-12-16T12:00:00.000Z");
        assert!(done.plan.actions.contains(&Action::Move {
            from: format!("{FOLDER}/.task/IMPL-1.json"),
            to: ".workflow/archives/WFS-auth/.task/IMPL-1.json".into(),
        }));
        assert_eq!(done.plan.clean, Clean::paths([ccw::MANIFEST.to_string()]));
        assert!(
            done.plan
                .warnings
                .iter()
                .any(|w| w.contains("neither .workflow/project-tech.json nor")),
            "{:?}",
            done.plan.warnings
        );
    }

    #[test]
    fn uncommitted_work_is_recorded_first_and_deletions_with_it() {
        let head = MemTree::new()
            .with(&format!("{FOLDER}/workflow-session.json"), "{}")
            .with(&format!("{FOLDER}/gone.md"), "deleted by the agent");
        let done = plan_complete(
            &head,
            &input(vec![
                work("notes.md", "未提交"),
                work("workflow-session.json", "{}"),
            ]),
        )
        .unwrap();
        let record = done.plan.record.expect("a record of the folder");
        assert!(record.index_only);
        assert_eq!(record.subject, "workflow: record WFS-auth as it stands");
        assert!(record.actions.contains(&Action::Delete {
            path: format!("{FOLDER}/gone.md")
        }));
        assert!(
            record
                .actions
                .iter()
                .any(|a| matches!(a, Action::Write { path, .. } if path.ends_with("notes.md")))
        );
    }

    #[test]
    fn a_project_file_on_disk_but_not_committed_is_named_as_such() {
        let mut given = input(vec![work("workflow-session.json", "{}")]);
        given.project_on_disk = Some(ccw::PROJECT_JSON);
        let done = plan_complete(&MemTree::new(), &given).unwrap();
        assert!(done.feature.is_none());
        assert!(
            done.plan
                .warnings
                .iter()
                .any(|w| w.contains("is not committed")),
            "{:?}",
            done.plan.warnings
        );
    }
}
