//! `git workflow check [--staged | --all | --range A..B]`: the layout rules over what
//! is being committed, the whole tracked tree, or every commit of a push (SPEC §6).

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::config;
use crate::error;
use crate::layout::{self, CcwLayout, Globs};
use crate::repo::{self, GitError, IndexState, Oid, Repo, Snapshot};
use crate::rules::{self, Content, Touched, Verdicts, Violation};
use std::collections::HashMap;

/// The largest state file read, as a `u64` for a blob's header.
const MAX_STATE_FILE: u64 = crate::formats::MAX_STATE_FILE as u64;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").args(["staged", "all", "range"])))]
pub struct Args {
    /// Check what the next commit would add or change (the default; honours
    /// GIT_INDEX_FILE, so `git commit -a` and `git commit <paths>` are checked on
    /// what they really commit).
    #[arg(long)]
    pub staged: bool,
    /// Check every tracked path.
    #[arg(long)]
    pub all: bool,
    /// Check what each commit in A..B adds or changes (CI, pre-receive). A single
    /// revision means every commit reachable from it that no ref reaches yet.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Paths to check as the index holds them, besides the staged changes: what
    /// the pre-commit framework passes (every file under `pre-commit run
    /// --all-files`, the staged ones at a commit).
    #[arg(value_name = "PATH", conflicts_with_all = ["all", "range"])]
    pub paths: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    mode: &'static str,
    checked: usize,
    violations: Vec<Found>,
}

#[derive(Debug, Serialize)]
struct Found {
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    #[serde(skip)]
    short: Option<String>,
    #[serde(flatten)]
    violation: Violation,
}

/// `GIT_WORKFLOW_SKIP=1` skips the check, whichever hook manager runs it (the
/// hint of every rejection names it).
const SKIP: &str = "GIT_WORKFLOW_SKIP";

/// Runs `check`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    if std::env::var(SKIP).is_ok_and(|v| v == "1") {
        ctx.out
            .warn(format!("{SKIP}=1: the .workflow/ layout check is skipped"));
        ctx.out
            .json(&serde_json::json!({"skipped": true, "checked": 0, "violations": []}));
        return Ok(());
    }
    let hook = args.range.is_none() && !args.all;
    let report = match check(&args, ctx) {
        Err(e) if hook && unreadable_here(&e) => staged_by_git(e)?,
        other => other?,
    };
    print(ctx, &report);
    ctx.out.json(&report);
    if report.violations.is_empty() {
        return Ok(());
    }
    Err(error::refused(
        format!(
            "{} layout problem(s) found (listed above)",
            report.violations.len()
        ),
        "fix each as its `fix:` line says; to commit once without the check: GIT_WORKFLOW_SKIP=1 git commit …",
    ))
}

/// The rules over what `args` names, read through libgit2.
fn check(args: &Args, ctx: &Ctx) -> Result<Report> {
    let repo = if args.range.is_some() {
        Repo::discover_history()?
    } else {
        Repo::discover()?
    };
    let enabled = enabled_rules(&repo)?;
    let is_enabled = |id: &str| enabled.contains(&id);
    let graphs = config::graph_globs(&repo)?;
    match &args.range {
        Some(range) => check_range(&repo, range, &is_enabled, &graphs, ctx),
        None => check_index(&repo, (!args.all, &args.paths), &is_enabled, &graphs),
    }
}

/// Whether libgit2 cannot read this repository or its index where git can
/// (reftable, SHA-256, a split or sparse index).
fn unreadable_here(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<GitError>(),
        Some(GitError::UnsupportedRepository { .. } | GitError::UnreadableIndex { .. })
    )
}

/// The hook where libgit2 cannot read: git itself lists what the commit changes
/// (SPEC §5.1: the hook never blocks unrelated work). A commit that touches no
/// `.workflow/` or task-graph path passes; one that does is refused, naming why it
/// cannot be checked here and the fix.
fn staged_by_git(unreadable: anyhow::Error) -> Result<Report> {
    let graphs = config::parse_graph_globs(repo::config_by_git(config::GRAPHS)?)?;
    let staged = repo::staged_paths_by_git()?;
    let ours: Vec<&String> = staged
        .iter()
        .filter(|path| layout::is_under_workflow(path) || graphs.matches(path))
        .collect();
    let Some(first) = ours.first() else {
        return Ok(Report {
            mode: "staged",
            checked: 0,
            violations: Vec::new(),
        });
    };
    let more = match ours.len() {
        1 => String::new(),
        n => format!(" and {} more path(s) the rules read", n - 1),
    };
    Err(unreadable.context(format!(
        "this commit changes {first}{more}, which cannot be checked in this repository"
    )))
}

