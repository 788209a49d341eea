//! `git workflow rollback`: undo an operation exactly, or refuse and say why.

use crate::support::TestRepo;
use serde_json::Value;

const FLAT: &str = ".workflow/versions/v001/task_sessions/task_design.yml";
const FOLDER: &str = ".workflow/versions/v001/task_sessions/task_design";

#[test]
fn migrate_then_rollback_restores_the_exact_original_tree() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let original = repo.rev("HEAD:.workflow");
    let flat = repo.read(FLAT);
    repo.wf(&["migrate"]).expect(0);
    let migration = repo.rev("HEAD");
    let run = repo.wf(&["rollback"]).expect(0);
    assert!(
        run.stdout.contains("4 file(s) restored, 12 removed"),
        "{}",
        run.stdout
    );
    assert_eq!(
        repo.rev("HEAD:.workflow"),
        original,
        "same tree hash under .workflow/"
    );
    assert_eq!(repo.read(FLAT), flat);
    assert!(
        !repo.exists(FOLDER),
        "the session folder is gone from the work tree"
    );
    assert_eq!(repo.status(), "");
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert_eq!(
        message.trim_end(),
        format!(
            "Revert \"workflow: migrate task sessions to folders (4 sessions)\"\n\nThis reverts commit {migration}.\n\nWorkflow-Operation: rollback\nWorkflow-Reverts: {migration}"
        )
    );
}

#[test]
fn rolling_back_the_newest_operation_commits_its_parents_tree_and_packs_nothing() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    let packs = || {
        let dir = repo.git(&[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "objects/pack",
        ]);
        std::fs::read_dir(dir.trim()).unwrap().count()
    };
    let before = packs();
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(repo.rev("HEAD^{tree}"), repo.rev("HEAD~2^{tree}"));
    assert_eq!(
        packs(),
        before,
        "git holds every tree already: no pack, no .keep"
    );
    assert_eq!(repo.status(), "");
    repo.git(&["fsck", "--strict"]);
}

#[test]
fn rolling_back_a_rollback_applies_the_operation_again() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    let migrated = repo.rev("HEAD^{tree}");
    let migration = repo.rev("HEAD");
    repo.wf(&["rollback"]).expect(0);
    let first = repo.rev("HEAD");
    repo.wf(&["rollback", "HEAD"]).expect(0);
    assert_eq!(repo.rev("HEAD^{tree}"), migrated);
    assert_eq!(repo.status(), "");
    let log: Value = serde_json::from_str(&repo.wf(&["log", "--json"]).expect(0).stdout).unwrap();
    assert_eq!(log[0]["operation"], "rollback");
    assert_eq!(log[0]["reverts"].as_str(), Some(first.as_str()));
    assert_eq!(
        log[1]["rolled_back_by"].as_str(),
        Some(repo.rev("HEAD").as_str())
    );
    assert!(
        log[2]["rolled_back_by"].is_null(),
        "the migration is in effect again"
    );
    assert_eq!(log[2]["commit"].as_str(), Some(migration.as_str()));
    let text = repo.wf(&["log"]).expect(0).stdout;
    assert!(
        text.contains(&format!("(rolled back by {})", &repo.rev("HEAD")[..7])),
        "{text}"
    );
}

#[test]
fn a_later_commit_on_the_same_paths_makes_rollback_refuse_and_name_them() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    repo.write(&format!("{FOLDER}/operations.log"), "edited by an agent\n");
    repo.commit_all("agent edits the log");
    let later = repo.rev("HEAD");
    let before = repo.fingerprint();
    let run = repo.wf(&["rollback"]).expect(1);
    assert!(
        run.stderr.contains(&format!("  {FOLDER}/operations.log")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{} agent edits the log", &later[..7])),
        "{}",
        run.stderr
    );
    assert!(
        before == repo.fingerprint(),
        "a refused rollback changed a file"
    );
    assert_eq!(repo.rev("HEAD"), later);
}

#[test]
fn a_later_commit_elsewhere_does_not_stop_a_rollback() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    let original = repo.rev("HEAD:.workflow");
    repo.wf(&["migrate"]).expect(0);
    repo.write("src/app.rs", "fn main() {}\n");
    repo.commit_all("unrelated work");
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(repo.rev("HEAD:.workflow"), original);
    assert_eq!(repo.read("src/app.rs"), "fn main() {}\n");
}

