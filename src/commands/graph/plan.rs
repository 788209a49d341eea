//! `git workflow graph plan FILE`: how agentrelay's orchestrator would schedule the
//! graph, step by step, as text, JSON, Mermaid or DOT.

use anyhow::Result;

use super::check::{check_file, print};
use crate::commands::Ctx;
use crate::dialects::agentrelay::{check, plan};
use crate::error;

/// Runs `graph plan`.
pub(super) fn run(
    file: &str,
    concurrency: Option<u64>,
    attempts: Option<u64>,
    fail: &[String],
    duration: &[String],
    format: &str,
    ctx: &Ctx,
) -> Result<()> {
    let report = check_file(file);
    let text = std::fs::read(file)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let verdict = check::check(file, &text);
    let (Some(graph), Some(order)) = (verdict.graph.as_ref(), verdict.order.as_ref()) else {
        print(ctx, &report);
        return Err(error::refused(
            format!("{file} is not a valid graph"),
            "fix the error above (`git workflow graph check`), then plan again",
        ));
    };
    let known = |t: &str| graph.tasks.iter().any(|task| task.id == t);
    let mut settings = plan::Settings {
        max_concurrency: concurrency.or(graph.max_concurrency).unwrap_or(1),
        max_task_attempts: attempts.or(graph.max_task_attempts).unwrap_or(1),
        ..Default::default()
    };
    for t in fail {
        if !known(t) {
            return Err(error::usage(
                format!("--fail {t}: there is no task {t} in {file}"),
                "name a task of the graph",
            ));
        }
        settings.fail.insert(t.clone());
    }
    for d in duration {
        let parsed = d
            .split_once('=')
            .and_then(|(t, n)| Some((t, n.parse::<u64>().ok().filter(|n| *n >= 1)?)));
        match parsed {
            Some((t, n)) if known(t) => {
                settings.duration.insert(t.to_string(), n);
            }
            _ => {
                return Err(error::usage(
                    format!("--duration {d}: expected TASK=N with a task of the graph and N ≥ 1"),
                    "for example --duration build=3",
                ));
            }
        }
    }
    let sim = plan::simulate(graph, order, &settings);
    for w in &sim.merged_at_start {
        ctx.out.warn(format!(
            "workstream '{w}' has no tasks; it is merged at start"
        ));
    }
    if ctx.out.is_json() {
        ctx.out.json(&sim);
        return Ok(());
    }
    let out = match format {
        "json" => format!("{}\n", serde_json::to_string_pretty(&sim)?),
        "mermaid" => plan::mermaid(&sim, graph, order),
        "dot" => plan::dot(&sim, graph, order),
        _ => plan::text(&sim, graph, verdict.workstreams),
    };
    ctx.out.problem(out.trim_end());
    Ok(())
}
