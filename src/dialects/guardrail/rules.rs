//! The guardrail dialect's rules (SPEC §6.1): no flat task-session files, no task
//! session folder without its three files.

use anyhow::Result;

use crate::dialects::guardrail;
use crate::engine::rule::{Content, Rule, Violation};

/// A flat task-session file, the old layout.
pub const FLAT: Rule = Rule {
    id: "flat-task-session",
    rejects: ".workflow/versions/*/task_sessions/<id>.yml or .yaml",
};

/// A task-session folder without all of its files.
pub const INCOMPLETE: Rule = Rule {
    id: "incomplete-task-session",
    rejects: "a task_sessions/<id>/ folder lacking session.yml, task.yml or operations.log",
};

/// The violation of a flat task-session file, by its path alone.
pub fn flat(path: &str) -> Option<Violation> {
    guardrail::is_flat_session(path).then(|| Violation {
        rule: FLAT.id,
        path: path.to_string(),
        message: format!(
            "{path}: a flat task-session file, the old layout; sessions are folders: task_sessions/<id>/session.yml"
        ),
        fix: "write the session as a folder (`git workflow task start`), or commit it with GIT_WORKFLOW_SKIP=1 and run `git workflow migrate`".into(),
    })
}

/// A task-session folder that holds files but not all three it must.
pub fn incomplete(folder: &str, content: &dyn Content) -> Result<Option<Violation>> {
    let files = content.files_in(folder)?;
    if files.is_empty() {
        return Ok(None);
    }
    let missing: Vec<&str> = guardrail::TASK_SESSION_FILES
        .into_iter()
        .filter(|f| !files.iter().any(|have| have == f))
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    Ok(Some(Violation {
        rule: INCOMPLETE.id,
        path: format!("{folder}/"),
        message: format!("{folder}/ is a task session without {}", missing.join(", ")),
        fix: "a task session folder holds session.yml, task.yml and operations.log: add the missing files (`git workflow task start` writes all three)".into(),
    }))
}

/// Whether a rule of this dialect gives meaning to `name` right under
/// `.workflow/` (a folder under any other name checks the same wherever it stands).
pub fn reads_first_level(name: &str) -> bool {
    name.eq_ignore_ascii_case("versions")
}
