//! SPEC §5.1: the operation commit in the repositories people really have, each
//! compared with what `git commit` does in the same repository: identity from
//! config and `EMAIL`, git's own date format, signing (openpgp, ssh, a key that
//! cannot sign), the message hooks and `post-commit`.

use crate::support::TestRepo;
use std::fs;
use std::os::unix::fs::PermissionsExt;

const IDENTITY: [&str; 4] = [
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
];

/// A repository with flat sessions to migrate, and the same change ready for
/// `git commit` to compare with.
fn old_layout() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo
}

fn hook(repo: &TestRepo, name: &str, body: &str) {
    let path = repo.path().join(".git/hooks").join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The branch's commit, the index file's bytes, and each work-tree file's bytes.
type State = (String, Vec<u8>, Vec<(String, Vec<u8>)>);

/// What a refusal must leave as it was: the branch, the index, every work-tree file
/// (git's object store may gain unreachable objects, as a refused `git commit`'s do).
fn state(repo: &TestRepo) -> State {
    let files = repo
        .fingerprint()
        .into_iter()
        .filter(|(path, _)| !path.starts_with(".git/"))
        .map(|(path, (_, _, _, bytes))| (path, bytes))
        .collect();
    let index = fs::read(repo.path().join(".git/index")).unwrap();
    (repo.rev("HEAD"), index, files)
}

fn log(repo: &TestRepo, format: &str) -> String {
    repo.git(&["log", "-1", &format!("--format={format}")])
}

/// Runs `migrate` and then `git commit` with the same identity settings; returns
/// the identities each wrote.
fn identities_beside_git(repo: &TestRepo, env: &[(&str, &str)]) -> (String, String) {
    repo.run_env("git-workflow", &["migrate"], env, &IDENTITY)
        .expect(0);
    let ours = log(repo, "%an <%ae> / %cn <%ce>");
    let git_commit = ["commit", "-q", "--allow-empty", "-m", "git's"];
    repo.run_env("git", &git_commit, env, &IDENTITY).expect(0);
    (ours, log(repo, "%an <%ae> / %cn <%ce>"))
}

#[test]
fn identity_comes_from_author_and_committer_config_as_git_takes_it() {
    let repo = old_layout();
    repo.git(&["config", "author.name", "Auth Or"]);
    repo.git(&["config", "author.email", "author@example.com"]);
    repo.git(&["config", "committer.name", "Com Mitter"]);
    repo.git(&["config", "user.email", "user@example.com"]);
    let (ours, git) = identities_beside_git(&repo, &[]);
    assert_eq!(ours, git);
    assert_eq!(
        ours,
        "Auth Or <author@example.com> / Com Mitter <user@example.com>\n"
    );
}

#[test]
fn the_email_variable_is_used_where_git_uses_it() {
    let repo = old_layout();
    repo.git(&["config", "user.name", "Us Er"]);
    let (ours, git) = identities_beside_git(&repo, &[("EMAIL", "from-env@example.com")]);
    assert_eq!(ours, git);
    assert_eq!(
        ours,
        "Us Er <from-env@example.com> / Us Er <from-env@example.com>\n"
    );
}

#[test]
fn no_identity_at_all_is_refused_with_gits_reason_and_nothing_changes() {
    let repo = old_layout();
    repo.git(&["config", "user.useConfigOnly", "true"]);
    let head = repo.rev("HEAD");
    let run = repo
        .run_env("git-workflow", &["migrate"], &[], &IDENTITY)
        .expect(1);
    assert!(
        run.stderr.contains("git does not know who you are"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("git config user.email"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), head);
    assert_eq!(repo.status(), "");
}

#[test]
fn gits_default_date_format_is_taken_as_git_takes_it() {
    let repo = old_layout();
    let date = [("GIT_COMMITTER_DATE", "Tue Dec 16 13:00:00 2025 +0100")];
    repo.run_env("git-workflow", &["migrate"], &date, &[])
        .expect(0);
    assert_eq!(log(&repo, "%cI"), "2025-12-16T13:00:00+01:00\n");
}

/// The first key's fingerprint in gpg's or gpgsm's `--with-colons` listing
/// (field 10 of the `fpr` record).
fn fingerprint(listing: &str) -> String {
    listing
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .expect("a fingerprint")
        .to_string()
}

/// A throwaway OpenPGP key in its own GNUPGHOME; returns (GNUPGHOME, fingerprint).
fn gpg_key(repo: &TestRepo) -> (String, String) {
    let home = repo.scratch().join("gnupg");
    fs::create_dir_all(&home).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
    let home = home.to_string_lossy().into_owned();
    let env = [("GNUPGHOME", home.as_str())];
    let args = [
        "--batch",
        "--passphrase",
        "",
        "--quick-generate-key",
        "Ada Tester <ada@example.com>",
        "ed25519",
        "sign",
        "never",
    ];
    repo.run_env("gpg", &args, &env, &[]).expect(0);
    let listing = repo
        .run_env("gpg", &["--with-colons", "--list-secret-keys"], &env, &[])
        .expect(0);
    (home, fingerprint(&listing.stdout))
}

#[test]
fn commit_gpgsign_signs_the_operation_commit_with_openpgp() {
    let repo = old_layout();
    let (home, fingerprint) = gpg_key(&repo);
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "user.signingKey", &fingerprint]);
    let env = [("GNUPGHOME", home.as_str())];
    repo.run_env("git-workflow", &["migrate"], &env, &[])
        .expect(0);
    let shown = repo.run_env("git", &["log", "-1", "--format=%G? %GF"], &env, &[]);
    assert_eq!(
        shown.stdout.trim(),
        format!("G {fingerprint}"),
        "{}",
        shown.stderr
    );
    let rollback = repo
        .run_env("git-workflow", &["rollback"], &env, &[])
        .expect(0);
    let shown = repo.run_env("git", &["verify-commit", "HEAD"], &env, &[]);
    assert_eq!(shown.code, Some(0), "{}\n{}", rollback.stdout, shown.stderr);
}

