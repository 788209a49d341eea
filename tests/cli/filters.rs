//! SPEC §5.1 "Bytes": what an operation takes from the work tree is cleaned as
//! `git add` cleans it and what it writes there is smudged as `git checkout`
//! smudges it, under `core.autocrlf`, `ident` and git-lfs, each checked with
//! git's own view (`git add --renormalize`, `git status`, `git checkout`).

use crate::support::TestRepo;
use std::fs;

const FOLDER: &str = ".workflow/active/WFS-add-auth";
const ARCHIVE: &str = ".workflow/archives/WFS-add-auth";

/// A started CCW session whose project file is committed, as an agent leaves it.
fn started(repo: &TestRepo) {
    repo.wf(&["session", "start", "Add auth"]).expect(0);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "project file"]);
}

/// git's verdict that every committed blob is what `git add` would store.
#[track_caller]
fn renormalized_clean(repo: &TestRepo) {
    assert_eq!(repo.status(), "", "git status after the operation");
    repo.git(&["add", "--renormalize", "."]);
    assert_eq!(repo.status(), "", "git add --renormalize changes nothing");
}

/// Every file under `.workflow/` holds what `git checkout` would write there.
#[track_caller]
fn checked_out_as_git_would(repo: &TestRepo) {
    let listed = repo.git(&["ls-files", ".workflow"]);
    for path in listed.lines() {
        let ours = fs::read(repo.path().join(path)).unwrap();
        fs::remove_file(repo.path().join(path)).unwrap();
        repo.git(&["checkout", "--", path]);
        assert_eq!(ours, fs::read(repo.path().join(path)).unwrap(), "{path}");
    }
}

#[test]
fn autocrlf_completion_commits_lf_as_git_add_would() {
    let repo = TestRepo::with_commit();
    repo.git(&["config", "core.autocrlf", "true"]);
    started(&repo);
    repo.write(
        &format!("{FOLDER}/IMPL_PLAN.md"),
        "# Add auth\r\n\r\nLogin.\r\n",
    );
    repo.wf(&["session", "complete"]).expect(0);
    let committed = repo.git(&["show", &format!("HEAD:{ARCHIVE}/IMPL_PLAN.md")]);
    assert_eq!(committed, "# Add auth\n\nLogin.\n");
    renormalized_clean(&repo);
}

#[test]
fn autocrlf_migration_writes_the_work_tree_as_git_checkout_would() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.git(&["config", "core.autocrlf", "true"]);
    repo.git(&["rm", "-q", "-r", "--cached", "."]);
    repo.git(&["reset", "-q", "--hard"]);
    assert!(
        repo.read("README.md").contains("\r\n"),
        "checked out with CRLF"
    );
    repo.wf(&["migrate"]).expect(0);
    checked_out_as_git_would(&repo);
    renormalized_clean(&repo);
    repo.wf(&["rollback"]).expect(0);
    checked_out_as_git_would(&repo);
    renormalized_clean(&repo);
}

#[test]
fn ident_is_collapsed_as_git_add_collapses_it() {
    let repo = TestRepo::with_commit();
    repo.write(".gitattributes", "*.md ident\n");
    repo.commit_all("attributes");
    started(&repo);
    repo.write(
        &format!("{FOLDER}/IMPL_PLAN.md"),
        "# Add auth\n$Id: 0123456789abcdef $\n",
    );
    repo.wf(&["session", "complete"]).expect(0);
    let committed = repo.git(&["show", &format!("HEAD:{ARCHIVE}/IMPL_PLAN.md")]);
    assert_eq!(committed, "# Add auth\n$Id$\n");
    renormalized_clean(&repo);
}

/// git-lfs set up in the repository for `*.bin`, as `git lfs track` does.
fn with_lfs(repo: &TestRepo, pattern: &str) {
    repo.git(&["lfs", "install", "--local"]);
    repo.write(
        ".gitattributes",
        &format!("{pattern} filter=lfs diff=lfs merge=lfs -text\n"),
    );
    repo.commit_all("track with lfs");
}

#[test]
fn lfs_files_are_committed_as_pointers_and_restored_as_content() {
    let repo = TestRepo::with_commit();
    with_lfs(&repo, "*.bin");
    started(&repo);
    repo.write(&format!("{FOLDER}/data.bin"), "large binary\n");
    repo.wf(&["session", "complete"]).expect(0);
    let committed = repo.git(&["show", &format!("HEAD:{ARCHIVE}/data.bin")]);
    assert!(
        committed.starts_with("version https://git-lfs.github.com/spec/v1"),
        "{committed}"
    );
    assert!(
        repo.git(&["lfs", "ls-files", "-n"])
            .contains(&format!("{ARCHIVE}/data.bin"))
    );
    renormalized_clean(&repo);
    let archived = repo.path().join(format!("{ARCHIVE}/data.bin"));
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    fs::File::options()
        .write(true)
        .open(&archived)
        .unwrap()
        .set_modified(later)
        .unwrap();
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(
        repo.read(&format!("{FOLDER}/data.bin")),
        "large binary\n",
        "smudged back"
    );
    renormalized_clean(&repo);
}

#[test]
fn an_lfs_pointer_is_never_read_as_a_task_session() {
    let repo = TestRepo::with_commit();
    with_lfs(&repo, ".workflow/**/*.yml");
    repo.flat_sessions();
    let committed = repo.git(&[
        "show",
        "HEAD:.workflow/versions/v002/task_sessions/task_next.yml",
    ]);
    assert!(
        committed.starts_with("version https://git-lfs"),
        "{committed}"
    );
    let head = repo.rev("HEAD");
    let run = repo.wf(&["migrate"]).expect(1);
    assert!(
        run.stderr
            .contains("is committed as a git-lfs pointer (filter=lfs)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git lfs untrack"), "{}", run.stderr);
    assert_eq!(repo.rev("HEAD"), head);
    assert_eq!(repo.status(), "");
}

#[test]
fn adopting_an_untracked_folder_under_autocrlf_commits_what_git_add_would() {
    let repo = TestRepo::with_commit();
    repo.git(&["config", "core.autocrlf", "true"]);
    repo.write(
        ".workflow/versions/v001/task_sessions/t.yml",
        "task_id: t\r\nstatus: done\r\n",
    );
    repo.wf(&["migrate", "--adopt"]).expect(0);
    let adopted = repo.git(&["show", "HEAD~1:.workflow/versions/v001/task_sessions/t.yml"]);
    assert_eq!(adopted, "task_id: t\nstatus: done\n");
    renormalized_clean(&repo);
    checked_out_as_git_would(&repo);
}
