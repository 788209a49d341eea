//! One task's fields, checked in agentrelay's order (GRAPH.md §3.4–§3.8): id,
//! dependencies, inputs, paths, agents, environment, review, isolation.

use super::*;

/// What phase D keeps of a task for the later checks.
pub(super) struct TaskSpec {
    pub(super) id: String,
    pub(super) dependencies: Vec<String>,
    pub(super) inputs: Vec<String>,
    pub(super) workstream: String,
}

pub(super) fn task(node: &Node, i: usize, model_forced: bool) -> Check<TaskSpec> {
    let loc = format!("tasks[{i}]");
    let Value::Map(entries) = &node.value else {
        return Err(at(&loc, "must be a mapping/object"));
    };
    unknown_keys(entries, &loc, TASK_KEYS)?;

    let id = nes(
        required(node, "id", &format!("{loc}.id"))?,
        &format!("{loc}.id"),
    )?;
    enumeration(
        node.get("role"),
        &format!("{loc}.role"),
        "role",
        &[
            "spec_writer",
            "test_writer",
            "test_reviewer",
            "implementer",
            "generic",
        ],
    )?;
    match node.get("description").map(|n| &n.value) {
        None | Some(Value::Null) | Some(Value::Str(_)) => {}
        Some(_) => return Err(at(format!("{loc}.description"), "must be a string or null")),
    }
    let dependencies = dependencies(node.get("dependencies"), &loc)?;
    let inputs = inputs_from(node.get("inputs_from"), &loc)?;
    paths(node, &loc)?;
    optional_nes(
        node.get("completion_gate"),
        &format!("{loc}.completion_gate"),
    )?;
    positive(
        node.get("max_gate_attempts"),
        &format!("{loc}.max_gate_attempts"),
    )?;
    match node.get("primary_agent") {
        Some(agent) if agent.value == Value::Null && model_forced => {
            return Err(at(
                format!("{loc}.primary_agent"),
                "must be a mapping/object",
            ));
        }
        agent => agent_block(agent, &format!("{loc}.primary_agent"))?,
    }
    review(node.get("review"), &format!("{loc}.review"))?;
    let workstream = optional_nes(node.get("workstream_id"), &format!("{loc}.workstream_id"))?
        .unwrap_or_else(|| "default".into());
    isolation(node.get("isolation"), &format!("{loc}.isolation"))?;
    Ok(TaskSpec {
        id,
        dependencies,
        inputs,
        workstream,
    })
}

pub(super) fn dependencies(node: Option<&Node>, loc: &str) -> Check<Vec<String>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let Value::Seq(items) = &node.value else {
        return Err(at(
            format!("{loc}.dependencies"),
            "must be a list of task IDs",
        ));
    };
    let mut deps: Vec<String> = Vec::new();
    for (j, item) in items.iter().enumerate() {
        let where_ = format!("{loc}.dependencies[{j}]");
        let dep = nes(item, &where_)?;
        if deps.contains(&dep) {
            return Err(at(where_, format!("duplicate dependency id '{dep}'")));
        }
        deps.push(dep);
    }
    Ok(deps)
}

pub(super) fn inputs_from(node: Option<&Node>, loc: &str) -> Check<Vec<String>> {
    let items: Vec<&Node> = match node.map(|n| (&n.value, n)) {
        None | Some((Value::Null, _)) => return Ok(Vec::new()),
        Some((Value::Map(_), n)) => vec![n],
        Some((Value::Seq(items), _)) => items.iter().collect(),
        Some(_) => {
            return Err(at(
                format!("{loc}.inputs_from"),
                "must be a mapping or list of mappings",
            ));
        }
    };
    let mut targets = Vec::new();
    for (j, item) in items.into_iter().enumerate() {
        let where_ = format!("{loc}.inputs_from[{j}]");
        let Value::Map(entries) = &item.value else {
            return Err(at(where_, "must be a mapping/object"));
        };
        unknown_keys(entries, &where_, &["task", "category"])?;
        targets.push(nes(
            required(item, "task", &format!("{where_}.task"))?,
            &format!("{where_}.task"),
        )?);
        optional_nes(item.get("category"), &format!("{where_}.category"))?;
    }
    Ok(targets)
}

