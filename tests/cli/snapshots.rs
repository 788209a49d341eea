//! The whole output of each command, with its exit status, under snapshot tests (as
//! jj keeps its CLI's): a change of wording shows up as a reviewed diff of
//! `tests/cli/snapshots/`, not as a surprise to the people who read it. Accept a
//! reviewed change with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use crate::support::{Run, TestRepo};

/// The runs of one story as one text: each command line, its exit status, and what it
/// printed on each stream, with the temporary folder replaced by `[REPO]`.
struct Transcript<'r> {
    repo: &'r TestRepo,
    text: String,
}

impl<'r> Transcript<'r> {
    fn new(repo: &'r TestRepo) -> Self {
        Self {
            repo,
            text: String::new(),
        }
    }

    /// Runs `git workflow ARGS` and records it.
    fn run(&mut self, args: &[&str]) -> &mut Self {
        let run = self.repo.wf(args);
        self.record(&format!("git workflow {}", args.join(" ")), &run);
        self
    }

    /// Runs `git workflow ARGS` in `dir` and records it.
    fn run_in(&mut self, dir: &std::path::Path, args: &[&str]) -> &mut Self {
        let run = self.repo.wf_in(dir, args, &[]);
        self.record(&format!("git workflow {}", args.join(" ")), &run);
        self
    }

    fn record(&mut self, command: &str, run: &Run) {
        let top = self.repo.scratch().display().to_string();
        let clean = |text: &str| {
            text.replace(env!("CARGO_BIN_EXE_git-workflow"), "[BIN]")
                .replace(&top, "[REPO]")
        };
        self.text.push_str(&format!(
            "$ {command}\n[exit {}]\n",
            run.code.map_or("signal".to_string(), |c| c.to_string())
        ));
        for (name, stream) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            if !stream.is_empty() {
                self.text
                    .push_str(&format!("--- {name}\n{}", clean(stream)));
                if !stream.ends_with('\n') {
                    self.text.push('\n');
                }
            }
        }
        self.text.push('\n');
    }
}

#[test]
fn migrate_status_log_and_rollback() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let mut t = Transcript::new(&repo);
    t.run(&["status"])
        .run(&["migrate", "--dry-run"])
        .run(&["migrate"])
        .run(&["migrate"])
        .run(&["log"])
        .run(&["rollback", "--dry-run"])
        .run(&["rollback"])
        .run(&["status"]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn migrate_refusals() {
    let repo = TestRepo::with_commit();
    let mut t = Transcript::new(&repo);
    t.run(&["migrate"]);
    repo.write(".workflow/WFS-old/workflow-session.json", "{}");
    t.run(&["migrate"]);
    repo.commit_all("ccw state");
    repo.write(".workflow/WFS-old/IMPL_PLAN.md", "# not committed\n");
    t.run(&["migrate"]).run(&["migrate", "--only", "nope"]);
    repo.git(&["checkout", "-q", "--detach"]);
    t.run(&["migrate"]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn sessions_start_list_and_complete() {
    let repo = TestRepo::with_commit();
    let mut t = Transcript::new(&repo);
    t.run(&["session", "start", "用户认证 login flow"]);
    repo.seed_project();
    repo.git(&["add", ".workflow/project.json"]);
    repo.git(&["commit", "-q", "-m", "project file"]);
    let folder = ".workflow/active/WFS-login-flow";
    repo.write(
        &format!("{folder}/.task/IMPL-1.json"),
        "{\"id\": \"IMPL-1\", \"status\": \"completed\"}",
    );
    repo.write(
        &format!("{folder}/IMPL_PLAN.md"),
        "# Login flow\n\nAdd login with JWT tokens.\n",
    );
    t.run(&["session", "list"])
        .run(&["session", "complete", "--dry-run"])
        .run(&["session", "complete", "--detailed"])
        .run(&["session", "list"])
        .run(&["session", "complete"]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn check_modes_and_rules() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let mut t = Transcript::new(&repo);
    t.run(&["check", "--all"]);
    repo.write(".workflow/.active-WFS-x", "");
    repo.write(".workflow/project.json", "{not json");
    repo.git(&["add", "-A"]);
    t.run(&["check", "--staged"])
        .run(&["--json", "check", "--staged"])
        .run(&["check", "--range", "HEAD~1..HEAD"]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn graphs_check_plan_and_migrate() {
    let repo = TestRepo::with_commit();
    repo.write(
        "graphs/v01.yaml",
        "name: build\ntmux_session: agents\nkeep_panes: true\ntasks:\n  - id: design\n    model: m\n  - id: implement\n    dependencies: [design]\n  - id: docs\n    dependencies: [design]\n",
    );
    repo.write(
        "graphs/ok.yaml",
        "name: ok\nmax_concurrency: 2\ntasks:\n  - id: a\n  - id: b\n    dependencies: [a]\n",
    );
    repo.commit_all("graphs");
    let mut t = Transcript::new(&repo);
    t.run(&["graph", "check", "graphs/ok.yaml", "graphs/v01.yaml"])
        .run(&["graph", "plan", "graphs/ok.yaml"])
        .run(&["graph", "plan", "graphs/ok.yaml", "--format", "mermaid"])
        .run(&["graph", "migrate", "graphs/v01.yaml", "--dry-run"])
        .run(&["graph", "migrate", "graphs/v01.yaml"])
        .run(&["graph", "migrate", "graphs/v01.yaml"]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn versions_and_tasks() {
    let repo = TestRepo::with_commit();
    let mut t = Transcript::new(&repo);
    t.run(&["version", "create", "first cut"])
        .run(&[
            "task",
            "start",
            "task_design",
            "--type",
            "create",
            "--agent",
            "backend",
        ])
        .run(&[
            "task",
            "log",
            "task_design",
            "CREATE",
            "file",
            "auth.ts",
            "--path",
            "app/lib/auth.ts",
        ])
        .run(&["task", "show", "task_design"])
        .run(&[
            "task",
            "start",
            "../escape",
            "--type",
            "test",
            "--agent",
            "reviewer",
        ]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn hooks_install_status_and_uninstall() {
    let repo = TestRepo::with_commit();
    let mut t = Transcript::new(&repo);
    t.run(&["hooks", "status"])
        .run(&["hooks", "install"])
        .run(&["hooks", "status"])
        .run(&["hooks", "uninstall"])
        .run(&["hooks", "status"]);
    insta::assert_snapshot!(t.text);
}

#[test]
fn errors_outside_a_repository_and_on_bad_input() {
    let repo = TestRepo::new();
    let mut t = Transcript::new(&repo);
    t.run_in(&repo.scratch(), &["status"]).run(&["migrate"]);
    repo.write("README.md", "hello\n");
    repo.commit_all("initial commit");
    t.run(&["rollback", "no-such-commit"])
        .run(&["--json", "rollback"])
        .run(&["check", "--range", "nope..HEAD"])
        .run(&["no-such-command"]);
    insta::assert_snapshot!(t.text);
}