/// The rules not switched off with `git config workflow.check.<id> false`.
fn enabled_rules(repo: &Repo) -> Result<Vec<&'static str>> {
    let keys: Vec<String> = rules::RULES.iter().map(config::check_key).collect();
    let values = repo.config_bools(&keys)?;
    Ok(rules::RULES
        .iter()
        .zip(values)
        .filter(|(_, on)| *on != Some(false))
        .map(|(rule, _)| rule.id)
        .collect())
}

/// `--staged` (paths the next commit adds, changes or removes) or `--all`; the whole
/// index when graph files are configured, else only `.workflow/`.
fn check_index(
    repo: &Repo,
    (staged, given): (bool, &[String]),
    enabled: &dyn Fn(&str) -> bool,
    graphs: &Globs,
) -> Result<Report> {
    let scope = if graphs.is_empty() {
        layout::WORKFLOW_DIR
    } else {
        ""
    };
    let state = repo.index_under(scope, staged)?;
    let mut touched: Vec<Touched> = state
        .changed
        .iter()
        .map(|(path, present)| Touched {
            path: path.clone(),
            present: *present,
            link: state.is_link(path),
        })
        .collect();
    let already: std::collections::BTreeSet<String> =
        touched.iter().map(|t| t.path.clone()).collect();
    for path in given {
        if state.blob(path).is_some() && !already.contains(path) {
            touched.push(Touched {
                path: path.clone(),
                present: true,
                link: state.is_link(path),
            });
        }
    }
    let content = Staged {
        repo,
        state: &state,
    };
    let violations = rules::check(
        &touched,
        &content,
        enabled,
        (graphs, config::ccw_layout(repo)?),
        &Verdicts::default(),
    )?;
    Ok(Report {
        mode: if staged { "staged" } else { "all" },
        checked: touched.len(),
        violations: violations
            .into_iter()
            .map(|violation| Found {
                commit: None,
                short: None,
                violation,
            })
            .collect(),
    })
}

/// `--range`: each commit's own additions, changes and removals, read from it, one
/// commit at a time. Each folder is read once for the whole range and each blob
/// parsed once; a folder where no rule reads its position (`rules::position_free`)
/// is judged once per tree: removed, it matters to no rule; added again (in this
/// commit or a later one) after it was found clean, it is not read again. So a push
/// costs in proportion to its distinct new content, not to the paths it repeats.
fn check_range(
    repo: &Repo,
    range: &str,
    enabled: &dyn Fn(&str) -> bool,
    graphs: &Globs,
    ctx: &Ctx,
) -> Result<Report> {
    let mut report = Report {
        mode: "range",
        checked: 0,
        violations: Vec::new(),
    };
    let scope = graphs.is_empty().then_some(layout::WORKFLOW_DIR);
    let target = config::ccw_layout(repo)?;
    let commits = repo.commit_ids_in_range(range)?;
    let total = commits.len();
    let bar = ctx.out.progress("checking commits");
    let mut changes = repo.range_changes();
    let verdicts = Verdicts::default();
    let mut clean = CleanFolders::default();
    let settings = (graphs, target);
    for (n, commit) in commits.into_iter().enumerate() {
        bar.update(n, total);
        let mut seen = SeenFolders::default();
        let mut descend = |folder: &str, added: bool, id: Oid| {
            !graphs.is_empty() || !seen.skip(folder, added, id, &mut clean)
        };
        let mut judge = Judge::new(repo, commit, (enabled, settings, &verdicts));
        let streams = graphs.is_empty();
        changes.of(commit, scope, &mut descend, &mut |changed| {
            judge.take(changed, streams)
        })?;
        judge.finish()?;
        report.checked += seen.skipped;
        seen.learn(&judge.found, &mut clean);
        for (folder, id) in seen.copies {
            if let Some(count) = clean.checked.get(&id) {
                report.checked += count;
                continue;
            }
            changes.added_tree(id, &folder, &mut |changed| judge.take(changed, true))?;
        }
        let found = judge.found;
        report.checked += found.checked;
        for violation in found.violations {
            report.violations.push(Found {
                commit: Some(commit.to_string()),
                short: Some(repo.short_id(commit)),
                violation,
            });
        }
    }
    Ok(report)
}

