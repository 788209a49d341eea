//! `graph plan`: the dry, discrete-step simulation of agentrelay's orchestrator
//! (GRAPH.md §5, §6.3), and its text, JSON, Mermaid and DOT renderings.

use super::check::Graph;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod render;

pub use render::{dot, mermaid, text};

/// The knobs of a simulation (GRAPH.md §6.1).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--concurrency`, else the file's `max_concurrency`, else 1.
    pub max_concurrency: u64,
    /// `--attempts`, else the file's `max_task_attempts`, else 1.
    pub max_task_attempts: u64,
    /// Tasks every attempt of which fails.
    pub fail: BTreeSet<String>,
    /// Steps one attempt of a task takes (default 1).
    pub duration: HashMap<String, u64>,
}

/// One step of the simulation, as JSON shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Step {
    /// 1, 2, …
    pub step: usize,
    /// Tasks started, in dispatch order.
    pub started: Vec<String>,
    /// Attempts that succeeded.
    pub finished: Vec<String>,
    /// Attempts that failed with attempts left.
    pub retried: Vec<String>,
    /// Last attempts that failed.
    pub failed: Vec<String>,
    /// Tasks failed by orchestration rules, with the reason.
    pub blocked: Vec<Blocked>,
    /// Workstreams merged in this step, in merge order.
    pub merged: Vec<String>,
    /// The attempt number of each started task (for text output).
    #[serde(skip)]
    pub attempts: Vec<u64>,
}

/// A task blocked by orchestration rules.
#[derive(Debug, Clone, Serialize)]
pub struct Blocked {
    /// The task.
    pub task: String,
    /// `Blocked by orchestration rules: …`.
    pub reason: String,
}

/// A task left pending at the end, with our reason.
#[derive(Debug, Clone, Serialize)]
pub struct Stalled {
    /// The task.
    pub task: String,
    /// Why it never ran.
    pub reason: String,
}

/// The whole simulation.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// The graph's trimmed name.
    pub graph: String,
    /// The effective settings.
    pub config: serde_json::Value,
    /// Workstreams with no tasks, merged before step 1.
    pub merged_at_start: Vec<String>,
    /// Every step.
    pub steps: Vec<Step>,
    /// Tasks that never ran.
    pub stalled: Vec<Stalled>,
    /// `succeeded` or `completed_with_failures`.
    pub outcome: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TaskState {
    Pending,
    Running,
    Succeeded,
    Failed,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WsState {
    Pending,
    Active,
    Merged,
    Failed,
}

struct Sim<'g> {
    graph: &'g Graph,
    settings: &'g Settings,
    order: Vec<usize>,
    index: HashMap<&'g str, usize>,
    state: Vec<TaskState>,
    used: Vec<u64>,
    left: Vec<u64>,
    ws: BTreeMap<&'g str, WsState>,
}

/// Runs the simulation of a valid graph in `order` (§3.10).
pub fn simulate(graph: &Graph, order: &[String], settings: &Settings) -> Simulation {
    let index: HashMap<&str, usize> = graph
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let mut sim = Sim {
        graph,
        settings,
        order: order.iter().map(|id| index[id.as_str()]).collect(),
        index,
        state: vec![TaskState::Pending; graph.tasks.len()],
        used: vec![0; graph.tasks.len()],
        left: vec![0; graph.tasks.len()],
        ws: graph
            .workstreams
            .iter()
            .map(|w| (w.id.as_str(), WsState::Pending))
            .collect(),
    };
    let merged_at_start: Vec<String> = graph
        .workstreams
        .iter()
        .filter(|w| !graph.tasks.iter().any(|t| t.workstream == w.id))
        .map(|w| w.id.clone())
        .collect();
    for w in &merged_at_start {
        sim.ws.insert(w.as_str(), WsState::Merged);
    }
    let mut steps = Vec::new();
    loop {
        let mut step = Step {
            step: steps.len() + 1,
            ..Step::default()
        };
        sim.dispatch(&mut step, true);
        if !sim.state.contains(&TaskState::Running) {
            step.blocked = sim.resolve_blocked();
            steps.push(step);
            break;
        }
        sim.advance(&mut step);
        let all_done = sim
            .state
            .iter()
            .all(|s| matches!(s, TaskState::Succeeded | TaskState::Failed));
        let stuck = !all_done
            && !sim.state.contains(&TaskState::Running)
            && !sim.dispatch(&mut Step::default(), false);
        if stuck {
            step.blocked = sim.resolve_blocked();
        }
        steps.push(step);
        if all_done || stuck {
            break;
        }
    }
    let stalled = sim.stalled();
    let failed = sim.state.contains(&TaskState::Failed);
    Simulation {
        graph: graph.name.clone(),
        config: serde_json::json!({
            "max_concurrency": settings.max_concurrency,
            "max_task_attempts": settings.max_task_attempts,
            "fail_fast_on_workstream_error": graph.fail_fast_on_workstream_error,
        }),
        merged_at_start,
        steps,
        outcome: if failed || !stalled.is_empty() {
            "completed_with_failures"
        } else {
            "succeeded"
        },
        stalled,
    }
}

