//! A repository someone else wrote (SPEC §7): forged operation commits, trees that
//! name `.git/` or `..`, committed symbolic links and names that would drive the
//! terminal. Nothing outside the work tree or in `.git/` changes, nothing runs, and
//! every refusal names the path.

use crate::support::TestRepo;
use std::path::{Path, PathBuf};

/// One entry of a tree made by hand: mode, object id, name.
type Entry<'a> = (&'a str, String, &'a str);

/// A tree object holding exactly `entries`, as `git mktree` writes it (it checks no
/// name, so it can hold what `git add` never would).
fn tree(repo: &TestRepo, entries: &[Entry<'_>]) -> String {
    let text: String = entries
        .iter()
        .map(|(mode, id, name)| {
            let kind = match *mode {
                "040000" => "tree",
                "160000" => "commit",
                _ => "blob",
            };
            format!("{mode} {kind} {id}\t{name}\n")
        })
        .collect();
    repo.git_input(&["mktree"], text.as_bytes())
}

fn blob(repo: &TestRepo, bytes: &str) -> String {
    repo.git_input(&["hash-object", "-w", "--stdin"], bytes.as_bytes())
}

/// A tree holding one file at `path` (components may be anything), beside HEAD's
/// own entries.
fn head_tree_plus(repo: &TestRepo, path: &[&str], mode: &str, id: String) -> String {
    let mut inner = (mode, id, *path.last().unwrap());
    let mut made;
    for name in path[..path.len() - 1].iter().rev() {
        made = tree(repo, &[inner]);
        inner = ("040000", made, name);
    }
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let listing = repo.git(&["ls-tree", "HEAD"]);
    let owned: Vec<(String, String, String)> = listing
        .lines()
        .map(|line| {
            let (meta, name) = line.split_once('\t').unwrap();
            let parts: Vec<&str> = meta.split(' ').collect();
            (parts[0].to_string(), parts[2].to_string(), name.to_string())
        })
        .collect();
    for (mode, id, name) in &owned {
        if name != inner.2 {
            entries.push((mode.as_str(), id.clone(), name.as_str()));
        }
    }
    entries.push(inner);
    entries.sort_by_key(git_order);
    tree(repo, &entries)
}

/// git sorts a folder's name as if it ended in `/`.
fn git_order(entry: &Entry<'_>) -> Vec<u8> {
    let mut key = entry.2.as_bytes().to_vec();
    if entry.0 == "040000" {
        key.push(b'/');
    }
    key
}

/// Makes `HEAD` a forged operation: a commit whose parent holds `tree` and which
/// itself gives back `HEAD`'s tree, with `trailers` in its message. Rolling it back
/// would put `tree`'s extra entries in the work tree.
fn forge_operation(repo: &TestRepo, tree: &str, trailers: &str) -> String {
    let clean = repo.rev("HEAD^{tree}");
    let head = repo.rev("HEAD");
    let parent = repo.git(&["commit-tree", tree, "-p", &head, "-m", "an ordinary commit"]);
    let forged = repo.git(&[
        "commit-tree",
        &clean,
        "-p",
        parent.trim(),
        "-m",
        &format!("workflow: migrate things\n\n{trailers}"),
    ]);
    repo.git(&["update-ref", "refs/heads/main", forged.trim()]);
    forged.trim().to_string()
}

/// Asserts a refusal that changed nothing: exit 1, `words` said, `HEAD` and the
/// work tree as they were.
#[track_caller]
fn refused(repo: &TestRepo, args: &[&str], words: &[&str]) -> String {
    let head = repo.rev("HEAD");
    let before = repo.fingerprint();
    let run = repo.wf(args).expect(1);
    for word in words {
        assert!(
            run.stderr.contains(word),
            "missing {word:?}:\n{}",
            run.stderr
        );
    }
    assert_eq!(repo.rev("HEAD"), head, "a refusal moved HEAD");
    assert!(
        before == repo.fingerprint(),
        "a refusal changed the work tree"
    );
    run.stderr
}

fn hook_ran(repo: &TestRepo) -> PathBuf {
    repo.scratch().join("hook-ran")
}

#[test]
fn a_forged_migration_cannot_restore_a_git_hook_and_run_it() {
    let repo = TestRepo::with_commit();
    let script = format!("#!/bin/sh\ntouch '{}'\n", hook_ran(&repo).display());
    let hook = blob(&repo, &script);
    let tree = head_tree_plus(&repo, &[".git", "hooks", "post-commit"], "100755", hook);
    forge_operation(&repo, &tree, "Workflow-Operation: migrate\n");
    for args in [&["rollback", "--dry-run"][..], &["rollback"]] {
        refused(
            &repo,
            args,
            &[
                "cannot roll back",
                ".git/hooks/post-commit",
                "which git reads as .git",
                "git show --stat",
            ],
        );
    }
    assert!(!repo.path().join(".git/hooks/post-commit").exists());
    assert!(!hook_ran(&repo).exists(), "the forged hook ran");
    let git = repo.git_run(&["revert", "--no-edit", "HEAD"]);
    assert!(
        git.stderr.contains("invalid path '.git/hooks/post-commit'"),
        "git itself refuses the same revert: {}",
        git.stderr
    );
}

#[test]
fn a_forged_migration_cannot_reach_outside_the_work_tree() {
    let repo = TestRepo::with_commit();
    let canary = repo.scratch().join("canary.txt");
    std::fs::write(&canary, "do not touch\n").unwrap();
    let payload = blob(&repo, "overwritten\n");
    let tree = head_tree_plus(
        &repo,
        &[".workflow", "..", "..", "canary.txt"],
        "100644",
        payload,
    );
    forge_operation(&repo, &tree, "Workflow-Operation: migrate\n");
    refused(
        &repo,
        &["rollback"],
        &[".workflow/../../canary.txt", "a '..' component"],
    );
    assert_eq!(std::fs::read_to_string(&canary).unwrap(), "do not touch\n");
    assert!(!repo.scratch().join("canary.txt.lock").exists());
}

#[test]
fn a_forged_revert_outside_workflow_is_refused_even_for_an_ordinary_path() {
    let repo = TestRepo::with_commit();
    let payload = blob(&repo, "#!/bin/sh\necho pwned\n");
    let tree = head_tree_plus(&repo, &["Makefile"], "100755", payload);
    forge_operation(&repo, &tree, "Workflow-Operation: migrate\n");
    refused(
        &repo,
        &["rollback"],
        &["Makefile", "neither under .workflow/ nor a task-graph path"],
    );
    assert!(!repo.exists("Makefile"));
}

/// A folder outside the repository holding `id_ed25519` ("secret"), which no
/// operation may read, move or change.
fn secret_folder(repo: &TestRepo, name: &str) -> PathBuf {
    let folder = repo.scratch().join(name);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("id_ed25519"), "secret\n").unwrap();
    folder
}

