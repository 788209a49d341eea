//! The YAML 1.1 loader and the whole graph check: never panic, never hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let verdict = git_workflow::dialects::agentrelay::check::check("fuzz.yaml", text);
        if let (Some(graph), Some(order)) = (&verdict.graph, &verdict.order) {
            let settings = git_workflow::dialects::agentrelay::plan::Settings {
                max_concurrency: 2,
                max_task_attempts: 2,
                ..Default::default()
            };
            let _ = git_workflow::dialects::agentrelay::plan::simulate(graph, order, &settings);
        }
    }
});