/// What the rules need besides the paths: which are on, the graph globs and CCW
/// target, and the run's verdicts.
type RuleSet<'a> = (
    &'a dyn Fn(&str) -> bool,
    (&'a Globs, CcwLayout),
    &'a Verdicts,
);

/// The rules over the paths one commit changed, as the walk hands them over:
/// a path in a folder where no rule reads its position is judged at once, on its
/// own (every rule there reads the path alone), so a commit of a million such
/// paths never holds them; every other path waits for the commit's whole list
/// (the rules over folders and session ids need it).
struct Judge<'a, 'r> {
    repo: &'r Repo,
    commit: Oid,
    rules: RuleSet<'a>,
    snapshot: Option<Snapshot<'r>>,
    waiting: Vec<repo::ChangedPath>,
    found: Judged,
}

impl<'a, 'r> Judge<'a, 'r> {
    fn new(repo: &'r Repo, commit: Oid, rules: RuleSet<'a>) -> Self {
        Self {
            repo,
            commit,
            rules,
            snapshot: None,
            waiting: Vec::new(),
            found: Judged::default(),
        }
    }

    /// One changed path: judged now when `stream` allows it and it lies where no
    /// rule reads its position, else kept for [`Judge::finish`].
    fn take(&mut self, changed: repo::ChangedPath, stream: bool) -> Result<()> {
        let free = first_below_workflow(&changed.path).is_some_and(rules::position_free);
        if stream && free {
            self.judge(vec![changed])
        } else {
            self.waiting.push(changed);
            Ok(())
        }
    }

    /// Judges the paths kept for the commit's whole list.
    fn finish(&mut self) -> Result<()> {
        let waiting = std::mem::take(&mut self.waiting);
        self.judge(waiting)
    }

    fn judge(&mut self, changed: Vec<repo::ChangedPath>) -> Result<()> {
        let (enabled, settings, verdicts) = self.rules;
        let mut ids = HashMap::new();
        let touched: Vec<Touched> = changed
            .into_iter()
            .filter(|c| layout::is_under_workflow(&c.path) || settings.0.matches(&c.path))
            .map(|c| {
                if let Some(id) = c.id {
                    ids.insert(c.path.clone(), id);
                }
                Touched {
                    path: c.path,
                    present: c.present,
                    link: c.link,
                }
            })
            .collect();
        if touched.is_empty() {
            return Ok(());
        }
        if self.snapshot.is_none() {
            self.snapshot = Some(self.repo.snapshot(Some(self.commit))?);
        }
        let content = Committed {
            snapshot: self.snapshot.as_ref().expect("made above"),
            ids,
        };
        let violations = rules::check(&touched, &content, enabled, settings, verdicts)?;
        for t in &touched {
            if let Some(folder) = first_below_workflow(&t.path) {
                *self.found.per_folder.entry(folder.to_string()).or_default() += 1;
            }
        }
        self.found.checked += touched.len();
        self.found.violations.extend(violations);
        Ok(())
    }
}

/// What a [`Judge`] found in one commit.
#[derive(Default)]
struct Judged {
    checked: usize,
    violations: Vec<Violation>,
    /// Paths judged in each `.workflow/<name>/` folder.
    per_folder: HashMap<String, usize>,
}

/// Position-free folders' trees found clean in this run, with how many paths each
/// holds (counted as checked wherever the tree is met again).
#[derive(Default)]
struct CleanFolders {
    checked: HashMap<Oid, usize>,
}

/// One commit's position-free folders: those entered (the first of each tree),
/// those skipped as copies of one entered, and the paths skipped as clean.
#[derive(Default)]
struct SeenFolders {
    entered: Vec<(String, Oid)>,
    /// The trees of `entered`, looked up once per folder met.
    entered_ids: std::collections::HashSet<Oid>,
    copies: Vec<(String, Oid)>,
    skipped: usize,
}

