//! A simulation as people read it: the step-by-step text, and the graph as Mermaid
//! and Graphviz DOT.

use super::*;

/// The text rendering (GRAPH.md §6.4).
pub fn text(sim: &Simulation, graph: &Graph, declared_workstreams: usize) -> String {
    let mut out = format!(
        "plan {}: {} tasks, {} workstreams, max_concurrency {}, max_task_attempts {}\n",
        sim.graph,
        graph.tasks.len(),
        declared_workstreams,
        sim.config["max_concurrency"],
        sim.config["max_task_attempts"]
    );
    let auto: HashMap<&str, bool> = graph
        .workstreams
        .iter()
        .map(|w| (w.id.as_str(), w.auto_merge))
        .collect();
    for step in &sim.steps {
        out.push_str(&format!("step {}\n", step.step));
        let started: Vec<String> = step
            .started
            .iter()
            .zip(&step.attempts)
            .map(|(id, n)| {
                if *n >= 2 {
                    format!("{id} (attempt {n})")
                } else {
                    id.clone()
                }
            })
            .collect();
        let merged: Vec<String> = step
            .merged
            .iter()
            .map(|w| {
                if auto.get(w.as_str()) == Some(&true) {
                    w.clone()
                } else {
                    format!("{w} (merge assumed)")
                }
            })
            .collect();
        for (label, items) in [
            ("started", started),
            ("finished", step.finished.clone()),
            ("retried", step.retried.clone()),
            ("failed", step.failed.clone()),
            ("merged", merged),
        ] {
            if !items.is_empty() {
                out.push_str(&format!("  {label:<9} {}\n", items.join(", ")));
            }
        }
        for b in &step.blocked {
            out.push_str(&format!("  {:<9} {}: {}\n", "blocked", b.task, b.reason));
        }
    }
    for s in &sim.stalled {
        out.push_str(&format!("{:<9} {}: {}\n", "stalled", s.task, s.reason));
    }
    out.push_str(&format!(
        "outcome: {} after {} steps\n",
        sim.outcome,
        sim.steps.len()
    ));
    out
}

/// What both diagrams draw: workstreams numbered by sorted id and nested as the
/// hierarchy nests them, tasks numbered by task order, and how each task ended.
pub(super) struct Diagram<'a> {
    graph: &'a Graph,
    order: &'a [String],
    number: BTreeMap<&'a str, usize>,
    position: HashMap<&'a str, usize>,
    marks: BTreeMap<String, &'static str>,
}

impl<'a> Diagram<'a> {
    fn new(sim: &Simulation, graph: &'a Graph, order: &'a [String]) -> Self {
        let sorted: BTreeSet<&str> = graph.workstreams.iter().map(|w| w.id.as_str()).collect();
        let mut marks = BTreeMap::new();
        for step in &sim.steps {
            for f in &step.failed {
                marks.insert(f.clone(), "failed");
            }
            for b in &step.blocked {
                marks.insert(b.task.clone(), "blocked");
            }
        }
        for st in &sim.stalled {
            marks.insert(st.task.clone(), "stalled");
        }
        Self {
            graph,
            order,
            number: sorted.iter().enumerate().map(|(k, w)| (*w, k)).collect(),
            position: order
                .iter()
                .enumerate()
                .map(|(k, id)| (id.as_str(), k))
                .collect(),
            marks,
        }
    }

