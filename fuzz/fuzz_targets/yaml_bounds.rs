//! The bounded YAML loader of SPEC §7: the nesting scan and the alias budget on any
//! text, then the state-file parser behind them. Never a panic, never a hang, and
//! a text the bounds accept parses in memory in proportion to its size (libFuzzer's
//! `-rss_limit_mb` and `-timeout` catch the rest).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = git_workflow::formats::yaml::refuse_deep_flow(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = git_workflow::formats::yaml::within_budget(text);
        let _ = git_workflow::formats::parse_yaml(data);
        let _ = git_workflow::dialects::agentrelay::yaml::load(text);
    }
});
