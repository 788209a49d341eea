//! `git workflow graph check` against the cases of GRAPH.md §8: the first error's
//! location and message must be agentrelay's.

use crate::support::TestRepo;
use serde_json::Value;

/// `name: x` plus one task `t` unless the case says otherwise.
fn one_task(task_extra: &str, top_extra: &str) -> String {
    format!("name: x\n{top_extra}tasks:\n  - id: t\n{task_extra}")
}

/// Each case: the file, and the expected verdict: `OK`, or `location: message`
/// (`null: message` when the error has no location).
fn cases() -> Vec<(&'static str, String, String)> {
    let mut c: Vec<(&'static str, String, String)> = Vec::new();
    let mut add =
        |name: &'static str, yaml: String, want: &str| c.push((name, yaml, want.to_string()));
    add(
        "T01",
        "name: x\ntasks:\n  - id: plan\n  - id: implement\n    dependencies: [plan]\n".into(),
        "OK [plan, implement]",
    );
    add(
        "T02",
        "name: x\ntasks:\n  - id: c\n  - id: b\n    dependencies: [c]\n  - id: a\n".into(),
        "OK [a, c, b]",
    );
    add("T03", "- a\n".into(), "graph: must be a mapping/object");
    add(
        "T04",
        "# only a comment\n".into(),
        "graph: must be a mapping/object",
    );
    add(
        "T06",
        "name: x\nzeta: 1\nalpha: 2\ntmux_session: s\ntasks: [{id: t}]\n".into(),
        "graph: contains unknown key(s): alpha, tmux_session, zeta",
    );
    add(
        "T07",
        "name: x\nb: 1\nB: 2\n_a: 3\ntasks: [{id: t}]\n".into(),
        "graph: contains unknown key(s): B, _a, b",
    );
    add(
        "T08",
        "name: x\non: 1\ntasks: [{id: t}]\n".into(),
        "graph: contains unknown key(s): True",
    );
    add(
        "T09a",
        "tasks: [{id: t}]\n".into(),
        "graph.name: is required",
    );
    add(
        "T09b",
        "name: 5\ntasks: [{id: t}]\n".into(),
        "name: must be a string",
    );
    add(
        "T09c",
        "name: \"  \"\ntasks: [{id: t}]\n".into(),
        "name: must be a non-empty string",
    );
    add("T10a", "name: x\n".into(), "graph.tasks: is required");
    add(
        "T10b",
        "name: x\ntasks: {a: 1}\n".into(),
        "tasks: must be a list",
    );
    add(
        "T10c",
        "name: x\ntasks: []\n".into(),
        "tasks: must contain at least one task",
    );
    add(
        "T11",
        "name: x\nworkstreams: []\ntasks: 5\n".into(),
        "graph.workstreams: must contain at least one workstream",
    );
    add(
        "T12a",
        one_task("", "isolation: {sandbox: Docker}\n"),
        "graph.isolation.sandbox: invalid sandbox type 'Docker'. Allowed: none, oci",
    );
    add(
        "T12b",
        one_task("", "isolation: {sandbox: \" OCI \"}\n"),
        "OK [t]",
    );
    add(
        "T13",
        one_task("", "fail_fast_on_workstream_error: \"yes\"\nbogus: 1\n"),
        "fail_fast_on_workstream_error: must be a boolean",
    );
    add(
        "T14",
        one_task("", "teardown_mode: bad\nmax_concurrency: 0\n"),
        "max_concurrency: must be an integer >= 1",
    );
    add(
        "T15a",
        one_task("", "teardown_mode: ALWAYS\n"),
        "teardown_mode: must be one of ['always', 'never', 'on_success'], got 'ALWAYS'",
    );
    add(
        "T15b",
        one_task("", "teardown_mode: 3\n"),
        "teardown_mode: must be one of ['always', 'never', 'on_success'], got 3",
    );
    add("T16a", one_task("", "max_concurrency: true\n"), "OK [t]");
    add(
        "T16b",
        one_task("", "max_concurrency: false\n"),
        "max_concurrency: must be an integer >= 1",
    );
    add(
        "T17a",
        one_task("", "max_task_attempts: 010\nmax_concurrency: 0x2\n"),
        "OK [t]",
    );
    add(
        "T17b",
        one_task(
            "",
            "keep_panes: null\nmodel: null\ntools: null\nanthropic_credential: null\nfail_fast_on_workstream_error: null\nfail_fast_on_internal_error: null\nmax_concurrency: null\nmax_task_attempts: null\nteardown_mode: null\n",
        ),
        "OK [t]",
    );
    add(
        "T18a",
        one_task("", "model: 5\n"),
        "tasks[0].primary_agent.model: must be a string",
    );
    add(
        "T18b",
        one_task("    primary_agent: {model: 7}\n", "model: \"\"\n"),
        "tasks[0].primary_agent.model: must be a non-empty string",
    );
    add(
        "T19",
        one_task("    role: bogus\n", "model: m\n"),
        "tasks[0].role: invalid role 'bogus'. Allowed: spec_writer, test_writer, test_reviewer, implementer, generic",
    );
    add(
        "T20a",
        one_task("    primary_agent: null\n", "model: m\n"),
        "tasks[0].primary_agent: must be a mapping/object",
    );
    add("T20b", one_task("    primary_agent: null\n", ""), "OK [t]");
    add("T21a", one_task("", "tools: [pixi, uv]\n"), "OK [t]");
    add(
        "T21b",
        one_task("", "tools: pixi\n"),
        "tools: must be a list of strings",
    );
    add(
        "T21c",
        one_task("", "keep_panes: maybe\nanthropic_credential: 5\n"),
        "OK [t]",
    );
    add(
        "T22a",
        "name: x\ntasks:\n  - t\n".into(),
        "tasks[0]: must be a mapping/object",
    );
    add(
        "T22b",
        one_task("    model: m\n    verbosity: v\n", ""),
        "tasks[0]: contains unknown key(s): model, verbosity",
    );
    add(
        "T23a",
        "name: x\ntasks:\n  - id: yes\n".into(),
        "tasks[0].id: must be a string",
    );
    add(
        "T23b",
        "name: x\ntasks:\n  - id: 2024-01-01\n".into(),
        "tasks[0].id: must be a string",
    );
    add("T23c", "name: x\ntasks:\n  - id: 1e3\n".into(), "OK [1e3]");
    add(
        "T24",
        "name: x\ntasks:\n  - id: a\n  - id: \" a \"\n".into(),
        "tasks[1].id: duplicate task id 'a'",
    );
    add(
        "T25a",
        one_task("    role: \" Test_Writer \"\n", ""),
        "OK [t]",
    );
    add("T25b", one_task("    role: ımplementer\n", ""), "OK [t]");
    add(
        "T25c",
        one_task("    role: Spec-Writer\n", ""),
        "tasks[0].role: invalid role 'Spec-Writer'. Allowed: spec_writer, test_writer, test_reviewer, implementer, generic",
    );
    add(
        "T26a",
        one_task("    description: 5\n", ""),
        "tasks[0].description: must be a string or null",
    );
    add("T26b", one_task("    description: \"\"\n", ""), "OK [t]");
    add(
        "T27a",
        one_task("    dependencies: null\n", ""),
        "tasks[0].dependencies: must be a list of task IDs",
    );
    add(
        "T27b",
        "name: x\ntasks:\n  - id: a\n  - id: b\n    dependencies: [1]\n".into(),
        "tasks[1].dependencies[0]: must be a string",
    );
    add("T28", "name: x\ntasks:\n  - id: a\n    dependencies: [zz]\n  - id: b\n    dependencies: [a, \" a\"]\n".into(), "tasks[1].dependencies[1]: duplicate dependency id 'a'");
    add(
        "T29",
        "name: x\ntasks:\n  - id: a\n    dependencies: [b]\n".into(),
        "tasks[0].dependencies[0]: unknown dependency id 'b'",
    );
    add(
        "T30",
        one_task("    paths: null\n    tagged_paths: null\n", ""),
        "tasks[0]: 'paths' and 'tagged_paths' are mutually exclusive",
    );
    add(
        "T31a",
        one_task("    tagged_paths: null\n", ""),
        "tasks[0].tagged_paths: must be a list of {path, category} mappings",
    );
    add("T31b", one_task("    tagged_paths: []\n", ""), "OK [t]");
    add(
        "T31c",
        one_task("    tagged_paths: [{path: a}]\n", ""),
        "tasks[0].tagged_paths[0].category: is required",
    );
    add(
        "T32a",
        one_task("    paths: {src: null}\n", ""),
        "tasks[0].paths.src: must be a list of strings",
    );
    add(
        "T32b",
        one_task("    paths: {tests: []}\n", ""),
        "tasks[0].paths: contains unknown key(s): tests",
    );
    add(
        "T33a",
        one_task("    inputs_from: a\n", ""),
        "tasks[0].inputs_from: must be a mapping or list of mappings",
    );
    add(
        "T33b",
        one_task("    inputs_from: [{category: x}]\n", ""),
        "tasks[0].inputs_from[0].task: is required",
    );
    add("T34", "name: x\ntasks:\n  - id: a\n  - id: b\n  - id: c\n    dependencies: [b]\n    inputs_from: {task: a}\n".into(), "tasks[2].inputs_from[0].task: task 'a' is not a dependency (direct or transitive) of task 'c'");
    add("T35", "name: x\ntasks:\n  - id: a\n  - id: b\n    dependencies: [a]\n  - id: c\n    dependencies: [b]\n    inputs_from: [{task: a, category: stubs}]\n".into(), "OK [a, b, c]");
    add("T36", "name: x\ntasks:\n  - id: a\n    dependencies: [b]\n  - id: b\n    dependencies: [a]\n  - id: c\n    inputs_from: {task: nope}\n".into(), "tasks[2].inputs_from[0].task: unknown task id 'nope'");
    add("T37a", "name: x\ntasks:\n  - id: x\n    dependencies: [a]\n  - id: a\n    dependencies: [b]\n  - id: b\n    dependencies: [a]\n".into(), "tasks: contains a dependency cycle: a -> b -> a");
    add(
        "T37b",
        "name: x\ntasks:\n  - id: a\n    dependencies: [a]\n".into(),
        "tasks: contains a dependency cycle: a -> a",
    );
    add(
        "T38a",
        one_task("    max_gate_attempts: 0\n", ""),
        "tasks[0].max_gate_attempts: must be greater than 0",
    );
    add(
        "T38b",
        one_task("    max_gate_attempts: 2.0\n", ""),
        "tasks[0].max_gate_attempts: must be an integer or null",
    );
    add(
        "T38c",
        one_task("    max_gate_attempts: true\n", ""),
        "tasks[0].max_gate_attempts: must be an integer or null",
    );
    add(
        "T38d",
        one_task("    completion_gate: \"  \"\n", ""),
        "tasks[0].completion_gate: must be a non-empty string",
    );
    add(
        "T39a",
        one_task("    primary_agent: {framework: codex}\n", ""),
        "tasks[0].primary_agent.framework: invalid framework 'codex'. Allowed: claude_code",
    );
    add(
        "T39b",
        one_task("    primary_agent: {framework: \" CLAUDE_CODE \"}\n", ""),
        "OK [t]",
    );
    add(
        "T40",
        one_task("    primary_agent: {adr_verbosity: verbose}\n", ""),
        "tasks[0].primary_agent.adr_verbosity: invalid adr_verbosity 'verbose'. Allowed: none, standard, detailed, educational",
    );
    add(
        "T41a",
        one_task(
            "    primary_agent: {environment: {type: \" TMUX \", session: \"  \"}}\n",
            "",
        ),
        "tasks[0].primary_agent.environment.session: must be a non-empty string",
    );
    add(
        "T41b",
        one_task("    primary_agent: {environment: {type: docker}}\n", ""),
        "tasks[0].primary_agent.environment.type: must be 'tmux'",
    );
    add(
        "T42a",
        one_task("    review: {}\n", ""),
        "tasks[0].review.agent: is required",
    );
    add(
        "T42b",
        one_task("    review: {agent: null}\n", ""),
        "OK [t]",
    );
    add(
        "T42c",
        one_task("    review: {agent: null, review_on_attempt: true}\n", ""),
        "tasks[0].review.review_on_attempt: must be an integer or null",
    );
    add(
        "T42d",
        one_task("    review: {agent: null, review_on_attempt: null}\n", ""),
        "tasks[0].review.review_on_attempt: must be an integer greater than 0",
    );
    add(
        "T43a",
        one_task("    isolation: {token_tier: admin}\n", ""),
        "tasks[0].isolation.token_tier: invalid token tier 'admin'. Allowed: read_only, standard, elevated",
    );
    add(
        "T43b",
        one_task("    review: {agent: {isolation: {foo: 1}}}\n", ""),
        "tasks[0].review.agent.isolation: contains unknown key(s): foo",
    );
    add(
        "T44",
        "name: x\ntasks:\n  - id: t\n    dependencies: [zz]\n    dependencies: []\n".into(),
        "OK [t]",
    );
    add(
        "T45a",
        "name: x\nworkstreams: [{id: a}, {id: a}]\ntasks: [{id: t, workstream_id: a}]\n".into(),
        "graph.workstreams[1].id: duplicate workstream id 'a'",
    );
    add(
        "T45b",
        "name: x\nworkstreams: [{base_branch: main}]\ntasks: [{id: t}]\n".into(),
        "graph.workstreams[0].id: is required",
    );
    add(
        "T45c",
        "name: x\nworkstreams: [{id: a, target: b}]\ntasks: [{id: t}]\n".into(),
        "graph.workstreams[0]: contains unknown key(s): target",
    );
    add(
        "T46a",
        "name: x\nworkstreams: [{id: w, base_branch: null}]\ntasks: [{id: t, workstream_id: w}]\n"
            .into(),
        "graph.workstreams[0].base_branch: must be a string",
    );
    add(
        "T46b",
        "name: x\nworkstreams: [{id: w, auto_merge: 1}]\ntasks: [{id: t, workstream_id: w}]\n"
            .into(),
        "graph.workstreams[0].auto_merge: must be a boolean",
    );
    add(
        "T46c",
        "name: x\nworkstreams: [{id: w, auto_merge: yes}]\ntasks: [{id: t, workstream_id: w}]\n"
            .into(),
        "OK [t]",
    );
    add("T46d", "name: x\nworkstreams: [{id: w, isolation: {runtime: lxc}}]\ntasks: [{id: t, workstream_id: w}]\n".into(), "graph.workstreams[0].isolation.runtime: invalid container runtime 'lxc'. Allowed: docker, podman");
    add(
        "T47a",
        one_task("", "max_workstream_depth: true\n"),
        "graph.max_workstream_depth: must be an integer or null",
    );
    add(
        "T47b",
        one_task("", "max_workstream_depth: 1:30\n"),
        "OK [t]",
    );
    add(
        "T48",
        "name: x\ntasks:\n  - {id: a, workstream_id: w}\n  - {id: b, workstream_id: v}\n".into(),
        "null: Unknown workstream id(s) referenced by tasks: v, w.",
    );
    add(
        "T49a",
        "name: x\nworkstreams: [{id: w}]\ntasks: [{id: t}]\n".into(),
        "null: Unknown workstream id(s) referenced by tasks: default.",
    );
    add("T49b", "name: x\nworkstreams: [{id: default}, {id: feature_b}]\ntasks: [{id: a}, {id: b, workstream_id: feature_b}]\n".into(), "OK [a, b]");
    add("T50", "name: x\nworkstreams: [{id: a, parent_workstream_id: zz}]\ntasks: [{id: t, workstream_id: q}]\n".into(), "null: Unknown workstream id(s) referenced by tasks: q.");
    add("T51", "name: x\nworkstreams: [{id: b, parent_workstream_id: a}, {id: a, parent_workstream_id: b}, {id: c, parent_workstream_id: q}]\ntasks: [{id: t, workstream_id: a}]\n".into(), "null: Workstream 'c' references unknown parent_workstream_id 'q'.");
    add("T52a", "name: x\nworkstreams: [{id: c, parent_workstream_id: a}, {id: b, parent_workstream_id: a}, {id: a, parent_workstream_id: b}]\ntasks: [{id: t, workstream_id: a}]\n".into(), "null: Workstream hierarchy contains a cycle: a -> b -> a");
    add("T52b", "name: x\nworkstreams: [{id: w, parent_workstream_id: w}]\ntasks: [{id: t, workstream_id: w}]\n".into(), "null: Workstream hierarchy contains a cycle: w -> w");
    add("T53a", "name: x\nworkstreams: [{id: d, parent_workstream_id: c}, {id: a}, {id: b, parent_workstream_id: a}, {id: c, parent_workstream_id: b}]\ntasks: [{id: t, workstream_id: a}]\n".into(), "null: Workstream 'd' exceeds maximum supported depth of 1.");
    add("T53b", "name: x\nmax_workstream_depth: 3\nworkstreams: [{id: d, parent_workstream_id: c}, {id: a}, {id: b, parent_workstream_id: a}, {id: c, parent_workstream_id: b}]\ntasks: [{id: t, workstream_id: a}, {id: u, workstream_id: b}, {id: v, workstream_id: c}, {id: w, workstream_id: d}]\n".into(), "OK [t, u, v, w]");
    c
}

fn verdict(file: &Value) -> String {
    if file["valid"] == true {
        let order: Vec<&str> = file["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        return format!("OK [{}]", order.join(", "));
    }
    let e = &file["errors"][0];
    format!(
        "{}: {}",
        e["location"].as_str().unwrap_or("null"),
        e["message"].as_str().unwrap()
    )
}

#[test]
fn every_case_of_graph_md_gets_agentrelays_first_error() {
    let repo = TestRepo::new();
    let cases = cases();
    let mut args = vec!["graph".to_string(), "check".into(), "--json".into()];
    for (name, yaml, _) in &cases {
        let path = format!("{name}.yaml");
        repo.write(&path, yaml);
        args.push(path);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = repo.wf(&args);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let mut wrong = Vec::new();
    for ((name, _, want), file) in cases.iter().zip(report["files"].as_array().unwrap()) {
        let got = verdict(file);
        if &got != want {
            wrong.push(format!("{name}: want {want}\n       got  {got}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} case(s) differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn yaml_errors_have_no_location_and_name_the_file() {
    let repo = TestRepo::new();
    repo.write("two.yaml", "name: x\n---\nname: y\n");
    let run = repo.wf(&["graph", "check", "two.yaml"]).expect(1);
    assert!(
        run.stdout.contains("two.yaml: Invalid YAML in two.yaml: "),
        "{}",
        run.stdout
    );
    let run = repo.wf(&["graph", "check", "missing.yaml"]).expect(1);
    assert!(
        run.stdout
            .contains("missing.yaml: cannot read missing.yaml: "),
        "{}",
        run.stdout
    );
    repo.wf(&["graph", "check"]).expect(2);
}

#[test]
fn human_output_counts_tasks_and_workstreams_and_lists_operational_keys_and_warnings() {
    let repo = TestRepo::new();
    repo.write("g.yaml", "name: demo\nmax_concurrency: 2\ntools: [pixi, uv]\nworkstreams: [{id: a}, {id: b}]\ntasks:\n  - {id: t, workstream_id: a}\n");
    let run = repo.wf(&["graph", "check", "g.yaml"]).expect(0);
    assert!(
        run.stdout.contains("g.yaml: OK (1 tasks, 2 workstreams)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  operational: max_concurrency=2, tools=[\"pixi\",\"uv\"]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "g.yaml: warning: Unknown tool 'uv' declared in graph YAML. Known tools: pixi"
        )
    );
    assert!(
        run.stdout
            .contains("g.yaml: warning: workstream 'b' has no tasks")
    );
}

#[test]
fn the_hook_stops_an_invalid_graph_matching_workflow_graphs() {
    let repo = TestRepo::with_commit();
    repo.git(&["config", "workflow.graphs", "graphs/**/*.yaml"]);
    repo.wf(&["hooks", "install"]).expect(0);
    repo.write(
        "graphs/team/build.yaml",
        "name: build\ntasks:\n  - id: a\n    dependencies: [b]\n",
    );
    repo.write("notes/other.yaml", "not: [a graph\n");
    repo.git(&["add", "-A"]);
    let commit = repo.git_run(&["commit", "-q", "-m", "graphs"]);
    assert_ne!(commit.code, Some(0));
    assert!(
        commit.stderr.contains("graphs/team/build.yaml: Invalid graph schema at 'tasks[0].dependencies[0]': unknown dependency id 'b' [invalid-graph]"),
        "{}",
        commit.stderr
    );
    assert!(
        !commit.stderr.contains("notes/other.yaml"),
        "only configured paths are graphs"
    );
    repo.write("graphs/team/build.yaml", "name: build\ntasks:\n  - id: a\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "graphs"]);
    let run = repo.wf(&["check", "--all"]).expect(0);
    assert!(run.stdout.contains("no layout problems"));
}