    /// Workstreams under `parent` (the roots for `None`), sorted by id.
    fn children(&self, parent: Option<&str>) -> Vec<&'a str> {
        let mut kids: Vec<&str> = self
            .graph
            .workstreams
            .iter()
            .filter(|w| w.parent.as_deref() == parent)
            .map(|w| w.id.as_str())
            .collect();
        kids.sort();
        kids
    }

    /// The tasks of a workstream, in task order.
    fn tasks_of(&self, ws: &str) -> Vec<&'a String> {
        self.order
            .iter()
            .filter(|id| {
                self.graph
                    .tasks
                    .iter()
                    .any(|t| &t.id == *id && t.workstream == ws)
            })
            .collect()
    }

    /// Every dependency edge `(dep, task)`, by task in task order, then declared order.
    fn edges(&self) -> Vec<(&'a str, &'a str)> {
        let mut edges = Vec::new();
        for id in self.order {
            if let Some(task) = self.graph.tasks.iter().find(|t| &t.id == id) {
                edges.extend(task.dependencies.iter().map(|d| (d.as_str(), id.as_str())));
            }
        }
        edges
    }

    fn mermaid_block(&self, out: &mut String, ws: &str, depth: usize) {
        let pad = "  ".repeat(depth);
        out.push_str(&format!(
            "{pad}subgraph ws{}[\"{}\"]\n",
            self.number[ws],
            ws.replace('"', "#quot;")
        ));
        for id in self.tasks_of(ws) {
            out.push_str(&format!(
                "{pad}  t{}[\"{}\"]\n",
                self.position[id.as_str()],
                id.replace('"', "#quot;")
            ));
        }
        for child in self.children(Some(ws)) {
            self.mermaid_block(out, child, depth + 1);
        }
        out.push_str(&format!("{pad}end\n"));
    }

    fn dot_cluster(&self, out: &mut String, ws: &str, depth: usize) {
        let pad = "  ".repeat(depth);
        out.push_str(&format!(
            "{pad}subgraph \"cluster_ws{}\" {{\n{pad}  label=\"{}\";\n",
            self.number[ws],
            dot_escape(ws)
        ));
        for id in self.tasks_of(ws) {
            let attr = match self.marks.get(id.as_str()).copied() {
                Some("failed") => " [color=red]",
                Some("blocked") => " [style=dashed]",
                Some("stalled") => " [style=dotted]",
                _ => "",
            };
            out.push_str(&format!("{pad}  \"{}\"{attr};\n", dot_escape(id)));
        }
        for child in self.children(Some(ws)) {
            self.dot_cluster(out, child, depth + 1);
        }
        out.push_str(&format!("{pad}}}\n"));
    }
}

pub(super) fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Mermaid flowchart: workstreams as nested subgraphs, tasks as nodes, dependencies as
/// edges, failed/blocked/stalled tasks classed.
pub fn mermaid(sim: &Simulation, graph: &Graph, order: &[String]) -> String {
    let d = Diagram::new(sim, graph, order);
    let mut out = String::from("flowchart TD\n");
    for root in d.children(None) {
        d.mermaid_block(&mut out, root, 1);
    }
    for (dep, task) in d.edges() {
        out.push_str(&format!(
            "  t{} --> t{}\n",
            d.position[dep], d.position[task]
        ));
    }
    let styles = [
        ("failed", "fill:#f8d7da,stroke:#b00020"),
        (
            "blocked",
            "fill:#eeeeee,stroke:#888888,stroke-dasharray:4 3",
        ),
        ("stalled", "fill:#fff3cd,stroke:#b38600"),
    ];
    for (class, style) in styles {
        if d.marks.values().any(|m| *m == class) {
            out.push_str(&format!("  classDef {class} {style}\n"));
        }
    }
    for (class, _) in styles {
        let nodes: Vec<String> = order
            .iter()
            .filter(|id| d.marks.get(*id) == Some(&class))
            .map(|id| format!("t{}", d.position[id.as_str()]))
            .collect();
        if !nodes.is_empty() {
            out.push_str(&format!("  class {} {class}\n", nodes.join(",")));
        }
    }
    out
}

/// Graphviz DOT: workstreams as nested clusters.
pub fn dot(sim: &Simulation, graph: &Graph, order: &[String]) -> String {
    let d = Diagram::new(sim, graph, order);
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box];\n",
        dot_escape(&graph.name)
    );
    for root in d.children(None) {
        d.dot_cluster(&mut out, root, 1);
    }
    for (dep, task) in d.edges() {
        out.push_str(&format!(
            "  \"{}\" -> \"{}\";\n",
            dot_escape(dep),
            dot_escape(task)
        ));
    }
    out.push_str("}\n");
    out
}
