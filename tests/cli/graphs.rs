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

#[test]
fn a_graphs_setting_that_is_not_a_glob_is_refused_by_name() {
    let repo = TestRepo::with_commit();
    repo.git(&["config", "workflow.graphs", "graphs/*.yaml, graphs/[broken"]);
    let run = repo.wf(&["check", "--all"]).expect(1);
    assert!(
        run.stderr
            .contains("git config workflow.graphs: 'graphs/[broken' is not a glob"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: set it to globs"),
        "{}",
        run.stderr
    );
}

/// Runs `graph plan` on `yaml` with `args` and returns the JSON simulation.
fn plan(yaml: &str, args: &[&str]) -> Value {
    let repo = TestRepo::new();
    repo.write("g.yaml", yaml);
    let mut all = vec!["graph", "plan", "g.yaml", "--format", "json"];
    all.extend_from_slice(args);
    let run = repo.wf(&all).expect(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x["task"].as_str().unwrap().to_string())
        })
        .collect()
}

const DIAMOND: &str = "name: d\nworkstreams: [{id: A}, {id: B}, {id: C}, {id: D}]\ntasks:\n  - {id: base, workstream_id: A}\n  - {id: double, workstream_id: B, dependencies: [base]}\n  - {id: square, workstream_id: C, dependencies: [base]}\n  - {id: combined, workstream_id: D, dependencies: [double, square]}\n";