#[test]
fn commit_gpgsign_signs_with_an_ssh_key() {
    let repo = old_layout();
    let key = repo.scratch().join("id_ed25519");
    let key_arg = key.to_string_lossy().into_owned();
    let args = [
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        "ada",
        "-f",
        key_arg.as_str(),
    ];
    repo.run_env("ssh-keygen", &args, &[], &[]).expect(0);
    let public = fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = repo.scratch().join("allowed_signers");
    fs::write(&allowed, format!("ada@example.com {public}")).unwrap();
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "user.signingKey", &format!("{key_arg}.pub")]);
    repo.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        &allowed.to_string_lossy(),
    ]);
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(log(&repo, "%G?"), "G\n");

    // Given as `git -c commit.gpgsign=true`, which libgit2 does not read.
    repo.git(&["config", "--unset", "commit.gpgsign"]);
    let env = [("GIT_CONFIG_PARAMETERS", "'commit.gpgsign'='true'")];
    repo.wf_with(&["rollback"], &env).expect(0);
    assert_eq!(log(&repo, "%G?"), "G\n", "git -c signs as git would");
    repo.wf(&["migrate"]).expect(0);
    assert_eq!(log(&repo, "%G?"), "N\n", "without it, unsigned");
}

#[test]
fn a_key_that_cannot_sign_refuses_as_git_refuses_and_changes_nothing() {
    let repo = old_layout();
    let (home, _) = gpg_key(&repo);
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "user.signingKey", "0xDEADBEEFDEADBEEF"]);
    let env = [("GNUPGHOME", home.as_str())];
    let before = state(&repo);
    let run = repo
        .run_env("git-workflow", &["migrate"], &env, &[])
        .expect(1);
    assert!(
        run.stderr.contains("could not sign the commit"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("gpg failed to sign"), "{}", run.stderr);
    assert!(state(&repo) == before, "nothing changed");
    let git = repo.run_env("git", &["commit", "--allow-empty", "-m", "x"], &env, &[]);
    assert_ne!(git.code, Some(0), "git refuses the same key");
}

