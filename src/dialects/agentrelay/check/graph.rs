//! The checks of the graph as a whole (GRAPH.md §3.3, §3.9): workstreams, the
//! references between tasks and workstreams, dependency cycles, the task order.

use super::*;

pub(super) fn workstreams(node: Option<&Node>) -> Check<Option<Vec<Workstream>>> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(None);
    };
    let Value::Seq(items) = &node.value else {
        return Err(at("graph.workstreams", "must be a list"));
    };
    if items.is_empty() {
        return Err(at(
            "graph.workstreams",
            "must contain at least one workstream",
        ));
    }
    let mut out: Vec<Workstream> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let loc = format!("graph.workstreams[{i}]");
        let Value::Map(entries) = &item.value else {
            return Err(at(loc, "must be a mapping/object"));
        };
        unknown_keys(
            entries,
            &loc,
            &[
                "id",
                "parent_workstream_id",
                "base_branch",
                "merge_target_branch",
                "auto_merge",
                "isolation",
            ],
        )?;
        let id = nes(
            required(item, "id", &format!("{loc}.id"))?,
            &format!("{loc}.id"),
        )?;
        let parent = optional_nes(
            item.get("parent_workstream_id"),
            &format!("{loc}.parent_workstream_id"),
        )?;
        for key in ["base_branch", "merge_target_branch"] {
            if let Some(branch) = item.get(key) {
                nes(branch, &format!("{loc}.{key}"))?;
            }
        }
        let auto_merge = match item.get("auto_merge").map(|n| &n.value) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(at(format!("{loc}.auto_merge"), "must be a boolean")),
        };
        isolation(item.get("isolation"), &format!("{loc}.isolation"))?;
        if out.iter().any(|w| w.id == id) {
            return Err(at(
                format!("{loc}.id"),
                format!("duplicate workstream id '{id}'"),
            ));
        }
        out.push(Workstream {
            id,
            parent,
            auto_merge,
        });
    }
    Ok(Some(out))
}

/// §3.8: dependencies, then inputs_from, then cycles.
pub(super) fn cross_references(tasks: &[TaskSpec]) -> Check<()> {
    let index: HashMap<&str, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    for (i, task) in tasks.iter().enumerate() {
        for (j, dep) in task.dependencies.iter().enumerate() {
            if !index.contains_key(dep.as_str()) {
                return Err(at(
                    format!("tasks[{i}].dependencies[{j}]"),
                    format!("unknown dependency id '{dep}'"),
                ));
            }
        }
    }
    for (i, task) in tasks.iter().enumerate() {
        for (j, target) in task.inputs.iter().enumerate() {
            let loc = format!("tasks[{i}].inputs_from[{j}].task");
            if !index.contains_key(target.as_str()) {
                return Err(at(loc, format!("unknown task id '{target}'")));
            }
            if !reachable(tasks, &index, i).contains(target.as_str()) {
                return Err(at(
                    loc,
                    format!(
                        "task '{target}' is not a dependency (direct or transitive) of task '{}'",
                        task.id
                    ),
                ));
            }
        }
    }
    if let Some(cycle) = dependency_cycle(tasks, &index) {
        return Err(at(
            "tasks",
            format!("contains a dependency cycle: {}", cycle.join(" -> ")),
        ));
    }
    Ok(())
}

/// Every task reachable from task `start` along dependency edges (itself only through
/// a cycle).
pub(super) fn reachable<'t>(
    tasks: &'t [TaskSpec],
    index: &HashMap<&str, usize>,
    start: usize,
) -> HashSet<&'t str> {
    let mut seen = HashSet::new();
    let mut stack: Vec<usize> = tasks[start]
        .dependencies
        .iter()
        .filter_map(|d| index.get(d.as_str()).copied())
        .collect();
    while let Some(i) = stack.pop() {
        if seen.insert(tasks[i].id.as_str()) {
            stack.extend(
                tasks[i]
                    .dependencies
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied()),
            );
        }
    }
    seen
}