impl<'g> Sim<'g> {
    fn task_ws(&self, i: usize) -> &'g str {
        self.graph.tasks[i].workstream.as_str()
    }

    fn ancestors(&self, ws: &str) -> Vec<&'g str> {
        let mut out = Vec::new();
        let mut at = ws;
        while let Some(p) = self
            .graph
            .workstreams
            .iter()
            .find(|w| w.id == at)
            .and_then(|w| w.parent.as_deref())
        {
            out.push(p);
            at = p;
        }
        out
    }

    /// Workstreams of direct dependencies other than the task's own, sorted.
    fn upstream(&self, i: usize) -> BTreeSet<&'g str> {
        let own = self.task_ws(i);
        self.graph.tasks[i]
            .dependencies
            .iter()
            .map(|d| self.task_ws(self.index[d.as_str()]))
            .filter(|w| *w != own)
            .collect()
    }

    /// §5.1, reading "merged" for "pr_created or merged". With `start` false it only
    /// says whether anything could start.
    fn dispatch(&mut self, step: &mut Step, start: bool) -> bool {
        let mut running = self
            .state
            .iter()
            .filter(|s| **s == TaskState::Running)
            .count() as u64;
        let mut any = false;
        for &i in &self.order.clone() {
            let deps_ok = self.graph.tasks[i]
                .dependencies
                .iter()
                .all(|d| self.state[self.index[d.as_str()]] == TaskState::Succeeded);
            if !deps_ok || self.state[i] != TaskState::Pending {
                continue;
            }
            if running >= self.settings.max_concurrency {
                break;
            }
            let ws = self.task_ws(i);
            let own = self.ws[ws];
            if matches!(own, WsState::Failed | WsState::Merged) {
                continue;
            }
            let busy = (0..self.state.len())
                .any(|j| j != i && self.task_ws(j) == ws && self.state[j] == TaskState::Running);
            if busy {
                continue;
            }
            if !self
                .ancestors(ws)
                .iter()
                .all(|a| self.ws[a] == WsState::Merged)
            {
                continue;
            }
            if !self
                .upstream(i)
                .iter()
                .all(|u| self.ws[u] == WsState::Merged)
            {
                continue;
            }
            if own == WsState::Pending {
                if self.graph.fail_fast_on_workstream_error
                    && self.ws.values().any(|s| *s == WsState::Failed)
                {
                    continue;
                }
                if start {
                    self.ws.insert(ws, WsState::Active);
                }
            }
            any = true;
            if !start {
                return true;
            }
            self.state[i] = TaskState::Running;
            self.used[i] += 1;
            self.left[i] = *self
                .settings
                .duration
                .get(&self.graph.tasks[i].id)
                .unwrap_or(&1);
            step.started.push(self.graph.tasks[i].id.clone());
            step.attempts.push(self.used[i]);
            running += 1;
        }
        any
    }

    /// One step passes for every running attempt; the ones that end are processed in
    /// task order.
    fn advance(&mut self, step: &mut Step) {
        for &i in &self.order.clone() {
            if self.state[i] != TaskState::Running {
                continue;
            }
            self.left[i] -= 1;
            if self.left[i] > 0 {
                continue;
            }
            let id = self.graph.tasks[i].id.clone();
            if !self.settings.fail.contains(&id) {
                self.state[i] = TaskState::Succeeded;
                step.finished.push(id);
                self.merge_ready(step);
            } else if self.used[i] < self.settings.max_task_attempts {
                self.state[i] = TaskState::Pending;
                step.retried.push(id);
            } else {
                self.state[i] = TaskState::Failed;
                self.ws.insert(self.task_ws(i), WsState::Failed);
                step.failed.push(id);
            }
        }
    }

    /// Every workstream, in sorted id order, whose tasks have all succeeded merges.
    fn merge_ready(&mut self, step: &mut Step) {
        let ids: Vec<&'g str> = self.ws.keys().copied().collect();
        for ws in ids {
            if matches!(self.ws[ws], WsState::Failed | WsState::Merged) {
                continue;
            }
            let done = (0..self.state.len())
                .filter(|&j| self.task_ws(j) == ws)
                .all(|j| self.state[j] == TaskState::Succeeded);
            if done {
                self.ws.insert(ws, WsState::Merged);
                step.merged.push(ws.to_string());
            }
        }
    }

    /// §5.3: passes over the pending tasks until one changes nothing.
    fn resolve_blocked(&mut self) -> Vec<Blocked> {
        let mut blocked = Vec::new();
        loop {
            let mut changed = false;
            for &i in &self.order.clone() {
                if self.state[i] != TaskState::Pending {
                    continue;
                }
                if let Some(reason) = self.block_reason(i) {
                    self.state[i] = TaskState::Failed;
                    self.ws.insert(self.task_ws(i), WsState::Failed);
                    blocked.push(Blocked {
                        task: self.graph.tasks[i].id.clone(),
                        reason: format!("Blocked by orchestration rules: {reason}"),
                    });
                    changed = true;
                }
            }
            if !changed || !self.state.contains(&TaskState::Pending) {
                return blocked;
            }
        }
    }

    fn block_reason(&self, i: usize) -> Option<String> {
        if let Some(d) = self.graph.tasks[i]
            .dependencies
            .iter()
            .find(|d| self.state[self.index[d.as_str()]] == TaskState::Failed)
        {
            return Some(format!("dependency '{d}' failed"));
        }
        let ws = self.task_ws(i);
        if self.ws[ws] == WsState::Failed {
            return Some(format!("workstream '{ws}' failed"));
        }
        for a in self.ancestors(ws) {
            match self.ws[a] {
                WsState::Failed => return Some(format!("ancestor workstream '{a}' failed")),
                WsState::Merged => {}
                _ => {
                    return Some(format!(
                        "waiting for parent workstream '{a}' to complete integration"
                    ));
                }
            }
        }
        for u in self.upstream(i) {
            match self.ws[u] {
                WsState::Failed => return Some(format!("upstream workstream '{u}' failed")),
                WsState::Merged => {}
                _ => return None,
            }
        }
        None
    }

    fn stalled(&self) -> Vec<Stalled> {
        self.order
            .iter()
            .filter(|&&i| self.state[i] == TaskState::Pending)
            .map(|&i| {
                let task = &self.graph.tasks[i];
                let reason = if let Some(d) = task.dependencies.iter().find(|d| self.state[self.index[d.as_str()]] != TaskState::Succeeded) {
                    format!("waiting for dependency '{d}'")
                } else if let Some(u) = self.upstream(i).into_iter().find(|u| self.ws[u] != WsState::Merged) {
                    format!("waiting for upstream workstream '{u}' to merge")
                } else if let Some(f) = self.ws.iter().find(|(_, s)| **s == WsState::Failed).map(|(w, _)| *w) {
                    format!("workstream '{}' not started: fail_fast_on_workstream_error after workstream '{f}' failed", task.workstream)
                } else {
                    "not started".to_string()
                };
                Stalled { task: task.id.clone(), reason }
            })
            .collect()
    }
}