#[test]
fn commit_msg_and_prepare_commit_msg_hooks_add_their_trailers() {
    let repo = old_layout();
    hook(
        &repo,
        "prepare-commit-msg",
        r#"[ "$2" = message ] || exit 1
git interpret-trailers --in-place --trailer "Signed-off-by: Ada Tester <ada@example.com>" "$1""#,
    );
    hook(
        &repo,
        "commit-msg",
        r#"git interpret-trailers --in-place --trailer "Change-Id: I$(git hash-object "$1")" "$1""#,
    );
    repo.wf(&["migrate"]).expect(0);
    let trailers = log(
        &repo,
        "%(trailers:key=Change-Id,key=Signed-off-by,valueonly)",
    );
    assert_eq!(
        trailers.lines().filter(|l| !l.is_empty()).count(),
        2,
        "{trailers}"
    );
    repo.wf(&["rollback"]).expect(0);
    assert!(
        log(&repo, "%B").contains("\nChange-Id: I"),
        "{}",
        log(&repo, "%B")
    );
    let listed = repo.wf(&["log"]).expect(0);
    assert_eq!(listed.stdout.lines().count(), 2, "{}", listed.stdout);
}

#[test]
fn a_commit_msg_hook_that_refuses_stops_the_operation_before_anything_changes() {
    let repo = old_layout();
    hook(&repo, "commit-msg", "echo 'missing Change-Id' >&2; exit 1");
    let before = state(&repo);
    let run = repo.wf(&["migrate"]).expect(1);
    assert!(run.stderr.contains("missing Change-Id"), "{}", run.stderr);
    assert!(
        run.stderr.contains("the commit-msg hook refused"),
        "{}",
        run.stderr
    );
    assert!(state(&repo) == before, "nothing changed");
    assert_eq!(repo.wf(&["status", "--json"]).code, Some(0));
}

#[test]
fn post_commit_runs_once_the_commit_and_work_tree_are_in_place() {
    let repo = old_layout();
    hook(
        &repo,
        "post-commit",
        "echo noise; git rev-parse HEAD > .git/post-commit-saw; git status --porcelain >> .git/post-commit-saw",
    );
    let run = repo.wf(&["migrate", "--json"]).expect(0);
    serde_json::from_str::<serde_json::Value>(&run.stdout).expect("stdout is JSON alone");
    let saw = fs::read_to_string(repo.path().join(".git/post-commit-saw")).unwrap();
    assert_eq!(
        saw,
        format!("{}\n", repo.rev("HEAD")),
        "HEAD moved and nothing left over"
    );
}

#[test]
fn a_repository_of_another_user_is_refused_with_gits_safe_directory_fix() {
    let repo = old_layout();
    let status = std::process::Command::new("chown")
        .args(["-R", "65534"])
        .arg(repo.path())
        .status()
        .unwrap();
    assert!(status.success(), "the tests run as root, as CI does");
    let git = repo.git_run(&["status"]);
    assert!(git.stderr.contains("dubious ownership"), "{}", git.stderr);
    let run = repo.wf(&["migrate"]).expect(1);
    let work = repo.path().to_string_lossy().into_owned();
    assert!(
        run.stderr.contains("detected dubious ownership"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("git config --global --add safe.directory {work}")),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn head_through_a_chain_of_symbolic_refs_moves_the_last_one_as_git_does() {
    let repo = old_layout();
    repo.git(&["symbolic-ref", "refs/heads/alias", "refs/heads/main"]);
    repo.git(&["symbolic-ref", "HEAD", "refs/heads/alias"]);
    let run = repo.wf(&["migrate"]).expect(0);
    assert!(run.stdout.contains("[main "), "{}", run.stdout);
    assert_eq!(repo.rev("main"), repo.rev("HEAD"));
    assert_eq!(
        repo.git(&["symbolic-ref", "--no-recurse", "refs/heads/alias"]),
        "refs/heads/main\n"
    );
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(
        repo.git(&["symbolic-ref", "--no-recurse", "HEAD"]),
        "refs/heads/alias\n"
    );
}

#[test]
fn a_definition_between_document_markers_keeps_its_comments() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/tasks/t.yml",
        "--- # the task\nid: t # keep me\nstatus: done\n...\n",
    );
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\n",
    );
    repo.commit_all("markers");
    repo.wf(&["migrate"]).expect(0);
    let task = repo.read(".workflow/versions/v001/task_sessions/t/task.yml");
    assert!(
        task.starts_with("--- # the task\nid: t # keep me\nstatus: done\nsnapshotted_at: "),
        "{task}"
    );
    assert!(task.ends_with("'\n...\n"), "{task}");
}