impl SeenFolders {
    /// Whether the walk may leave the folder unread: a position-free folder that was
    /// removed, is a tree found clean before, or is a copy of one entered in this
    /// commit (judged after it, and read only if that one was not clean).
    fn skip(&mut self, folder: &str, added: bool, id: Oid, clean: &mut CleanFolders) -> bool {
        if !rules::position_free(folder) || !is_first_below_workflow(folder) {
            return false;
        }
        if !added {
            return true;
        }
        if let Some(count) = clean.checked.get(&id) {
            self.skipped += count;
            return true;
        }
        if !self.entered_ids.insert(id) {
            self.copies.push((folder.to_string(), id));
            return true;
        }
        self.entered.push((folder.to_string(), id));
        false
    }

    /// Keeps as clean every folder entered in this commit that no violation lies in.
    fn learn(&self, judged: &Judged, clean: &mut CleanFolders) {
        let violated: std::collections::HashSet<&str> = judged
            .violations
            .iter()
            .filter_map(|v| first_below_workflow(&v.path))
            .collect();
        for (folder, id) in &self.entered {
            if !violated.contains(folder.as_str()) {
                let count = judged.per_folder.get(folder).copied().unwrap_or(0);
                clean.checked.insert(*id, count);
            }
        }
    }
}

/// Whether `folder` is `.workflow/<name>/`, the first level below the state folder.
fn is_first_below_workflow(folder: &str) -> bool {
    first_below_workflow(folder) == Some(folder)
}

/// The `.workflow/<name>/` folder a path lies in (with its `/`), if it lies in one.
fn first_below_workflow(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(layout::WORKFLOW_PATHSPEC)?;
    let slash = rest.find('/')?;
    Some(&path[..layout::WORKFLOW_PATHSPEC.len() + slash + 1])
}

fn print(ctx: &Ctx, report: &Report) {
    for found in &report.violations {
        let at = found
            .short
            .as_ref()
            .map(|s| format!("{s}: "))
            .unwrap_or_default();
        let path = &found.violation.path;
        ctx.out.problem(format!(
            "{at}{} [{}]",
            one_line(&found.violation.message, path),
            found.violation.rule
        ));
        ctx.out
            .problem(format!("  fix: {}", one_line(&found.violation.fix, path)));
    }
    if report.violations.is_empty() && report.mode != "staged" {
        ctx.out.line(format!(
            "no layout problems ({} path(s) checked)",
            report.checked
        ));
    }
}

/// A violation's text as one line of the report: its path quoted as git quotes
/// paths, and no character from the repository (a line break in a committed
/// name included) able to start a line of its own or drive the terminal.
fn one_line(text: &str, path: &str) -> String {
    let quoted = layout::quote(path);
    let text = if quoted != path {
        text.replace(path, &quoted)
    } else {
        text.to_string()
    };
    layout::one_line(&text).into_owned()
}

/// What the index holds, for the rules.
struct Staged<'a> {
    repo: &'a Repo,
    state: &'a IndexState,
}

impl Content for Staged<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.state
            .blob(path)
            .map(|id| self.repo.read_blob_at_most(id, MAX_STATE_FILE))
            .transpose()
    }

    fn blob_id(&self, path: &str) -> Option<Oid> {
        self.state.blob(path)
    }

    fn files_in(&self, folder: &str) -> Result<Vec<String>> {
        Ok(self.state.files_in(folder))
    }

    fn has_folder(&self, folder: &str) -> Result<bool> {
        Ok(self.state.has_folder(folder))
    }
}

/// What one commit holds, for the rules, with the blobs of the paths it changed.
struct Committed<'a, 'r> {
    snapshot: &'a Snapshot<'r>,
    ids: HashMap<String, Oid>,
}

impl Content for Committed<'_, '_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.snapshot.read_at_most(path, MAX_STATE_FILE)
    }

    fn files_in(&self, folder: &str) -> Result<Vec<String>> {
        Ok(self
            .snapshot
            .list(folder)?
            .into_iter()
            .filter(|e| e.kind != crate::repo::EntryKind::Dir)
            .map(|e| e.name)
            .collect())
    }

    fn has_folder(&self, folder: &str) -> Result<bool> {
        Ok(self
            .snapshot
            .stat(folder)
            .is_some_and(|e| e.kind == crate::repo::EntryKind::Dir))
    }

    fn blob_id(&self, path: &str) -> Option<Oid> {
        self.ids.get(path).copied()
    }
}