/// Depth-first from each task in file order, dependencies in declared order; the
/// first edge back onto the stack closes the cycle.
pub(super) fn dependency_cycle(
    tasks: &[TaskSpec],
    index: &HashMap<&str, usize>,
) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    fn visit(
        i: usize,
        tasks: &[TaskSpec],
        index: &HashMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        marks[i] = Mark::OnStack;
        stack.push(i);
        for dep in &tasks[i].dependencies {
            let d = index[dep.as_str()];
            match marks[d] {
                Mark::OnStack => {
                    let from = stack.iter().position(|&s| s == d)?;
                    let mut path: Vec<String> =
                        stack[from..].iter().map(|&s| tasks[s].id.clone()).collect();
                    path.push(tasks[d].id.clone());
                    return Some(path);
                }
                Mark::New => {
                    if let Some(cycle) = visit(d, tasks, index, marks, stack) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; tasks.len()];
    for i in 0..tasks.len() {
        if marks[i] == Mark::New
            && let Some(cycle) = visit(i, tasks, index, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// §3.9, in order.
pub(super) fn graph_checks(
    tasks: &[TaskSpec],
    workstreams: &[Workstream],
    max_depth: u64,
) -> Check<()> {
    let known: BTreeSet<&str> = workstreams.iter().map(|w| w.id.as_str()).collect();
    let unknown: BTreeSet<&str> = tasks
        .iter()
        .map(|t| t.workstream.as_str())
        .filter(|w| !known.contains(w))
        .collect();
    if !unknown.is_empty() {
        return Err(plain(format!(
            "Unknown workstream id(s) referenced by tasks: {}.",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    for w in workstreams {
        if let Some(p) = &w.parent
            && !known.contains(p.as_str())
        {
            return Err(plain(format!(
                "Workstream '{}' references unknown parent_workstream_id '{p}'.",
                w.id
            )));
        }
    }
    let parent: HashMap<&str, &str> = workstreams
        .iter()
        .filter_map(|w| Some((w.id.as_str(), w.parent.as_deref()?)))
        .collect();
    let mut acyclic: HashSet<&str> = HashSet::new();
    for start in &known {
        if acyclic.contains(start) {
            continue;
        }
        let mut path: Vec<&str> = vec![start];
        let mut at_ws = *start;
        while let Some(&p) = parent.get(at_ws) {
            if acyclic.contains(p) {
                break;
            }
            if let Some(first) = path.iter().position(|&x| x == p) {
                let mut cycle: Vec<&str> = path[first..].to_vec();
                cycle.push(p);
                return Err(plain(format!(
                    "Workstream hierarchy contains a cycle: {}",
                    cycle.join(" -> ")
                )));
            }
            path.push(p);
            at_ws = p;
        }
        acyclic.extend(path);
    }
    for w in workstreams {
        let mut depth = 0u64;
        let mut at_ws = w.id.as_str();
        while let Some(&p) = parent.get(at_ws) {
            depth += 1;
            at_ws = p;
        }
        if depth > max_depth {
            return Err(plain(format!(
                "Workstream '{}' exceeds maximum supported depth of {max_depth}.",
                w.id
            )));
        }
    }
    Ok(())
}

/// §3.10: Kahn's algorithm, the smallest ready id by code point first.
pub(super) fn task_order(tasks: &[TaskSpec]) -> Vec<String> {
    let mut waiting: HashMap<&str, usize> = HashMap::new();
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut ready: BTreeSet<&str> = BTreeSet::new();
    for t in tasks {
        waiting.insert(&t.id, t.dependencies.len());
        for d in &t.dependencies {
            dependents.entry(d).or_default().push(&t.id);
        }
        if t.dependencies.is_empty() {
            ready.insert(&t.id);
        }
    }
    let mut placed = Vec::with_capacity(tasks.len());
    while let Some(next) = ready.pop_first() {
        placed.push(next.to_string());
        for &child in dependents.get(next).into_iter().flatten() {
            if let Some(left) = waiting.get_mut(child) {
                *left -= 1;
                if *left == 0 {
                    ready.insert(child);
                }
            }
        }
    }
    placed
}
