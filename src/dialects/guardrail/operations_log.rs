//! A task's `operations.log` (SPEC §3, §4.1): a header, then one line per operation,
//! each optionally followed by an indented `Summary:` line.

use super::task_session::Operation;

/// The line under the header that explains the entry format.
const FORMAT_LINE: &str = "# Format: [timestamp] OPERATION target_type: target_id (path)";

/// How the log came to be, which decides the header's second line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written by the `task-session-dirs` migration: `# Migrated: <ts>`.
    Migrated,
    /// Written by `task start`: `# Created: <ts>`.
    Created,
}

/// The header every log starts with, ending in the `=` rule line.
pub fn header(task_id: &str, origin: Origin, now: &str) -> String {
    let word = match origin {
        Origin::Migrated => "Migrated",
        Origin::Created => "Created",
    };
    format!(
        "# Operations Log for {task_id}\n# {word}: {now}\n{FORMAT_LINE}\n{}\n",
        "=".repeat(70)
    )
}

/// One entry: `[ts] OPERATION target_type: target_id (path)` and, with a summary,
/// `  Summary: …` on the next line. Always ends with a newline.
pub fn entry(op: &Operation) -> String {
    let mut line = format!(
        "[{}] {}",
        op.timestamp.as_deref().unwrap_or("unknown"),
        op.operation.as_deref().unwrap_or("UNKNOWN")
    );
    match (&op.target_type, &op.target_id) {
        (Some(kind), Some(id)) => line.push_str(&format!(" {kind}: {id}")),
        (Some(kind), None) => line.push_str(&format!(" {kind}")),
        (None, Some(id)) => line.push_str(&format!(" {id}")),
        (None, None) => {}
    }
    if let Some(path) = &op.path {
        line.push_str(&format!(" ({path})"));
    }
    line.push('\n');
    if let Some(summary) = &op.summary {
        line.push_str(&format!("  Summary: {summary}\n"));
    }
    line
}

/// The line the global `.workflow/operations.log` gets for the same operation:
/// `[ts] v001/task_api CREATE file: api.ts (app/api/api.ts)`.
pub fn global_entry(version: &str, task_id: &str, op: &Operation) -> String {
    let line = entry(op);
    let first = line.lines().next().unwrap_or("");
    match first.split_once("] ") {
        Some((stamp, rest)) => format!("{stamp}] {version}/{task_id} {rest}\n"),
        None => format!("{first}\n"),
    }
}

/// Reads a log back: every entry line with the summary under it; header, comments
/// and blank lines skipped.
pub fn parse(text: &str) -> Vec<Operation> {
    let mut ops: Vec<Operation> = Vec::new();
    for line in text.lines() {
        if let Some(summary) = line.strip_prefix("  Summary: ") {
            if let Some(last) = ops.last_mut() {
                last.summary = Some(summary.to_string());
            }
            continue;
        }
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let Some((stamp, body)) = rest.split_once("] ") else {
            continue;
        };
        ops.push(parse_body(stamp, body));
    }
    ops
}

/// `OPERATION target_type: target_id (path)`, each part optional after the first.
fn parse_body(stamp: &str, body: &str) -> Operation {
    let (body, path) = match body.strip_suffix(')').and_then(|b| b.rsplit_once(" (")) {
        Some((body, path)) => (body, Some(path.to_string())),
        None => (body, None),
    };
    let (operation, target) = body.split_once(' ').unwrap_or((body, ""));
    let operation = operation.trim_end_matches(':');
    let (target_type, target_id) = match target.split_once(": ") {
        Some((kind, id)) => (Some(kind.to_string()), Some(id.to_string())),
        None if target.is_empty() => (None, None),
        None => (None, Some(target.to_string())),
    };
    Operation {
        timestamp: Some(stamp.to_string()),
        operation: Some(operation.to_string()),
        target_type,
        target_id,
        path,
        summary: None,
    }
}

/// The whole log a migrated flat session gets: header, the migration line, and the
/// session's own operations when it has any.
pub fn migrated(task_id: &str, now: &str, history: &[Operation]) -> String {
    let mut log = header(task_id, Origin::Migrated, now);
    log.push_str(&format!(
        "[{now}] MIGRATION: Converted from flat file structure\n"
    ));
    if !history.is_empty() {
        log.push_str("\n# Historical operations from session data:\n");
        for op in history {
            log.push_str(&entry(op));
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(
        ts: &str,
        kind: &str,
        target_type: &str,
        id: &str,
        path: &str,
        summary: &str,
    ) -> Operation {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Operation {
            timestamp: some(ts),
            operation: some(kind),
            target_type: some(target_type),
            target_id: some(id),
            path: some(path),
            summary: some(summary),
        }
    }

    #[test]
    fn migrated_log_matches_the_spec_example() {
        let history = [
            op(
                "2025-12-16T11:00:00",
                "CREATE",
                "file",
                "auth.ts",
                "app/lib/auth.ts",
                "Created authentication module",
            ),
            op("2025-12-16T11:15:00", "UPDATE", "entity", "User", "", ""),
        ];
        let expected = "# Operations Log for task_design\n# Migrated: 2025-12-16T12:00:00\n# Format: [timestamp] OPERATION target_type: target_id (path)\n======================================================================\n[2025-12-16T12:00:00] MIGRATION: Converted from flat file structure\n\n# Historical operations from session data:\n[2025-12-16T11:00:00] CREATE file: auth.ts (app/lib/auth.ts)\n  Summary: Created authentication module\n[2025-12-16T11:15:00] UPDATE entity: User\n";
        assert_eq!(
            migrated("task_design", "2025-12-16T12:00:00", &history),
            expected
        );
    }

    #[test]
    fn a_session_without_operations_gets_no_history_section() {
        let log = migrated("t", "2025-01-01T00:00:00", &[]);
        assert!(!log.contains("Historical"));
        assert!(log.ends_with("MIGRATION: Converted from flat file structure\n"));
    }

    #[test]
    fn a_log_reads_back_as_it_was_written() {
        let ops = [
            op(
                "2025-12-16T11:00:00",
                "CREATE",
                "file",
                "auth.ts",
                "app/lib/auth.ts",
                "Made it",
            ),
            op("2025-12-16T11:15:00", "UPDATE", "entity", "User", "", ""),
        ];
        let mut log = header("t", Origin::Created, "2025-12-16T10:00:00");
        for o in &ops {
            log.push_str(&entry(o));
        }
        assert_eq!(parse(&log), ops);
        assert_eq!(
            global_entry("v001", "task_api", &ops[0]),
            "[2025-12-16T11:00:00] v001/task_api CREATE file: auth.ts (app/lib/auth.ts)\n"
        );
    }

    #[test]
    fn missing_fields_still_make_one_readable_line() {
        assert_eq!(entry(&Operation::default()), "[unknown] UNKNOWN\n");
    }
}