#[test]
fn only_operation_commits_still_in_effect_can_be_rolled_back() {
    let repo = TestRepo::with_commit();
    let run = repo.wf(&["rollback"]).expect(1);
    assert!(
        run.stderr.contains("nothing to roll back"),
        "{}",
        run.stderr
    );
    repo.flat_sessions();
    let plain = repo.rev("HEAD");
    let run = repo.wf(&["rollback", &plain]).expect(1);
    assert!(
        run.stderr
            .contains("is not an operation commit of git-workflow"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git revert"), "{}", run.stderr);
    let run = repo.wf(&["rollback", "no-such-rev"]).expect(1);
    assert!(
        run.stderr.contains("'no-such-rev' does not name a commit"),
        "{}",
        run.stderr
    );
    repo.wf(&["migrate"]).expect(0);
    let migration = repo.rev("HEAD");
    repo.wf(&["rollback"]).expect(0);
    let rollback = repo.rev("HEAD");
    let run = repo.wf(&["rollback", &migration]).expect(1);
    assert!(
        run.stderr
            .contains(&format!("already rolled back by {}", &rollback[..7])),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("git workflow rollback {}", &rollback[..7])),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), rollback);
}

#[test]
fn an_operation_outside_the_current_branch_is_refused() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.wf(&["migrate"]).expect(0);
    let migration = repo.rev("HEAD");
    repo.git(&["checkout", "-q", "main"]);
    let run = repo.wf(&["rollback", &migration]).expect(1);
    assert!(
        run.stderr.contains("is not in the history of HEAD"),
        "{}",
        run.stderr
    );
}

#[test]
fn local_changes_under_workflow_refuse_a_rollback() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    repo.write(&format!("{FOLDER}/task.yml"), "changed locally\n");
    let before = repo.rev("HEAD");
    let run = repo.wf(&["rollback"]).expect(1);
    assert!(
        run.stderr.contains("task_design/task.yml (modified)"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.rev("HEAD"), before);
    assert_eq!(
        repo.read(&format!("{FOLDER}/task.yml")),
        "changed locally\n"
    );
}

#[test]
fn dry_run_lists_what_comes_back_and_goes_away_and_changes_nothing() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    let before = repo.fingerprint();
    let run = repo.wf(&["rollback", "--dry-run"]).expect(0);
    assert!(
        run.stdout.contains(&format!("  restore {FLAT}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("  delete  {FOLDER}/task.yml")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dry run: nothing was changed"));
    assert!(before == repo.fingerprint(), "a dry run changed a file");
    let report: Value = serde_json::from_str(
        &repo
            .wf(&["rollback", "--dry-run", "--json"])
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(report["actions"].as_array().unwrap().len(), 16);
    assert!(report["commit"].is_null());
}

#[test]
fn staged_work_outside_workflow_survives_a_rollback() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    repo.write("notes.txt", "staged\n");
    repo.git(&["add", "notes.txt"]);
    repo.write("README.md", "unstaged\n");
    repo.wf(&["rollback"]).expect(0);
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "notes.txt\n"
    );
    assert_eq!(repo.git(&["diff", "--name-only"]), "README.md\n");
    let committed = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        committed.lines().all(|p| p.starts_with(".workflow/")),
        "{committed}"
    );
}

#[test]
fn the_default_is_the_newest_operation_still_in_effect() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".workflow/versions/v001/task_sessions/a.yml",
        "task_id: a\n",
    );
    let run = repo.wf(&["migrate", "--adopt"]).expect(0);
    assert!(run.stdout.contains("adopt"));
    let adopt = repo.rev("HEAD~1");
    repo.wf(&["rollback"]).expect(0);
    let run = repo.wf(&["rollback", "--dry-run", "--json"]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["reverts"].as_str(),
        Some(adopt.as_str()),
        "next comes the adopt"
    );
}

#[test]
fn an_operation_at_a_shallow_clones_boundary_is_refused_until_its_parent_is_fetched() {
    let repo = TestRepo::with_commit();
    repo.flat_sessions();
    repo.wf(&["migrate"]).expect(0);
    let shallow = repo.scratch().join("shallow");
    let source = format!("file://{}", repo.path().display());
    let clone = repo.git_run(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &source,
        shallow.to_str().unwrap(),
    ]);
    assert_eq!(clone.code, Some(0), "{}", clone.stderr);
    let run = repo.wf_in(&shallow, &["rollback"], &[]);
    assert_eq!(run.code, Some(1), "refused, not a panic: {}", run.stderr);
    assert!(
        run.stderr.contains("shallow clone's history stops")
            && run.stderr.contains("git fetch --deepen=1"),
        "{}",
        run.stderr
    );
    let git = |args: &[&str]| {
        let mut cmd = crate::support::hermetic("git", &repo.home());
        let out = cmd.current_dir(&shallow).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["fetch", "-q", "--deepen=1"]);
    let run = repo.wf_in(&shallow, &["rollback"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(git(&["status", "--porcelain"]), "");
}