#[test]
fn forged_completion_trailers_never_become_paths() {
    let repo = TestRepo::with_commit();
    let victim = secret_folder(&repo, "victim/.ssh");
    repo.write(".workflow/archives/WFS-a/workflow-session.json", "{}\n");
    repo.commit_all("an archive");
    let tree = repo.rev("HEAD~1^{tree}");
    forge_operation(
        &repo,
        &tree,
        "Workflow-Operation: complete\nWorkflow-Session: ../../../victim/.ssh\nWorkflow-Session-Folder: .workflow/loot\n",
    );
    refused(
        &repo,
        &["rollback"],
        &[
            "../../../victim/.ssh",
            "not a session id",
            "git show --stat",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("id_ed25519")).unwrap(),
        "secret\n"
    );
    assert!(!repo.exists(".workflow/loot"));
}

/// A repository whose `.workflow` is committed as a link to a folder outside it.
fn workflow_linked_to(target: &Path) -> TestRepo {
    let repo = TestRepo::with_commit();
    std::fs::create_dir_all(target).unwrap();
    std::os::unix::fs::symlink(target, repo.path().join(".workflow")).unwrap();
    repo.commit_all("state elsewhere");
    repo
}

#[test]
fn a_committed_workflow_link_is_refused_by_every_command() {
    let repo = TestRepo::with_commit();
    let outside = repo.scratch().join("outside");
    let repo = {
        drop(repo);
        workflow_linked_to(&outside)
    };
    let commands: &[&[&str]] = &[
        &["status"],
        &["session", "start", "x"],
        &["session", "list"],
        &["version", "create", "x"],
        &["task", "show", "x"],
        &["migrate"],
        &["migrate", "--adopt"],
        &["rollback"],
    ];
    for args in commands {
        refused(
            &repo,
            args,
            &[
                ".workflow is committed as a symbolic link",
                "git rm --cached",
            ],
        );
    }
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    let run = repo.wf(&["check", "--all"]).expect(1);
    assert!(run.stdout.contains("[state-symlink]"), "{}", run.said());
}