pub(super) fn paths(task: &Node, loc: &str) -> Check<()> {
    let (paths, tagged) = (task.get("paths"), task.get("tagged_paths"));
    if paths.is_some() && tagged.is_some() {
        return Err(at(loc, "'paths' and 'tagged_paths' are mutually exclusive"));
    }
    if let Some(tagged) = tagged {
        let where_ = format!("{loc}.tagged_paths");
        let Value::Seq(items) = &tagged.value else {
            return Err(at(where_, "must be a list of {path, category} mappings"));
        };
        for (k, item) in items.iter().enumerate() {
            let at_k = format!("{where_}[{k}]");
            let Value::Map(entries) = &item.value else {
                return Err(at(at_k, "must be a mapping/object"));
            };
            unknown_keys(entries, &at_k, &["path", "category"])?;
            nes(
                required(item, "path", &format!("{at_k}.path"))?,
                &format!("{at_k}.path"),
            )?;
            nes(
                required(item, "category", &format!("{at_k}.category"))?,
                &format!("{at_k}.category"),
            )?;
        }
    }
    let Some(paths) = paths.filter(|p| p.value != Value::Null) else {
        return Ok(());
    };
    let where_ = format!("{loc}.paths");
    let Value::Map(entries) = &paths.value else {
        return Err(at(where_, "must be a mapping/object"));
    };
    unknown_keys(entries, &where_, &["src", "test", "spec"])?;
    for key in ["src", "test"] {
        let Some(list) = paths.get(key) else { continue };
        let at_key = format!("{where_}.{key}");
        let Value::Seq(items) = &list.value else {
            return Err(at(at_key, "must be a list of strings"));
        };
        for (k, item) in items.iter().enumerate() {
            nes(item, &format!("{at_key}[{k}]"))?;
        }
    }
    optional_nes(paths.get("spec"), &format!("{where_}.spec"))?;
    Ok(())
}

pub(super) fn agent_block(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(
        entries,
        loc,
        &[
            "framework",
            "model",
            "adr_verbosity",
            "environment",
            "isolation",
        ],
    )?;
    enumeration(
        node.get("framework"),
        &format!("{loc}.framework"),
        "framework",
        &["claude_code"],
    )?;
    optional_nes(node.get("model"), &format!("{loc}.model"))?;
    enumeration(
        node.get("adr_verbosity"),
        &format!("{loc}.adr_verbosity"),
        "adr_verbosity",
        &["none", "standard", "detailed", "educational"],
    )?;
    environment(node.get("environment"), &format!("{loc}.environment"))?;
    isolation(node.get("isolation"), &format!("{loc}.isolation"))
}

pub(super) fn environment(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(entries, loc, &["type", "session"])?;
    match node.get("type").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Str(t)) if py_trim(t).to_lowercase() == "tmux" => {}
        Some(Value::Str(_)) => return Err(at(format!("{loc}.type"), "must be 'tmux'")),
        Some(_) => return Err(at(format!("{loc}.type"), "must be a string")),
    }
    optional_nes(node.get("session"), &format!("{loc}.session"))?;
    Ok(())
}

pub(super) fn review(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(entries, loc, &["agent", "review_on_attempt"])?;
    let agent = required(node, "agent", &format!("{loc}.agent"))?;
    agent_block(Some(agent), &format!("{loc}.agent"))?;
    match node.get("review_on_attempt") {
        Some(n) if n.value == Value::Null => Err(at(
            format!("{loc}.review_on_attempt"),
            "must be an integer greater than 0",
        )),
        other => positive(other, &format!("{loc}.review_on_attempt")).map(|_| ()),
    }
}

pub(super) fn isolation(node: Option<&Node>, loc: &str) -> Check<()> {
    let Some(node) = node.filter(|n| n.value != Value::Null) else {
        return Ok(());
    };
    let Value::Map(entries) = &node.value else {
        return Err(at(loc, "must be a mapping/object"));
    };
    unknown_keys(entries, loc, &["sandbox", "token_tier", "image", "runtime"])?;
    enumeration(
        node.get("sandbox"),
        &format!("{loc}.sandbox"),
        "sandbox type",
        &["none", "oci"],
    )?;
    enumeration(
        node.get("token_tier"),
        &format!("{loc}.token_tier"),
        "token tier",
        &["read_only", "standard", "elevated"],
    )?;
    optional_nes(node.get("image"), &format!("{loc}.image"))?;
    enumeration(
        node.get("runtime"),
        &format!("{loc}.runtime"),
        "container runtime",
        &["docker", "podman"],
    )
}
