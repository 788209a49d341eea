//! Graph migration: never panic; anything it writes must pass graph check.
#![no_main]
use git_workflow::dialects::agentrelay::{check, migrate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let migrate::Outcome::Migrated { text: out, .. } = migrate::migrate("fuzz.yaml", text) {
            assert!(
                check::check("fuzz.yaml", &out).error.is_none(),
                "migrated output fails check"
            );
        }
    }
});