/// One kind of repository libgit2 cannot read: its name, `git init` options, the
/// git commands that make it so after the first commit, what our refusal names.
type Unreadable = (
    &'static str,
    &'static [&'static str],
    &'static [&'static [&'static str]],
    &'static str,
);

/// Repositories git opens and libgit2 cannot (or whose index it cannot read), each
/// with one commit, and what our refusal must name in each.
fn unreadable_repositories(repo: &TestRepo) -> Vec<(std::path::PathBuf, &'static str)> {
    let kinds: [Unreadable; 4] = [
        (
            "reftable",
            &["--ref-format=reftable"],
            &[],
            "extensions.refStorage = reftable",
        ),
        (
            "sha256",
            &["--object-format=sha256"],
            &[],
            "extensions.objectFormat = sha256",
        ),
        (
            "sparse-index",
            &[],
            &[&["sparse-checkout", "set", "--cone", "--sparse-index", "src"]],
            "a sparse index (extension 'sdir')",
        ),
        (
            "split-index",
            &[],
            &[
                &["config", "core.splitIndex", "true"],
                &["update-index", "--split-index"],
            ],
            "a split index (extension 'link')",
        ),
    ];
    kinds
        .iter()
        .map(|(name, init, then, names)| {
            let dir = repo.scratch().join(name);
            fs::create_dir_all(dir.join("src")).unwrap();
            fs::create_dir_all(dir.join("docs")).unwrap();
            let mut args = vec!["init", "-q", "-b", "main"];
            args.extend_from_slice(init);
            repo.run_in(&dir, "git", &args).expect(0);
            fs::write(dir.join("src/lib.rs"), "//\n").unwrap();
            fs::write(dir.join("docs/a.md"), "a\n").unwrap();
            repo.run_in(&dir, "git", &["add", "-A"]).expect(0);
            repo.run_in(&dir, "git", &["commit", "-q", "-m", "one"])
                .expect(0);
            for step in *then {
                repo.run_in(&dir, "git", step).expect(0);
            }
            (dir, *names)
        })
        .collect()
}