#[test]
fn plan_cases_t54_to_t58() {
    let t54 = plan(
        "name: x\ntasks:\n  - id: plan\n  - id: implement\n    dependencies: [plan]\n",
        &[],
    );
    assert_eq!(names(&t54["steps"][0]["finished"]), ["plan"]);
    assert_eq!(names(&t54["steps"][1]["finished"]), ["implement"]);
    assert_eq!(names(&t54["steps"][1]["merged"]), ["default"]);
    assert_eq!(t54["outcome"], "succeeded");
    assert_eq!(t54["steps"].as_array().unwrap().len(), 2);

    let t55 = plan(DIAMOND, &["--concurrency", "4"]);
    let started: Vec<Vec<String>> = t55["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| names(&s["started"]))
        .collect();
    assert_eq!(
        started,
        vec![vec!["base"], vec!["double", "square"], vec!["combined"]]
    );
    assert_eq!(t55["outcome"], "succeeded");

    let t56 = plan(
        &DIAMOND
            .replace(", workstream_id: A", "")
            .replace(", workstream_id: B", "")
            .replace(", workstream_id: C", "")
            .replace(", workstream_id: D", "")
            .replace("workstreams: [{id: A}, {id: B}, {id: C}, {id: D}]\n", ""),
        &["--concurrency", "4"],
    );
    assert_eq!(
        t56["steps"].as_array().unwrap().len(),
        4,
        "one task per step in one workstream"
    );

    let three = "name: x\nworkstreams: [{id: F}, {id: I}]\ntasks:\n  - {id: fails_first, workstream_id: F}\n  - {id: blocked_by_first, workstream_id: F, dependencies: [fails_first]}\n  - {id: independent, workstream_id: I}\n";
    let t57 = plan(three, &["--fail", "fails_first"]);
    assert_eq!(names(&t57["steps"][0]["failed"]), ["fails_first"]);
    assert_eq!(names(&t57["steps"][1]["finished"]), ["independent"]);
    assert_eq!(
        t57["steps"][1]["blocked"][0]["reason"],
        "Blocked by orchestration rules: dependency 'fails_first' failed"
    );

    let t58 = plan(
        three,
        &[
            "--fail",
            "fails_first",
            "--concurrency",
            "2",
            "--attempts",
            "2",
            "--duration",
            "independent=5",
        ],
    );
    assert_eq!(
        names(&t58["steps"][0]["started"]),
        ["fails_first", "independent"]
    );
    assert_eq!(names(&t58["steps"][0]["retried"]), ["fails_first"]);
    assert_eq!(names(&t58["steps"][1]["failed"]), ["fails_first"]);
    assert_eq!(names(&t58["steps"][4]["finished"]), ["independent"]);
    assert_eq!(names(&t58["steps"][4]["blocked"]), ["blocked_by_first"]);

    let t59 = plan(
        &format!("fail_fast_on_workstream_error: true\n{three}"),
        &["--fail", "fails_first"],
    );
    assert_eq!(names(&t59["steps"][0]["failed"]), ["fails_first"]);
    assert_eq!(names(&t59["steps"][0]["blocked"]), ["blocked_by_first"]);
    assert!(
        t59["stalled"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("workstream 'I' not started: "),
        "{}",
        t59["stalled"]
    );
    assert_eq!(t59["outcome"], "completed_with_failures");
}

#[test]
fn plan_cases_t60_to_t65() {
    let t60 = plan(
        "name: x\ntasks:\n  - id: a\n  - id: b\n  - id: c\n    dependencies: [a]\n",
        &["--fail", "a", "--attempts", "2", "--concurrency", "2"],
    );
    assert_eq!(names(&t60["steps"][0]["retried"]), ["a"]);
    assert_eq!(names(&t60["steps"][1]["failed"]), ["a"]);
    let reasons: Vec<&str> = t60["steps"][1]["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "Blocked by orchestration rules: workstream 'default' failed",
            "Blocked by orchestration rules: dependency 'a' failed"
        ]
    );

    let t61 = plan(
        "name: x\nmax_workstream_depth: 2\nworkstreams: [{id: P}, {id: C, parent_workstream_id: P}, {id: G, parent_workstream_id: C}]\ntasks:\n  - {id: z_parent, workstream_id: P}\n  - {id: a_child, workstream_id: C}\n  - {id: g_task, workstream_id: G}\n",
        &["--fail", "z_parent"],
    );
    let blocked = &t61["steps"][0]["blocked"];
    assert_eq!(
        blocked[0]["reason"],
        "Blocked by orchestration rules: ancestor workstream 'P' failed"
    );
    assert_eq!(
        blocked[1]["reason"],
        "Blocked by orchestration rules: ancestor workstream 'C' failed"
    );

    let t62 = plan(
        "name: x\nworkstreams: [{id: P}, {id: C, parent_workstream_id: P}]\ntasks:\n  - {id: c, workstream_id: C}\n  - {id: p, workstream_id: P, dependencies: [c]}\n",
        &[],
    );
    assert!(t62["steps"][0]["started"].as_array().unwrap().is_empty());
    assert_eq!(
        t62["steps"][0]["blocked"][0]["reason"],
        "Blocked by orchestration rules: waiting for parent workstream 'P' to complete integration"
    );
    assert_eq!(
        t62["steps"][0]["blocked"][1]["reason"],
        "Blocked by orchestration rules: dependency 'c' failed"
    );

    let t63 = plan(
        "name: x\nworkstreams: [{id: X}, {id: Y}]\ntasks:\n  - {id: x, workstream_id: X, dependencies: [y]}\n  - {id: x2, workstream_id: X}\n  - {id: y, workstream_id: Y}\n  - {id: y2, workstream_id: Y, dependencies: [x2]}\n",
        &["--concurrency", "2"],
    );
    assert_eq!(names(&t63["steps"][0]["finished"]), ["x2", "y"]);
    assert_eq!(names(&t63["stalled"]), ["x", "y2"]);
    assert!(
        t63["stalled"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("waiting for upstream workstream")
    );
    assert_eq!(t63["outcome"], "completed_with_failures");

    let t64 = plan(
        "name: x\nworkstreams: [{id: A}, {id: B}, {id: F}, {id: T}]\ntasks:\n  - {id: a_ok, workstream_id: A}\n  - {id: zz_a, workstream_id: A, dependencies: [f]}\n  - {id: b, workstream_id: B}\n  - {id: b2, workstream_id: B}\n  - {id: f, workstream_id: F}\n  - {id: t, workstream_id: T, dependencies: [a_ok, b]}\n",
        &["--fail", "b2", "--fail", "f", "--concurrency", "4"],
    );
    let blocked: Vec<(String, String)> = t64["steps"][1]["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["task"].as_str().unwrap().into(),
                b["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        blocked[0],
        (
            "zz_a".into(),
            "Blocked by orchestration rules: dependency 'f' failed".into()
        )
    );
    assert_eq!(
        blocked[1],
        (
            "t".into(),
            "Blocked by orchestration rules: upstream workstream 'A' failed".into()
        )
    );

    let repo = TestRepo::new();
    repo.write(
        "g.yaml",
        "name: x\nworkstreams: [{id: W}, {id: empty}]\ntasks: [{id: t, workstream_id: W}]\n",
    );
    let run = repo.wf(&["graph", "plan", "g.yaml", "--json"]).expect(0);
    let sim: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(names(&sim["merged_at_start"]), ["empty"]);
    assert!(run.stderr.contains("workstream 'empty' has no tasks"));
    repo.wf(&["graph", "plan", "g.yaml", "--fail", "nosuch"])
        .expect(2);
    repo.wf(&["graph", "plan", "g.yaml", "--concurrency", "0"])
        .expect(2);
    repo.write("bad.yaml", "name: x\ntasks: []\n");
    let run = repo.wf(&["graph", "plan", "bad.yaml"]).expect(1);
    assert!(
        run.stdout
            .contains("bad.yaml: Invalid graph schema at 'tasks': must contain at least one task"),
        "{}",
        run.stdout
    );
    repo.write("d.yaml", DIAMOND);
    let mermaid = repo
        .wf(&[
            "graph",
            "plan",
            "d.yaml",
            "--concurrency",
            "4",
            "--format",
            "mermaid",
        ])
        .expect(0)
        .stdout;
    assert_eq!(mermaid.matches("subgraph ").count(), 4);
    assert_eq!(mermaid.matches(" --> ").count(), 4);
    let dot = repo
        .wf(&["graph", "plan", "d.yaml", "--format", "dot"])
        .expect(0)
        .stdout;
    assert!(
        dot.starts_with("digraph \"d\" {\n  rankdir=TB;\n  node [shape=box];\n"),
        "{dot}"
    );
    assert_eq!(dot.matches("subgraph \"cluster_ws").count(), 4);
    assert!(dot.contains("\"base\" -> \"double\";"));
}

#[test]
fn plan_text_matches_the_spec_example() {
    let repo = TestRepo::new();
    repo.write("g.yaml", "name: demo\nworkstreams: [{id: ws_a}, {id: ws_c}]\ntasks:\n  - {id: a, workstream_id: ws_a}\n  - {id: b, workstream_id: ws_a, dependencies: [a]}\n  - {id: c, workstream_id: ws_c}\n");
    let run = repo
        .wf(&[
            "graph",
            "plan",
            "g.yaml",
            "--concurrency",
            "2",
            "--attempts",
            "2",
            "--fail",
            "a",
        ])
        .expect(0);
    assert_eq!(
        run.stdout,
        "plan demo: 3 tasks, 2 workstreams, max_concurrency 2, max_task_attempts 2\nstep 1\n  started   a, c\n  finished  c\n  retried   a\n  merged    ws_c (merge assumed)\nstep 2\n  started   a (attempt 2)\n  failed    a\n  blocked   b: Blocked by orchestration rules: dependency 'a' failed\noutcome: completed_with_failures after 2 steps\n"
    );
}

/// A repository holding `graphs/g.yaml` with `yaml`, committed.
fn graph_repo(yaml: &str) -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write("graphs/g.yaml", yaml);
    repo.commit_all("graph");
    repo
}

#[test]
fn migrate_maps_a_v01_graph_in_one_commit_that_rollback_undoes() {
    let v01 = "# build graph\nname: build\ntarget_repo: /src/app\ntmux_session: agents\nkeep_panes: true\ntasks:\n  - id: design\n    model: m   # keep this task's model\n  - id: implement\n    dependencies: [design]\n";
    let repo = graph_repo(v01);
    let before = repo.rev("HEAD");
    let dry = repo
        .wf(&["graph", "migrate", "graphs/g.yaml", "--dry-run"])
        .expect(0);
    assert!(
        dry.stdout
            .starts_with("--- a/graphs/g.yaml\n+++ b/graphs/g.yaml\n@@ "),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("-target_repo: /src/app\n"));
    assert_eq!(repo.rev("HEAD"), before, "dry run commits nothing");
    let run = repo.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert!(
        run.stdout.contains(
            "removed  target_repo (no graph key today: use agentrelay run --target-repo)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("mapped   tasks[0].model -> tasks[0].primary_agent.model")
    );
    assert_eq!(
        repo.read("graphs/g.yaml"),
        "# build graph\nname: build\nkeep_panes: true\ntasks:\n  - id: design\n    primary_agent:\n      model: m\n  - id: implement\n    dependencies: [design]\n"
    );
    let trailers = repo.git(&["log", "-1", "--format=%(trailers:only,unfold)"]);
    assert_eq!(
        trailers.trim(),
        "Workflow-Operation: migrate\nWorkflow-Migration: graph-schema"
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "workflow: migrate task graphs to current schema (1 file)"
    );
    repo.wf(&["graph", "check", "graphs/g.yaml"]).expect(0);
    let again = repo.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert!(again.stdout.contains("nothing to migrate"));
    let outside = repo.wf(&["rollback"]).expect(1);
    assert!(
        outside.stderr.contains("it changed graphs/g.yaml")
            && outside.stderr.contains("git config workflow.graphs"),
        "history only names paths under .workflow/ and the configured graphs: {}",
        outside.stderr
    );
    repo.git(&["config", "workflow.graphs", "graphs/*.yaml"]);
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(repo.read("graphs/g.yaml"), v01);
}

#[test]
fn migrate_cases_t67_to_t71() {
    let t67 = graph_repo(
        "name: x\nmodel: G\ntasks:\n  - id: a\n    model: T\n  - id: b\n    dependencies: [a]\n",
    );
    t67.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert_eq!(
        t67.read("graphs/g.yaml"),
        "name: x\ntasks:\n  - id: a\n    primary_agent:\n      model: T\n  - id: b\n    dependencies: [a]\n    primary_agent:\n      model: G\n"
    );

    let t68 = graph_repo(
        "name: x\nmax_gate_retries: 3\ntasks:\n  - id: a\n    completion_gate: make test\n  - id: b\n    dependencies: [a]\n",
    );
    t68.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert_eq!(
        t68.read("graphs/g.yaml"),
        "name: x\ntasks:\n  - id: a\n    completion_gate: make test\n    max_gate_attempts: 3\n  - id: b\n    dependencies: [a]\n"
    );

    let t69 = graph_repo(
        "name: x\nverbosity: educational\ntasks:\n  - id: t1\n    verbosity: standard\n  - id: t2\n    dependencies: [t1]\n",
    );
    t69.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert_eq!(
        t69.read("graphs/g.yaml"),
        "name: x\ntasks:\n  - id: t1\n  - id: t2\n    dependencies: [t1]\n    primary_agent:\n      adr_verbosity: educational\n"
    );

    let t70 = graph_repo(
        "name: x\ntasks:\n  - id: a\n    review_model: M\n    review_on_attempt: 2\n  - id: b\n    dependencies: [a]\n    review_on_attempt: 3\n",
    );
    t70.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert_eq!(
        t70.read("graphs/g.yaml"),
        "name: x\ntasks:\n  - id: a\n    review:\n      agent:\n        model: M\n      review_on_attempt: 2\n  - id: b\n    dependencies: [a]\n"
    );

    let t71 = graph_repo(
        "name: x\ntasks:\n  - id: a\n    completion_gate: pytest --cov-fail-under={coverage_threshold}\n    task_params: {coverage_threshold: 90, x: 1}\n",
    );
    let run = t71.wf(&["graph", "migrate", "graphs/g.yaml"]).expect(0);
    assert!(
        run.stdout.contains("dropped  tasks[0].task_params.x"),
        "{}",
        run.stdout
    );
    assert_eq!(
        t71.read("graphs/g.yaml"),
        "name: x\ntasks:\n  - id: a\n    completion_gate: pytest --cov-fail-under=90\n"
    );
}

#[test]
fn migrate_refuses_what_it_cannot_carry_over_and_writes_nothing() {
    for (yaml, reason) in [
        (
            "name: x\ntasks:\n  - id: a\n    role: merger\n",
            "merger is refused",
        ),
        (
            "name: x\ntdd_groups: [a]\ntasks:\n  - id: a\n",
            "tdd_groups: refused",
        ),
        (
            "name: x\nworkstreams: [{id: default}]\ntmux_session: s\ntasks:\n  - id: a\n    dependecies: []\n",
            "contains unknown key(s): dependecies",
        ),
    ] {
        let repo = graph_repo(yaml);
        let before = repo.rev("HEAD");
        let run = repo
            .wf(&["graph", "migrate", "graphs/g.yaml", "--json"])
            .expect(1);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["files"][0]["status"], "refused");
        assert!(
            report["files"][0]["errors"][0]
                .as_str()
                .unwrap()
                .contains(reason),
            "{yaml}: {}",
            report
        );
        assert_eq!(repo.rev("HEAD"), before);
        assert_eq!(repo.read("graphs/g.yaml"), yaml);
    }
    let current = graph_repo("name: x\ntasks:\n  - id: a\n");
    assert!(
        current
            .wf(&["graph", "migrate", "graphs/g.yaml"])
            .expect(0)
            .stdout
            .contains("nothing to migrate")
    );
    let none = TestRepo::with_commit();
    none.wf(&["graph", "migrate"]).expect(2);
}

#[test]
fn check_hints_at_migrate_and_warns_of_tasks_that_can_never_run() {
    let repo = TestRepo::new();
    repo.write("old.yaml", "name: x\ntmux_session: s\ntasks:\n  - id: a\n");
    let run = repo.wf(&["graph", "check", "old.yaml"]).expect(1);
    assert!(
        run.stdout
            .contains("  hint: git workflow graph migrate old.yaml"),
        "{}",
        run.stdout
    );
    repo.write("stuck.yaml", "name: x\nworkstreams: [{id: P}, {id: C, parent_workstream_id: P}]\ntasks:\n  - {id: c, workstream_id: C}\n  - {id: p, workstream_id: P, dependencies: [c]}\n");
    let run = repo.wf(&["graph", "check", "stuck.yaml"]).expect(0);
    assert!(run.stdout.contains("stuck.yaml: warning: task 'c' can never run: Blocked by orchestration rules: waiting for parent workstream 'P' to complete integration"), "{}", run.stdout);
}
