//! The test harness: a temporary repository, a temporary HOME, fixed dates and no
//! configuration or environment leaking in from the machine running the tests.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The moment every test runs at (2025-12-16T12:00:00Z).
pub const NOW: &str = "1765886400";

/// A repository in a temporary folder, with its own HOME.
pub struct TestRepo {
    root: tempfile::TempDir,
}

/// What one run of a command printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Everything the command printed, stdout then stderr (a check lists its
    /// violations on stdout and its verdict on stderr).
    pub fn said(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code and returns self for more checks.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The file to run for `program`: `git-workflow` is the binary under test, any other
/// name is looked up on `PATH`.
pub fn executable(program: &str) -> &str {
    match program {
        "git-workflow" => env!("CARGO_BIN_EXE_git-workflow"),
        other => other,
    }
}

/// A command with the hermetic environment: nothing from the caller but PATH.
pub fn hermetic(program: impl AsRef<std::ffi::OsStr>, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Tester")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "@1765800000 +0000")
        .env("GIT_COMMITTER_NAME", "Ada Tester")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_DATE", "@1765800000 +0000")
        .env("SOURCE_DATE_EPOCH", NOW)
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1");
    cmd
}

impl TestRepo {
    /// `git init -b main` in a fresh folder.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(root.path().join("home")).unwrap();
        fs::create_dir_all(root.path().join("work")).unwrap();
        let repo = Self { root };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A repository with one commit holding a README.
    pub fn with_commit() -> Self {
        let repo = Self::new();
        repo.write("README.md", "hello\n");
        repo.commit_all("initial commit");
        repo
    }

    /// The work tree.
    pub fn path(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// The temporary HOME.
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// A folder beside the work tree for a test's other files.
    pub fn scratch(&self) -> PathBuf {
        self.root.path().to_path_buf()
    }

    /// `git …` in the work tree; must succeed; returns stdout.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        let run = self.git_run(args);
        assert_eq!(run.code, Some(0), "git {args:?} failed: {}", run.stderr);
        run.stdout
    }

    /// `git …` in the work tree, whatever its outcome.
    pub fn git_run(&self, args: &[&str]) -> Run {
        Run::from(
            hermetic("git", &self.home())
                .current_dir(self.path())
                .args(args)
                .output()
                .expect("run git"),
        )
    }

    /// `git …` in the work tree with `input` on its standard input; must succeed;
    /// returns stdout, trimmed (`git mktree`, `git hash-object --stdin`).
    #[track_caller]
    pub fn git_input(&self, args: &[&str], input: &[u8]) -> String {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = hermetic("git", &self.home())
            .current_dir(self.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run git");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let run = Run::from(child.wait_with_output().unwrap());
        assert_eq!(run.code, Some(0), "git {args:?} failed: {}", run.stderr);
        run.stdout.trim().to_string()
    }

    /// `git workflow …` (the binary under test) in the work tree.
    pub fn wf(&self, args: &[&str]) -> Run {
        self.wf_with(args, &[])
    }

    /// `git workflow …` with extra environment variables.
    pub fn wf_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.wf_in(&self.path(), args, env)
    }

    /// `git workflow …` started in `dir`.
    pub fn wf_in(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = hermetic(env!("CARGO_BIN_EXE_git-workflow"), &self.home());
        cmd.current_dir(dir).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run git-workflow"))
    }

    /// `program args…` in the work tree with the hermetic environment changed: `set`
    /// added, `unset` removed (to test identity as git chooses it, say).
    pub fn run_env(
        &self,
        program: &str,
        args: &[&str],
        set: &[(&str, &str)],
        unset: &[&str],
    ) -> Run {
        let mut cmd = hermetic(executable(program), &self.home());
        cmd.current_dir(self.path()).args(args);
        for (k, v) in set {
            cmd.env(k, v);
        }
        for k in unset {
            cmd.env_remove(k);
        }
        Run::from(cmd.output().expect("run the program"))
    }

    /// A seed-era `.workflow/project.json`, as the seed's prompts (and this tool, before
    /// it followed CCW 7) wrote it: no features yet.
    pub fn seed_project(&self) {
        self.write(
            ".workflow/project.json",
            "{\n  \"project_name\": \"work\",\n  \"initialized_at\": \"2025-12-16T12:00:00\",\n  \"overview\": {},\n  \"features\": [],\n  \"statistics\": {\n    \"total_features\": 0,\n    \"total_sessions\": 0,\n    \"last_updated\": \"2025-12-16T12:00:00\"\n  },\n  \"_metadata\": {\n    \"created_by\": \"git-workflow session start\"\n  }\n}\n",
        );
    }

    /// `program args…` started in `dir` (another repository beside this one), with
    /// this repository's hermetic HOME.
    pub fn run_in(&self, dir: &Path, program: &str, args: &[&str]) -> Run {
        let mut cmd = self.program(program);
        Run::from(
            cmd.current_dir(dir)
                .args(args)
                .output()
                .expect("run the program"),
        )
    }

    /// The hermetic command for `program`; `git-workflow` is the binary under test.
    fn program(&self, program: &str) -> Command {
        hermetic(executable(program), &self.home())
    }

    /// Writes a file (creating folders) in the work tree.
    pub fn write(&self, path: &str, content: &str) {
        let full = self.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    }

    /// Reads a file of the work tree.
    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Whether a path exists in the work tree.
    pub fn exists(&self, path: &str) -> bool {
        fs::symlink_metadata(self.path().join(path)).is_ok()
    }

    /// `git add -A && git commit`.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// `git rev-parse <rev>`.
    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    /// `git status --porcelain` (untracked files included).
    pub fn status(&self) -> String {
        self.git(&["status", "--porcelain", "--untracked-files=all"])
    }

    /// Three flat task sessions in v001 (one with operations, one without a task
    /// definition, one `.yaml`) and one in v002, committed.
    pub fn flat_sessions(&self) {
        self.write(
            ".workflow/versions/v001/tasks/task_design.yml",
            "# the design task\nid: task_design\ntitle: Design the API\nstatus: completed\n",
        );
        self.write(
            ".workflow/versions/v001/task_sessions/task_design.yml",
            "session_id: tasksession_task_design_20251216\nworkflow_version: v001\ntask_id: task_design\ntask_type: create\nagent: backend\nstatus: completed\noperations:\n  - type: create\n    target_type: file\n    target_id: auth.ts\n    target_path: app/lib/auth.ts\n    summary: Created authentication module\n    timestamp: '2025-12-16T11:00:00'\n  - action: update\n    target_type: entity\n    target: User\n    path: app/lib/types.ts\n    changes_summary: Added email field to User type\n    performed_at: '2025-12-16T11:15:00'\n",
        );
        self.write(
            ".workflow/versions/v001/task_sessions/task_review.yml",
            "task_id: task_review\ntask_type: test\nagent: reviewer\nstatus: pending\n",
        );
        self.write(
            ".workflow/versions/v001/tasks/task_impl.yaml",
            "id: task_impl\nstatus: in_progress\n",
        );
        self.write(
            ".workflow/versions/v001/task_sessions/task_impl.yaml",
            "task_id: task_impl\nstatus: in_progress\noperations: []\n",
        );
        self.write(
            ".workflow/versions/v002/task_sessions/task_next.yml",
            "task_id: task_next\nstatus: pending\n",
        );
        self.write(".workflow/index.yml", "versions: []\n");
        self.commit_all("agents at work");
    }

    /// Everything a dry run must not change: every file under the work tree and the
    /// git dir with its size, modification time and content.
    pub fn fingerprint(&self) -> BTreeMap<String, (u64, i64, i64, Vec<u8>)> {
        let mut out = BTreeMap::new();
        walk(&self.path(), &self.path(), &mut out);
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (u64, i64, i64, Vec<u8>)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).unwrap();
        let key = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if meta.is_dir() {
            walk(root, &path, out);
        } else {
            let content = fs::read(&path).unwrap_or_default();
            out.insert(key, (meta.len(), meta.mtime(), meta.mtime_nsec(), content));
        }
    }
}
