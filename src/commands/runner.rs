//! The ceremony every mutating command shares, written once (jj's
//! `start_transaction` … `finish`): lock → finish an interrupted operation →
//! preflight → (the command plans) → the clean check for exactly the paths the plans
//! declare → dry run or execute → the `[branch abc1234] subject` line. A command then
//! reads as its story: arguments, planner, report.

use anyhow::Result;

use super::Ctx;
use crate::config;
use crate::engine::verify::{self, Roots};
use crate::engine::{self, Base, Clean, Guard, Plan, Recovery};
use crate::repo::{Oid, Repo, Snapshot};

/// One mutating command's hold on the repository, from the lock to the last commit.
pub struct Runner<'c> {
    ctx: &'c Ctx,
    repo: Repo,
    base: Base,
    dry_run: bool,
    roots: Roots,
    _guard: Option<Guard>,
}

impl<'c> Runner<'c> {
    /// Opens the repository and takes the lock (none for a dry run, unless an
    /// interrupted operation must be finished first), reports what finishing an
    /// interrupted operation did, and refuses a `HEAD` that cannot take a commit.
    pub fn start(ctx: &'c Ctx, dry_run: bool, detach_ok: bool) -> Result<Self> {
        let repo = Repo::discover()?;
        verify::refuse_linked_workflow(&repo)?;
        let (guard, recovered) = Guard::for_run(&repo, dry_run)?;
        report_recovery(ctx, &repo, &recovered);
        let base = engine::preflight(&repo, detach_ok)?;
        let roots = Roots::new(config::graph_globs(&repo).unwrap_or_default());
        Ok(Self {
            ctx,
            repo,
            base,
            dry_run,
            roots,
            _guard: guard,
        })
    }

    /// With `.workflow/`, the only paths an operation may touch: the task-graph
    /// globs of `workflow.graphs` (none when unset or unreadable) and the graph files
    /// named on the command line.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// Lets the operation touch files the user named on the command line.
    pub fn allow_named(&mut self, paths: &[String]) {
        self.roots.name(paths);
    }

    /// The repository, for the planner.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The commit the next plan builds on (it moves as plans land).
    pub fn base(&self) -> &Base {
        &self.base
    }

    /// Whether this is a dry run: plans are shown, nothing is carried out.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// The tree the next plan builds on, as planners read it.
    pub fn head(&self) -> Result<Snapshot<'_>> {
        self.repo.snapshot(Some(self.base.commit))
    }

    /// The one clean check, for every path the plans declare (dry runs too, so a
    /// dry run shows what a real run would do, refusal included).
    pub fn require_clean<'p>(&self, declared: impl IntoIterator<Item = &'p Clean>) -> Result<()> {
        let clean = declared
            .into_iter()
            .fold(Clean::default(), |all, clean| all.union(clean));
        engine::require_clean(&self.repo, &clean)
    }

    /// Carries out `plan` on the current base: prints the record commit's line (a
    /// record is made first), lets the command print what was done, then prints the
    /// commit line; the base moves to the new commit for the next plan.
    pub fn land(&mut self, plan: &Plan, done: impl FnOnce(Oid) -> Result<()>) -> Result<Oid> {
        let bar = self.ctx.out.progress("writing the work tree");
        let commit = engine::execute(&self.repo, &self.base, plan, &self.roots, &|done, total| {
            bar.update(done, total)
        })?;
        drop(bar);
        if let Some(record) = &plan.record {
            let recorded = self.repo.commit(commit)?.parents[0];
            self.commit_line(recorded, &record.subject);
        }
        self.base.commit = commit;
        done(commit)?;
        self.commit_line(commit, &plan.subject);
        Ok(commit)
    }

    /// `[main 1a2b3c4] workflow: …`, as `git commit` prints it.
    fn commit_line(&self, commit: Oid, subject: &str) {
        self.ctx.out.line(format!(
            "[{} {}] {subject}",
            self.base.branch(),
            self.repo.short_id(commit)
        ));
    }
}

/// Tells the user what finishing an interrupted operation did.
pub fn report_recovery(ctx: &Ctx, repo: &Repo, recovery: &Option<Recovery>) {
    let Some(recovery) = recovery else { return };
    let text = match recovery {
        Recovery::Finished { commit, paths } => format!(
            "finished an interrupted operation: commit {} was made, {paths} path(s) of the work tree and index brought up to date",
            repo.short_id(*commit)
        ),
        Recovery::Abandoned { commit } => format!(
            "an interrupted operation never moved the branch; its commit {} was dropped and nothing changed",
            repo.short_id(*commit)
        ),
        Recovery::Superseded { commit } => format!(
            "an interrupted operation's commit {} is no longer at the branch tip; its journal was dropped (check `git status`)",
            repo.short_id(*commit)
        ),
    };
    ctx.out.warn(text);
}