#[test]
fn links_inside_workflow_are_never_written_through() {
    let repo = TestRepo::with_commit();
    let outside = repo.scratch().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let other = repo.scratch().join("other-program.yml");
    std::fs::write(&other, "mine: true\n").unwrap();
    repo.wf(&["version", "create", "first"]).expect(0);
    repo.commit_all("a version");
    let link = |path: &str, to: &Path| {
        let full = repo.path().join(path);
        let _ = std::fs::remove_file(&full);
        let _ = std::fs::remove_dir_all(&full);
        std::os::unix::fs::symlink(to, full).unwrap();
    };

    link(".workflow/index.yml", &other);
    refused(
        &repo,
        &["version", "create", "second"],
        &[".workflow/index.yml is a symbolic link"],
    );
    repo.git(&["checkout", "--", ".workflow/index.yml"]);

    link(".workflow/versions/v001/task_sessions", &outside);
    refused(
        &repo,
        &[
            "task", "start", "t1", "--type", "create", "--agent", "backend",
        ],
        &["task_sessions is a symbolic link"],
    );
    std::fs::remove_file(repo.path().join(".workflow/versions/v001/task_sessions")).unwrap();
    std::fs::create_dir(repo.path().join(".workflow/versions/v001/task_sessions")).unwrap();

    repo.wf(&[
        "task", "start", "t1", "--type", "create", "--agent", "backend",
    ])
    .expect(0);
    link(".workflow/operations.log", &other);
    refused(
        &repo,
        &["task", "log", "t1", "CREATE", "file", "x"],
        &[".workflow/operations.log is a symbolic link"],
    );

    let repo = TestRepo::with_commit();
    std::fs::create_dir_all(repo.path().join(".workflow")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path().join(".workflow/active")).unwrap();
    refused(
        &repo,
        &["session", "start", "x"],
        &[".workflow/active is a symbolic link"],
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "mine: true\n");
}

#[test]
fn a_name_that_drives_the_terminal_is_printed_quoted() {
    let repo = TestRepo::with_commit();
    repo.write(".workflow/WFS-\u{1b}[2Jx/IMPL_PLAN.md", "plan\n");
    repo.commit_all("an escape in a name");
    let run = repo.wf(&["check", "--all"]).expect(1);
    assert!(!run.said().contains('\u{1b}'), "{:?}", run.said());
    assert!(run.stdout.contains("\\033[2J"), "{}", run.stdout);
    let status = repo.wf(&["status"]);
    assert!(!status.said().contains('\u{1b}'), "{:?}", status.said());
    let git = repo.git(&["-c", "core.quotePath=false", "ls-files"]);
    assert!(git.contains("\\033[2J"), "git quotes it too: {git}");
}

#[test]
fn a_manifest_number_past_a_double_is_valid_json_before_and_after_a_completion() {
    let repo = TestRepo::with_commit();
    repo.wf(&["session", "start", "numbers"]).expect(0);
    repo.write(
        ".workflow/archives/manifest.json",
        "[{\"session_id\": \"WFS-old\", \"big\": 1e400, \"n\": 123456789012345678901234567890}]\n",
    );
    repo.commit_all("a manifest JSON.parse reads as Infinity");
    repo.wf(&["check", "--all"]).expect(0);
    repo.wf(&["session", "complete", "WFS-numbers"]).expect(0);
    let manifest = repo.read(".workflow/archives/manifest.json");
    assert!(
        manifest.contains("\"big\": 1e400, \"n\": 123456789012345678901234567890"),
        "the numbers keep their bytes: {manifest}"
    );
    repo.wf(&["check", "--all"]).expect(0);
}

#[test]
fn a_forged_completion_cannot_carry_a_folder_in_through_a_committed_link() {
    let repo = TestRepo::with_commit();
    let victim = secret_folder(&repo, "victim");
    repo.write(".workflow/active/WFS-x/a.md", "a\n");
    std::fs::create_dir_all(repo.path().join(".workflow/archives")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.path().join(".workflow/archives/WFS-x")).unwrap();
    repo.commit_all("an ordinary commit holding a link");
    repo.git(&["rm", "-q", ".workflow/active/WFS-x/a.md"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "workflow: complete WFS-x\n\nWorkflow-Operation: complete\nWorkflow-Session: WFS-x\nWorkflow-Session-Folder: .workflow/active/WFS-x",
    ]);
    refused(
        &repo,
        &["rollback"],
        &[".workflow/archives/WFS-x is a symbolic link"],
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("id_ed25519")).unwrap(),
        "secret\n"
    );
}

#[test]
fn a_line_break_in_a_committed_name_cannot_forge_a_line_of_the_report() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/WFS-x\nno layout problems (0 path(s) checked)/a.md",
        "a\n",
    );
    repo.commit_all("a name with a line break");
    let run = repo.wf(&["check", "--all"]).expect(1);
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.starts_with("no layout problems")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\".workflow/WFS-x\\nno layout problems"),
        "quoted as git quotes it: {}",
        run.stdout
    );
}
