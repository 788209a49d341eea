//! Task sessions and operations logs: parse, render, read back.
#![no_main]
use git_workflow::dialects::guardrail::{operations_log, task_session::TaskSession};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(session) = TaskSession::parse(data) {
        let ops = session.operations();
        let log = operations_log::migrated("t", "2025-01-01T00:00:00", &ops);
        let _ = operations_log::parse(&log);
    }
    let _ = operations_log::parse(&String::from_utf8_lossy(data));
});