#[test]
fn repositories_libgit2_cannot_read_are_refused_naming_the_extension() {
    let repo = TestRepo::new();
    for (dir, names) in unreadable_repositories(&repo) {
        let run = repo.run_in(&dir, "git-workflow", &["check", "--all"]);
        assert_eq!(run.code, Some(1), "{}: {}", dir.display(), run.stderr);
        assert!(
            run.stderr.contains(names),
            "{}: {}",
            dir.display(),
            run.stderr
        );
        assert!(
            !run.stderr.contains("not inside a git repository"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn the_hook_never_blocks_unrelated_commits_where_libgit2_cannot_read() {
    let repo = TestRepo::with_commit();
    let hooks = repo.home().join("hooks");
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        &hooks.to_string_lossy(),
    ]);
    repo.wf(&["hooks", "install"]).expect(0);
    assert!(
        hooks.join("pre-commit").exists(),
        "installed where core.hooksPath points"
    );
    for (dir, names) in unreadable_repositories(&repo) {
        fs::write(dir.join("src/lib.rs"), "// more\n").unwrap();
        repo.run_in(&dir, "git", &["add", "src/lib.rs"]).expect(0);
        let git = repo.run_in(&dir, "git", &["commit", "-q", "-m", "unrelated"]);
        assert_eq!(git.code, Some(0), "{}: {}", dir.display(), git.stderr);
        fs::create_dir_all(dir.join(".workflow")).unwrap();
        fs::write(dir.join(".workflow/WFS-a.json"), "{}").unwrap();
        repo.run_in(&dir, "git", &["add", "--sparse", "-A"])
            .expect(0);
        let git = repo.run_in(&dir, "git", &["commit", "-q", "-m", "state"]);
        assert_eq!(git.code, Some(1), "{}: {}", dir.display(), git.stderr);
        assert!(
            git.stderr
                .contains("this commit changes .workflow/WFS-a.json"),
            "{}",
            git.stderr
        );
        assert!(git.stderr.contains(names), "{}", git.stderr);
    }
}

#[test]
fn a_sparse_checkout_without_workflow_migrates_and_rolls_back_outside_the_work_tree() {
    let repo = old_layout();
    repo.write("src/lib.rs", "//\n");
    repo.commit_all("src");
    repo.git(&["sparse-checkout", "set", "--cone", "src"]);
    assert!(!repo.exists(".workflow"));
    for (command, expected) in [
        ("migrate", "task_sessions/task_design/task.yml"),
        ("rollback", "task_sessions/task_design.yml"),
    ] {
        repo.wf(&[command]).expect(0);
        assert!(
            !repo.exists(".workflow"),
            "{command} left .workflow/ out of the work tree"
        );
        assert_eq!(repo.status(), "", "git sees no change after {command}");
        let listed = repo.git(&["ls-files", "-t", ".workflow"]);
        assert!(listed.lines().all(|l| l.starts_with("S ")), "{listed}");
        assert!(listed.contains(expected), "{listed}");
    }
    repo.git(&["sparse-checkout", "disable"]);
    assert!(repo.exists(".workflow/versions/v001/task_sessions/task_design.yml"));
    assert_eq!(repo.status(), "");
}

/// The permission bits of every file under `.git/refs`, the index and the packs.
fn git_dir_modes(repo: &TestRepo) -> Vec<(String, u32)> {
    let mut modes = Vec::new();
    for (path, _) in repo.fingerprint() {
        let shared = path == ".git/index"
            || path.starts_with(".git/refs/heads/")
            || path.starts_with(".git/logs/")
            || (path.starts_with(".git/objects/pack/") && !path.ends_with(".keep"));
        if shared {
            let meta = fs::metadata(repo.path().join(&path)).unwrap();
            modes.push((path, meta.permissions().mode() & 0o7777));
        }
    }
    modes
}

#[test]
fn a_shared_repository_gets_the_permissions_git_gives_under_a_tight_umask() {
    let repo = old_layout();
    repo.git(&["config", "core.sharedRepository", "group"]);
    let umask = |program: &str, args: &[&str]| {
        let mut all = vec!["-c", "umask 077; exec \"$0\" \"$@\"", program];
        all.extend_from_slice(args);
        repo.run_env("sh", &all, &[], &[]).expect(0);
    };
    umask(env!("CARGO_BIN_EXE_git-workflow"), &["migrate", "-q"]);
    umask(env!("CARGO_BIN_EXE_git-workflow"), &["rollback", "-q"]);
    let ours = git_dir_modes(&repo);
    for (path, mode) in &ours {
        assert_eq!(
            mode & 0o040,
            0o040,
            "{path} is {mode:o}: the group cannot read it"
        );
    }
    umask("git", &["commit", "-q", "--allow-empty", "-m", "git's"]);
    umask("git", &["repack", "-q", "-a", "-d"]);
    let gits = git_dir_modes(&repo);
    let mode_of = |modes: &[(String, u32)], kind: &str| {
        modes
            .iter()
            .find(|(p, _)| p.ends_with(kind))
            .map(|(_, m)| *m)
    };
    for kind in [".git/index", ".git/refs/heads/main", ".idx", ".pack"] {
        assert_eq!(
            mode_of(&ours, kind),
            mode_of(&gits, kind),
            "{kind}: ours against git's"
        );
    }
}

/// A blob-less partial clone (served over file://) of a repository whose last
/// operation, a completion, changed `project.json`: the clone has the new file's
/// blob, not the old one a rollback puts back.
fn partial_clone_of_a_completion(repo: &TestRepo) -> std::path::PathBuf {
    repo.wf(&["session", "start", "Add auth"]).expect(0);
    repo.seed_project();
    repo.git(&["add", ".workflow/project.json"]);
    repo.git(&["commit", "-q", "-m", "project file"]);
    repo.wf(&["session", "complete"]).expect(0);
    repo.git(&["config", "uploadpack.allowFilter", "true"]);
    let clone = repo.scratch().join("partial");
    let url = format!("file://{}", repo.path().display());
    let args = ["clone", "-q", "--filter=blob:none", url.as_str(), "partial"];
    repo.run_in(&repo.scratch(), "git", &args).expect(0);
    let missing = repo.run_in(
        &clone,
        "git",
        &["rev-list", "--objects", "--all", "--missing=print"],
    );
    assert!(
        missing.stdout.lines().any(|l| l.starts_with('?')),
        "old blobs are not here"
    );
    clone
}

#[test]
fn a_partial_clone_fetches_the_blobs_check_and_rollback_need() {
    let repo = TestRepo::with_commit();
    let clone = partial_clone_of_a_completion(&repo);
    let check = repo.run_in(
        &clone,
        "git-workflow",
        &["check", "--range", "HEAD~3..HEAD"],
    );
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    repo.run_in(&clone, "git-workflow", &["rollback"]).expect(0);
    repo.run_in(&clone, "git", &["fsck", "--no-progress"])
        .expect(0);
    let status = repo.run_in(&clone, "git", &["status", "--porcelain"]);
    assert_eq!(status.stdout, "");
    let git_show = repo.run_in(&clone, "git", &["show", "HEAD~3:.workflow/project.json"]);
    let restored = fs::read_to_string(clone.join(".workflow/project.json")).unwrap();
    assert_eq!(restored, git_show.stdout, "the old project file is back");
}

#[test]
fn a_partial_clone_whose_remote_is_gone_refuses_before_anything_changes() {
    let repo = TestRepo::with_commit();
    let clone = partial_clone_of_a_completion(&repo);
    let moved = format!("file://{}", repo.scratch().join("moved-away").display());
    repo.run_in(&clone, "git", &["remote", "set-url", "origin", &moved])
        .expect(0);
    let head = repo.run_in(&clone, "git", &["rev-parse", "HEAD"]).stdout;
    let run = repo.run_in(&clone, "git-workflow", &["rollback"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let says = "is not in this partial clone and could not be fetched from origin";
    assert!(run.stderr.contains(says), "{}", run.stderr);
    assert_eq!(
        repo.run_in(&clone, "git", &["rev-parse", "HEAD"]).stdout,
        head
    );
    assert_eq!(
        repo.run_in(&clone, "git", &["status", "--porcelain"])
            .stdout,
        ""
    );
}

/// A throwaway self-signed X.509 signing certificate for gpgsm in its own
/// GNUPGHOME, trusted there; returns (GNUPGHOME, fingerprint).
fn x509_key(repo: &TestRepo) -> (String, String) {
    let home = repo.scratch().join("gnupg-x509");
    fs::create_dir_all(&home).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(home.join("gpgsm.conf"), "disable-crl-checks\n").unwrap();
    fs::write(home.join("gpg-agent.conf"), "allow-loopback-pinentry\n").unwrap();
    let params = home.join("params");
    fs::write(
        &params,
        "Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign, cert\nSerial: random\nName-DN: CN=Ada Tester\nName-Email: ada@example.com\n",
    )
    .unwrap();
    let home = home.to_string_lossy().into_owned();
    let env = [("GNUPGHOME", home.as_str())];
    let params = params.to_string_lossy().into_owned();
    let made = [
        "--batch",
        "--armor",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--gen-key",
        params.as_str(),
    ];
    let cert = repo.run_env("gpgsm", &made, &env, &[]).expect(0);
    let pem = repo.scratch().join("cert.pem");
    fs::write(&pem, cert.stdout).unwrap();
    repo.run_env(
        "gpgsm",
        &["--batch", "--import", &pem.to_string_lossy()],
        &env,
        &[],
    )
    .expect(0);
    let listing = repo.run_env("gpgsm", &["--with-colons", "--list-secret-keys"], &env, &[]);
    let fingerprint = listing
        .stdout
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .map(str::to_string)
        .expect("a fingerprint");
    fs::write(
        format!("{home}/trustlist.txt"),
        format!("{fingerprint} S\n"),
    )
    .unwrap();
    (home, fingerprint)
}

#[test]
fn commit_gpgsign_signs_with_an_x509_certificate() {
    let repo = old_layout();
    let (home, fingerprint) = x509_key(&repo);
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.format", "x509"]);
    repo.git(&["config", "user.signingKey", &fingerprint]);
    let env = [("GNUPGHOME", home.as_str())];
    repo.run_env("git-workflow", &["migrate"], &env, &[])
        .expect(0);
    let shown = repo.run_env("git", &["log", "-1", "--format=%G? %GF"], &env, &[]);
    assert_eq!(
        shown.stdout.trim(),
        format!("G {fingerprint}"),
        "{}",
        shown.stderr
    );
}

/// PATH with a `git` first that appends its arguments to `log` and runs the real
/// git, so a test can see which git processes an operation started.
fn logging_git(repo: &TestRepo, log: &std::path::Path) -> String {
    let real = repo.run_env("sh", &["-c", "command -v git"], &[], &[]);
    let bin = repo.scratch().join("logging-bin");
    fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("git");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.stdout.trim()
        ),
    )
    .unwrap();
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

/// The `git hook run` lines of the log, one per hook git was asked to run.
fn hooks_run(log: &std::path::Path) -> Vec<String> {
    let text = fs::read_to_string(log).unwrap_or_default();
    fs::remove_file(log).ok();
    text.lines()
        .filter(|line| line.starts_with("hook run"))
        .map(|line| line.split_whitespace().nth(3).unwrap_or("").to_string())
        .collect()
}

#[test]
fn hooks_nobody_installed_start_no_git_process_and_every_other_one_runs() {
    let repo = old_layout();
    let log = repo.scratch().join("git-calls");
    let path = logging_git(&repo, &log);
    let env = [("PATH", path.as_str())];
    repo.wf_with(&["migrate"], &env).expect(0);
    assert_eq!(hooks_run(&log), Vec::<String>::new(), "no hook, no process");

    // Not executable: git still finds it, and says it ignored it, as `git commit` does.
    let ignored = repo.path().join(".git/hooks/commit-msg");
    fs::write(&ignored, "#!/bin/sh\nexit 1\n").unwrap();
    let run = repo.wf_with(&["rollback"], &env).expect(0);
    assert_eq!(hooks_run(&log), ["commit-msg"]);
    assert!(run.stderr.contains("hook was ignored"), "{}", run.stderr);
    let git = repo.git_run(&["commit", "--allow-empty", "-m", "x"]);
    assert!(git.stderr.contains("hook was ignored"), "{}", git.stderr);
    repo.git(&["reset", "-q", "--hard", "HEAD^"]);
    fs::remove_file(&ignored).unwrap();

    // In core.hooksPath, a folder of the work tree's own.
    repo.git(&["config", "core.hooksPath", "my-hooks"]);
    fs::create_dir_all(repo.path().join("my-hooks")).unwrap();
    let post = repo.path().join("my-hooks/post-commit");
    fs::write(&post, "#!/bin/sh\ntouch .git/post-commit-ran\n").unwrap();
    fs::set_permissions(&post, fs::Permissions::from_mode(0o755)).unwrap();
    repo.wf_with(&["migrate"], &env).expect(0);
    assert_eq!(hooks_run(&log), ["post-commit"]);
    assert!(repo.exists(".git/post-commit-ran"));

    // Given by `git -c`, which only git reads: git is asked about every hook.
    repo.git(&["config", "--unset", "core.hooksPath"]);
    let params = "'core.hookspath'='my-hooks'";
    let env = [("PATH", path.as_str()), ("GIT_CONFIG_PARAMETERS", params)];
    repo.wf_with(&["rollback"], &env).expect(0);
    assert_eq!(
        hooks_run(&log),
        ["prepare-commit-msg", "commit-msg", "post-commit"]
    );

    // core.hooksPath from a file included on a condition libgit2 does not evaluate.
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://example.com/team/repo.git",
    ]);
    let included = repo.scratch().join("team.gitconfig");
    let hooks = repo.path().join("my-hooks");
    fs::write(
        &included,
        format!("[core]\n\thooksPath = {}\n", hooks.display()),
    )
    .unwrap();
    let condition = "includeIf.hasconfig:remote.*.url:https://example.com/team/**.path";
    repo.git(&["config", "--global", condition, included.to_str().unwrap()]);
    assert_eq!(
        repo.git(&["config", "core.hooksPath"]).trim(),
        hooks.to_str().unwrap()
    );
    fs::remove_file(repo.path().join(".git/post-commit-ran")).unwrap();
    let env = [("PATH", path.as_str())];
    repo.wf_with(&["migrate"], &env).expect(0);
    assert_eq!(
        hooks_run(&log),
        ["prepare-commit-msg", "commit-msg", "post-commit"]
    );
    assert!(
        repo.exists(".git/post-commit-ran"),
        "the included hooksPath was used"
    );
    repo.git(&["config", "--global", "--unset", condition]);

    // Hooks set in config (git 2.54): git is asked about every hook.
    repo.git(&["config", "hook.lint.event", "commit-msg"]);
    repo.git(&["config", "hook.lint.command", "true"]);
    let env = [("PATH", path.as_str())];
    repo.wf_with(&["rollback"], &env).expect(0);
    assert_eq!(
        hooks_run(&log),
        ["prepare-commit-msg", "commit-msg", "post-commit"]
    );
}

#[test]
fn a_commit_gpgsign_only_git_sees_that_is_no_boolean_refuses_and_changes_nothing() {
    let repo = old_layout();
    let before = state(&repo);
    let env = [("GIT_CONFIG_PARAMETERS", "'commit.gpgsign'='maybe'")];
    let run = repo.wf_with(&["migrate"], &env).expect(1);
    assert!(
        run.stderr
            .contains("git config commit.gpgsign is not a boolean"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("'maybe'"),
        "git's own words: {}",
        run.stderr
    );
    assert!(state(&repo) == before, "nothing changed");
    let git = repo.run_env("git", &["commit", "--allow-empty", "-m", "x"], &env, &[]);
    assert_ne!(git.code, Some(0), "git refuses the same setting");
}

/// Which of a new pack's files `program args…` flushed to the disk (`pack`, `idx`),
/// read from `strace`: ours are named `pack-<id>.pack`/`.idx`, git's
/// `tmp_pack_*`/`tmp_idx_*` while it writes them.
fn flushed(
    repo: &TestRepo,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Vec<&'static str> {
    let log = repo.scratch().join("strace.log");
    let log_arg = log.to_string_lossy().into_owned();
    let program = crate::support::executable(program);
    let mut all = vec![
        "-f",
        "-y",
        "-e",
        "trace=fsync,fdatasync",
        "-o",
        &log_arg,
        program,
    ];
    all.extend_from_slice(args);
    repo.run_env("strace", &all, env, &[]).expect(0);
    let text = fs::read_to_string(&log).unwrap();
    let synced = |a: &str, b: &str| {
        text.lines()
            .any(|l| l.contains("sync(") && (l.contains(a) || l.contains(b)))
    };
    [
        ("pack", ".pack>", "tmp_pack_"),
        ("idx", ".idx>", "tmp_idx_"),
    ]
    .into_iter()
    .filter(|(_, ours, gits)| synced(ours, gits))
    .map(|(kind, _, _)| kind)
    .collect()
}

#[test]
fn a_new_pack_is_flushed_to_disk_as_git_flushes_its_own_under_core_fsync() {
    let values = [
        "",
        "none",
        "-pack-metadata",
        "objects,none",
        "none,pack",
        "-pack",
    ];
    for value in values {
        let repo = old_layout();
        repo.git(&["config", "core.fsync", value]);
        let gits = flushed(&repo, "git", &["repack", "-adq"], &[]);
        let ours = flushed(&repo, "git-workflow", &["migrate", "-q"], &[]);
        assert_eq!(ours, gits, "core.fsync={value:?}");
    }
    let repo = old_layout();
    let env = [("GIT_CONFIG_PARAMETERS", "'core.fsync'='-pack'")];
    let gits = flushed(&repo, "git", &["repack", "-adq"], &env);
    let ours = flushed(&repo, "git-workflow", &["migrate", "-q"], &env);
    assert_eq!((ours, gits), (vec![], vec![]), "git -c core.fsync=-pack");
    let repo = old_layout();
    assert_eq!(
        flushed(&repo, "git-workflow", &["migrate", "-q"], &[]),
        ["pack", "idx"],
        "git's default flushes both"
    );
}
