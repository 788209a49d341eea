//! The pre-receive hook as an attacker meets it (SPEC §7): real pushes to a bare
//! repository with the installed hook, each under a memory cap (`ulimit -v`) so a
//! regression fails here instead of taking the machine. A push costs the hook what
//! it holds, never what it expands to; a push that touches no state passes.

use crate::support::{Run, TestRepo};

/// Virtual memory for one push and its hook, in KiB: git and the hook fit in a
/// fraction of it; the shapes below took gigabytes before they were bounded.
const CAP_KIB: u64 = 1_500_000;

/// A client with `origin` a bare repository whose pre-receive hook is ours.
fn client_with_server() -> TestRepo {
    let repo = TestRepo::with_commit();
    let base = repo.scratch();
    repo.run_in(
        &base,
        "git",
        &["init", "-q", "--bare", "-b", "main", "server.git"],
    )
    .expect(0);
    let server = base.join("server.git").to_string_lossy().into_owned();
    repo.run_in(
        &base,
        "git-workflow",
        &["-C", &server, "hooks", "install", "--pre-receive"],
    )
    .expect(0);
    repo.git(&["remote", "add", "origin", &server]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo
}

/// `args` run by a shell in the work tree whose virtual memory is capped.
fn capped(repo: &TestRepo, program: &str, args: &[&str]) -> Run {
    let script = format!("ulimit -v {CAP_KIB}; exec \"$0\" \"$@\"");
    let program = crate::support::executable(program);
    let mut all = vec!["-c", script.as_str(), program];
    all.extend_from_slice(args);
    repo.run_env("sh", &all, &[], &[])
}

/// Pushes `main`, memory capped, and returns what git said.
fn push(repo: &TestRepo) -> Run {
    capped(repo, "git", &["push", "origin", "main"])
}

#[track_caller]
fn refused_push(repo: &TestRepo, words: &[&str]) {
    let run = push(repo);
    assert_ne!(run.code, Some(0), "the push went through: {}", run.stderr);
    assert!(
        run.stderr.contains("pre-receive hook declined"),
        "{}",
        run.stderr
    );
    for word in words {
        assert!(
            run.stderr.contains(word),
            "missing {word:?}: {}",
            run.stderr
        );
    }
}

/// A commit made by `git fast-import` holding `bytes` at `path` (any length,
/// any depth), on `main`.
fn import_file(repo: &TestRepo, path: &str, bytes: &[u8]) {
    let mut stream = format!(
        "commit refs/heads/main\ncommitter Ada Tester <ada@example.com> 1765800000 +0000\ndata 8\nimported\nfrom refs/heads/main^0\nM 100644 inline {path}\ndata {}\n",
        bytes.len()
    )
    .into_bytes();
    stream.extend_from_slice(bytes);
    stream.push(b'\n');
    repo.git_input(&["fast-import", "--quiet"], &stream);
    repo.git(&["reset", "-q", "--soft", "main"]);
}

#[test]
fn a_push_making_workflow_a_link_or_a_submodule_is_refused() {
    let repo = client_with_server();
    std::os::unix::fs::symlink("/etc", repo.path().join(".workflow")).unwrap();
    repo.git(&["add", ".workflow"]);
    let staged = repo.wf(&["check", "--staged"]).expect(1);
    assert!(
        staged
            .stdout
            .contains(".workflow itself is a symlink or submodule")
            && staged.stdout.contains("[state-symlink]"),
        "{}",
        staged.said()
    );
    repo.git(&["commit", "-q", "-m", "state elsewhere"]);
    refused_push(
        &repo,
        &[
            ".workflow itself is a symlink or submodule",
            "[state-symlink]",
        ],
    );

    repo.git(&["reset", "-q", "--hard", "origin/main"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1111111111111111111111111111111111111111,.workflow",
    ]);
    repo.git(&["commit", "-q", "-m", "state in a submodule"]);
    refused_push(
        &repo,
        &[
            ".workflow itself is a symlink or submodule",
            "[state-symlink]",
        ],
    );
    let all = repo.wf(&["check", "--all"]).expect(1);
    assert!(all.stdout.contains("[state-symlink]"), "{}", all.said());
}

#[test]
fn alias_fan_out_and_flow_nesting_are_refused_in_bounded_memory() {
    let repo = client_with_server();
    let items = |item: &str| vec![item; 100].join(", ");
    let fan_out = format!(
        "a: &a [{}]\nb: &b [{}]\nc: [{}]\n",
        items("x"),
        items("*a"),
        items("*b")
    );
    assert!(fan_out.len() < 4_000, "3.4 KB of YAML");
    repo.write(".workflow/fan.yml", &fan_out);
    let nested = format!("a: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
    repo.write(".workflow/nested.yml", &nested);
    repo.commit_all("bombs");
    refused_push(
        &repo,
        &[
            ".workflow/fan.yml does not parse: aliases expand to more than 1000000 nodes [malformed-state]",
            ".workflow/nested.yml does not parse: nesting deeper than 128 levels (line 1) [malformed-state]",
        ],
    );
    for args in [
        &["status"][..],
        &["check", "--all"],
        &["migrate", "--dry-run"],
    ] {
        let run = capped(&repo, "git-workflow", args);
        assert!(
            matches!(run.code, Some(0) | Some(1)),
            "{args:?} ran out of its memory: {}",
            run.stderr
        );
    }
}

#[test]
fn a_tree_deeper_than_git_allows_is_refused_naming_the_path() {
    let repo = client_with_server();
    let deep = format!(".workflow/{}x.json", "d/".repeat(3_000));
    import_file(&repo, &deep, b"{}\n");
    let run = capped(
        &repo,
        "git-workflow",
        &["check", "--range", "origin/main..main"],
    );
    assert_eq!(run.code, Some(1), "{}", run.said());
    assert!(
        run.stderr
            .contains("a tree nests folders more than 2048 deep at .workflow/d/d/d/"),
        "{}",
        run.stderr
    );
    let pushed = push(&repo);
    assert_ne!(
        pushed.code,
        Some(0),
        "git refuses it too: {}",
        pushed.stderr
    );
}

#[test]
fn a_huge_state_file_is_refused_from_its_header_unread() {
    let repo = client_with_server();
    let huge = vec![b'7'; 1 << 30];
    import_file(&repo, ".workflow/big.json", &huge);
    drop(huge);
    let run = capped(
        &repo,
        "git-workflow",
        &["check", "--range", "origin/main..main"],
    );
    assert_eq!(run.code, Some(1), "{}", run.said());
    assert!(
        run.stdout.contains(
            ".workflow/big.json does not parse: it is 1073741824 bytes, over the 16 MiB limit for state files [malformed-state]"
        ),
        "{}",
        run.said()
    );
    refused_push(&repo, &["over the 16 MiB limit"]);
}

#[test]
fn a_push_touching_no_state_passes_whatever_else_it_holds() {
    let repo = client_with_server();
    let long_name = "n".repeat(64 * 1024);
    let blob = repo.git_input(&["hash-object", "-w", "--stdin"], b"long\n");
    let head_tree = repo.rev("HEAD^{tree}");
    let listing = repo.git(&["ls-tree", &head_tree]);
    let mut entries = format!("{}100644 blob {blob}\t{long_name}\n", listing);
    entries = entries.replace("\n\n", "\n");
    let tree = repo.git_input(&["mktree"], entries.as_bytes());
    let head = repo.rev("HEAD");
    let commit = repo.git(&["commit-tree", &tree, "-p", &head, "-m", "a very long name"]);
    repo.git(&["update-ref", "refs/heads/main", commit.trim()]);
    let run = push(&repo);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    repo.write(".workflow/WFS-\u{1b}[2J/IMPL_PLAN.md", "plan\n");
    repo.commit_all("an escape in a name");
    let refused = push(&repo);
    assert_ne!(refused.code, Some(0));
    assert!(!refused.stderr.contains('\u{1b}'), "{:?}", refused.stderr);
    assert!(refused.stderr.contains("\\033[2J"), "{}", refused.stderr);
}

/// Renames `.workflow/<from>` to `.workflow/<to>` in the work tree.
fn move_folder(repo: &TestRepo, from: &str, to: &str) {
    let workflow = repo.path().join(".workflow");
    std::fs::rename(workflow.join(from), workflow.join(to)).unwrap();
}

#[test]
fn a_folder_repeated_across_places_and_commits_is_judged_once_and_reported_everywhere() {
    let repo = client_with_server();
    let base = repo.rev("HEAD");
    for folder in ["a", "b", "c"] {
        repo.write(&format!(".workflow/{folder}/ok.json"), "{}\n");
        repo.write(&format!(".workflow/{folder}/bad.json"), "{\n");
    }
    repo.commit_all("three copies of one broken folder");
    for folder in ["a", "b", "c"] {
        move_folder(&repo, folder, &format!("{folder}2"));
    }
    repo.commit_all("the copies moved");
    let run = repo
        .wf(&["check", "--range", &format!("{base}..HEAD")])
        .expect(1);
    for folder in ["a", "b", "c", "a2", "b2", "c2"] {
        assert!(
            run.stdout
                .contains(&format!(".workflow/{folder}/bad.json does not parse")),
            "{folder}: {}",
            run.stdout
        );
    }
    assert_eq!(
        run.stdout.matches("[malformed-state]").count(),
        6,
        "{}",
        run.stdout
    );

    let clean = client_with_server();
    let base = clean.rev("HEAD");
    for n in 0..50 {
        clean.write(&format!(".workflow/f{n}/state.json"), "{}\n");
    }
    clean.commit_all("fifty copies of one clean folder");
    for flip in 0..4 {
        let (from, to) = if flip % 2 == 0 {
            ("f", "g")
        } else {
            ("g", "f")
        };
        for n in 0..50 {
            move_folder(&clean, &format!("{from}{n}"), &format!("{to}{n}"));
        }
        clean.commit_all("a flip");
    }
    let run = clean
        .wf(&["check", "--range", &format!("{base}..HEAD")])
        .expect(0);
    assert!(
        run.stdout
            .contains("no layout problems (250 path(s) checked)"),
        "every path counted, read or not: {}",
        run.stdout
    );
    refused_push(&repo, &["[malformed-state]"]);
    let pushed = push(&clean);
    assert_eq!(pushed.code, Some(0), "{}", pushed.stderr);
}

#[test]
fn long_paths_times_many_entries_are_judged_one_at_a_time() {
    let repo = client_with_server();
    let base = repo.rev("HEAD");
    let blob = repo.git_input(&["hash-object", "-w", "--stdin"], b"{}\n");
    let leaf: String = (0..50_000)
        .map(|n| format!("100644 blob {blob}\tf{n:05}.json\n"))
        .collect();
    let mut tree = repo.git_input(&["mktree"], leaf.as_bytes());
    for level in 0..200 {
        let name = format!("{level:03}{}", "n".repeat(197));
        tree = repo.git_input(
            &["mktree"],
            format!("040000 tree {tree}\t{name}\n").as_bytes(),
        );
    }
    let x = repo.git_input(&["mktree"], format!("040000 tree {tree}\tx\n").as_bytes());
    let workflow = format!("040000 tree {x}\t.workflow\n");
    let root = repo.git(&["ls-tree", "HEAD"]) + &workflow;
    let root = repo.git_input(&["mktree"], root.as_bytes());
    let commit = repo.git(&[
        "commit-tree",
        &root,
        "-p",
        &base,
        "-m",
        "50,000 paths of 40 KB",
    ]);
    repo.git(&["update-ref", "refs/heads/main", commit.trim()]);
    let run = capped(
        &repo,
        "git-workflow",
        &["check", "--range", &format!("{base}..main")],
    );
    assert_eq!(run.code, Some(0), "{}", run.said());
    assert!(
        run.stdout
            .contains("no layout problems (50000 path(s) checked)"),
        "2 GB of paths if they were held at once: {}",
        run.stdout
    );
}
