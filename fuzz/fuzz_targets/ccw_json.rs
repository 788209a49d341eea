//! The CCW JSON edits: whatever they produce must be valid JSON (as JavaScript's
//! `JSON.parse`, and so `formats::read_json`, reads it) holding the edit.
#![no_main]
use git_workflow::dialects::ccw::files as ccw;
use git_workflow::formats::read_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let entry = serde_json::json!({"session_id": "WFS-fuzz", "n": [1, 2]});
    if let Ok(out) = ccw::Manifest::parse(text).and_then(|m| m.appended(&entry)) {
        let v = read_json(out.as_bytes()).expect("manifest edit made invalid JSON");
        let list = v
            .as_array()
            .or_else(|| v["archives"].as_array())
            .or_else(|| v["sessions"].as_array())
            .expect("no archive list");
        assert_eq!(list.last(), Some(&entry));
    }
    if let Ok(out) = ccw::add_feature(text, &entry, "2025-01-01T00:00:00") {
        let v = read_json(out.as_bytes()).expect("project edit made invalid JSON");
        assert_eq!(
            v["features"].as_array().and_then(|f| f.last()),
            Some(&entry)
        );
    }
    if let Ok((out, _)) = ccw::complete_session(Some(text), "WFS-fuzz", 1_700_000_000) {
        let v = read_json(out.as_bytes()).expect("session edit made invalid JSON");
        assert_eq!(v["status"], "completed");
    }
});
