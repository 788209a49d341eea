//! task.yml snapshots: whatever is appended must read back as the definition plus
//! the metadata (from_definition checks that itself, or re-serialises).
#![no_main]
use git_workflow::dialects::guardrail::task_snapshot::{self, SnapshotMeta};
use git_workflow::formats::parse_yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let meta = SnapshotMeta {
        snapshotted_at: "2025-01-01T00:00:00".into(),
        source_path: Some("tasks/t.yml".into()),
        status_at_snapshot: serde_yaml_value(),
        migration_note: Some("fuzz".into()),
    };
    if let Ok(out) = task_snapshot::from_definition(data, &meta) {
        assert!(parse_yaml(&out).is_ok(), "a snapshot that does not parse");
    }
});

fn serde_yaml_value() -> git_workflow::formats::YamlValue {
    git_workflow::formats::YamlValue::Null
}
