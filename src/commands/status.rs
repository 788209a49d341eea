//! `git workflow status`: what `.workflow/` holds, what is pending, what was
//! interrupted. Reads `HEAD`; finishes an interrupted operation as every command does.

use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

use super::Ctx;
use super::runner::report_recovery;
use crate::config;
use crate::dialects;
use crate::dialects::ccw::sessions;
use crate::dialects::guardrail;
use crate::dialects::guardrail::task_session::TaskSession;
use crate::engine::{self, Recovery, Tracking};
use crate::hooks::{self, HookState};
use crate::layout::{self, CcwLayout};
use crate::migrations;
use crate::repo::{EntryKind, Head, Oid, Repo, Snapshot};

/// Arguments of `status` (none of its own).
#[derive(Debug, clap::Args)]
pub struct Args {}

#[derive(Debug, Serialize)]
struct Report {
    head: String,
    workflow: &'static str,
    dialects: Vec<&'static str>,
    versions: Vec<VersionReport>,
    ccw: Option<CcwReport>,
    pending: Vec<Pending>,
    local_changes: Vec<String>,
    hook: Option<HookState>,
    interrupted: Option<String>,
}

/// CCW's sessions in the work tree, per layout and state, against the target.
#[derive(Debug, Serialize)]
struct CcwReport {
    target: CcwLayout,
    /// `layout → state → count`, e.g. `old → inactive, old layout → 1`.
    sessions: BTreeMap<&'static str, BTreeMap<&'static str, usize>>,
    /// One line per id found in two places.
    in_two_places: Vec<String>,
}

#[derive(Debug, Serialize)]
struct VersionReport {
    version: String,
    flat_task_sessions: usize,
    folder_task_sessions: usize,
    by_status: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, Serialize)]
struct Pending {
    migration: &'static str,
    about: &'static str,
    items: usize,
    blocked: usize,
}

/// Runs `status`.
pub fn run(_args: Args, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    crate::engine::verify::refuse_linked_workflow(&repo)?;
    let interrupted = match engine::finish_interrupted(&repo) {
        Ok(recovered) => {
            report_recovery(ctx, &repo, &recovered);
            recovered.as_ref().map(|r| describe(&repo, r))
        }
        Err(busy) => Some(busy.to_string()),
    };
    let (head, commit) = head_of(&repo)?;
    let snapshot = repo.snapshot(commit)?;
    let workflow = Tracking::of(&repo, &snapshot)?.word();
    let report = Report {
        head,
        workflow,
        dialects: dialects(&repo, &snapshot, workflow)?,
        versions: versions(&snapshot)?,
        ccw: ccw_sessions(&repo)?,
        pending: pending(
            &snapshot,
            &migrations::Settings {
                now: ctx.now.clone(),
                ccw: config::ccw_layout(&repo)?,
            },
        )?,
        local_changes: local_changes(&repo, workflow)?,
        hook: hooks::hooks_dir(&repo).ok().map(|dir| hooks::state(&dir)),
        interrupted,
    };
    print(ctx, &report);
    ctx.out.json(&report);
    Ok(())
}

fn describe(repo: &Repo, recovery: &Recovery) -> String {
    match recovery {
        Recovery::Finished { commit, .. } => format!("finished {}", repo.short_id(*commit)),
        Recovery::Abandoned { commit } => format!("dropped {}", repo.short_id(*commit)),
        Recovery::Superseded { commit } => format!("superseded {}", repo.short_id(*commit)),
    }
}

fn head_of(repo: &Repo) -> Result<(String, Option<Oid>)> {
    Ok(match repo.head()? {
        Head::Branch { refname, commit } => (short_ref(&refname), Some(commit)),
        Head::Detached { commit } => (
            format!("detached at {}", repo.short_id(commit)),
            Some(commit),
        ),
        Head::Unborn { refname } => (format!("{} (no commits yet)", short_ref(&refname)), None),
    })
}

fn short_ref(refname: &str) -> String {
    refname.trim_start_matches("refs/heads/").to_string()
}

fn dialects(repo: &Repo, snapshot: &Snapshot<'_>, workflow: &str) -> Result<Vec<&'static str>> {
    if workflow == "tracked" {
        let names: Vec<String> = snapshot
            .list(layout::WORKFLOW_DIR)?
            .into_iter()
            .map(|e| e.name)
            .collect();
        let versions: Vec<String> = snapshot
            .list(guardrail::VERSIONS_DIR)?
            .into_iter()
            .filter(|e| e.kind == EntryKind::Dir)
            .map(|e| e.name)
            .collect();
        return Ok(dialects::dialects(&names, &versions, |n| {
            let dir = layout::join(&[layout::WORKFLOW_DIR, n]);
            snapshot.exists(&layout::join(&[&dir, "runs"]))
                || snapshot.exists(&layout::join(&[&dir, "signals"]))
        }));
    }
    let top = repo.workdir().join(layout::WORKFLOW_DIR);
    let names_in = |dir: &std::path::Path| -> Vec<String> {
        match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    let names = names_in(&top);
    let versions = names_in(&top.join("versions"));
    Ok(dialects::dialects(&names, &versions, |n| {
        top.join(n).join("runs").is_dir() || top.join(n).join("signals").is_dir()
    }))
}

fn versions(snapshot: &Snapshot<'_>) -> Result<Vec<VersionReport>> {
    let mut out = Vec::new();
    for version in snapshot.list(guardrail::VERSIONS_DIR)? {
        if version.kind != EntryKind::Dir || !guardrail::is_version(&version.name) {
            continue;
        }
        let dir = guardrail::task_sessions_dir(&version.name);
        let sessions = snapshot.list(&dir)?;
        let mut report = VersionReport {
            version: version.name,
            flat_task_sessions: 0,
            folder_task_sessions: 0,
            by_status: Default::default(),
        };
        for entry in sessions {
            let file = if entry.kind == EntryKind::Dir {
                report.folder_task_sessions += 1;
                format!("{dir}/{}/{}", entry.name, guardrail::SESSION_FILE)
            } else if guardrail::flat_session_id(&entry.name).is_some() {
                report.flat_task_sessions += 1;
                format!("{dir}/{}", entry.name)
            } else {
                continue;
            };
            let status = snapshot
                .read(&file)?
                .and_then(|b| TaskSession::parse(&b).ok())
                .and_then(|s| s.text("status"))
                .unwrap_or_else(|| "unknown".into());
            *report.by_status.entry(status).or_default() += 1;
        }
        out.push(report);
    }
    Ok(out)
}

/// The CCW report, when the work tree holds any CCW session.
fn ccw_sessions(repo: &Repo) -> Result<Option<CcwReport>> {
    let found = sessions::list(repo)?;
    if found.is_empty() {
        return Ok(None);
    }
    let mut by_layout: BTreeMap<&'static str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    let mut twice = std::collections::BTreeSet::new();
    for s in &found {
        *by_layout
            .entry(s.layout)
            .or_default()
            .entry(s.state.words())
            .or_default() += 1;
        if !s.also_at.is_empty() {
            let mut places = vec![s.path.clone()];
            places.extend(s.also_at.iter().cloned());
            places.sort();
            twice.insert(format!("{} is in {}", s.session_id, places.join(" and ")));
        }
    }
    Ok(Some(CcwReport {
        target: config::ccw_layout(repo)?,
        sessions: by_layout,
        in_two_places: twice.into_iter().collect(),
    }))
}

fn pending(snapshot: &Snapshot<'_>, settings: &migrations::Settings) -> Result<Vec<Pending>> {
    let mut out = Vec::new();
    for migration in migrations::ALL {
        let outcome = (migration.plan)(snapshot, settings)?;
        if !outcome.is_nothing_to_do() {
            out.push(Pending {
                migration: migration.name,
                about: migration.about,
                items: outcome.items.len(),
                blocked: outcome.failures.len(),
            });
        }
    }
    Ok(out)
}

fn local_changes(repo: &Repo, workflow: &str) -> Result<Vec<String>> {
    if workflow != "tracked" {
        return Ok(Vec::new());
    }
    Ok(repo
        .local_changes(&[layout::WORKFLOW_PATHSPEC])?
        .into_iter()
        .map(|c| format!("{} ({})", c.path, c.state))
        .collect())
}

fn print(ctx: &Ctx, r: &Report) {
    ctx.out.line(format!("On {}", r.head));
    ctx.out.line(format!(".workflow/: {}", r.workflow));
    if !r.dialects.is_empty() {
        ctx.out.line(format!("dialects: {}", r.dialects.join(", ")));
    }
    if let Some(latest) = r.versions.last() {
        ctx.out.line(format!(
            "versions: {} (latest {})",
            r.versions.len(),
            latest.version
        ));
        for v in &r.versions {
            let counts: Vec<String> = v
                .by_status
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            ctx.out.line(format!(
                "  {}: {} task session(s) in folders, {} flat{}",
                v.version,
                v.folder_task_sessions,
                v.flat_task_sessions,
                if counts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", counts.join(", "))
                }
            ));
        }
    }
    if let Some(ccw) = &r.ccw {
        ctx.out.line(format!(
            "CCW sessions (target layout: {}/, `git config {}`):",
            ccw.target.name(),
            config::CCW_LAYOUT
        ));
        for (layout, states) in &ccw.sessions {
            let counts: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
            let note = match *layout == ccw.target.name() || layout.contains("archives") {
                true => "",
                false => " (not the target layout)",
            };
            ctx.out
                .line(format!("  {layout}: {}{note}", counts.join(", ")));
        }
        for line in &ccw.in_two_places {
            ctx.out.problem(format!("  {line}"));
        }
    }
    if r.pending.is_empty() {
        ctx.out.line("pending migrations: none");
    } else {
        ctx.out
            .line("pending migrations (run `git workflow migrate`):");
        for p in &r.pending {
            let blocked = if p.blocked > 0 {
                format!(", {} blocked", p.blocked)
            } else {
                String::new()
            };
            ctx.out.line(format!(
                "  {}: {} item(s){blocked}; {}",
                p.migration, p.items, p.about
            ));
        }
    }
    if r.workflow == "untracked" || r.workflow == "ignored" {
        ctx.out
            .line("  .workflow/ is not in HEAD: `git workflow migrate --adopt` commits it first");
    }
    if !r.local_changes.is_empty() {
        ctx.out.line(format!(
            "local changes under .workflow/ ({}):",
            r.local_changes.len()
        ));
        for c in r.local_changes.iter().take(10) {
            ctx.out.line(format!("  {c}"));
        }
    }
    ctx.out.line(match &r.hook {
        Some(HookState::Ours { .. }) => "pre-commit hook: installed",
        Some(HookState::Managed { ours_behind: true, .. }) => "pre-commit hook: installed, behind a hook manager's hook (`git workflow hooks status` says how to add it that tool's way)",
        Some(HookState::Managed { .. }) => "pre-commit hook: a hook manager's (`git workflow hooks status` says how to add the check to it)",
        Some(HookState::Foreign) => "pre-commit hook: not installed (another hook is there; `git workflow hooks install` chains it)",
        Some(HookState::Absent) => "pre-commit hook: not installed (`git workflow hooks install`)",
        None => "pre-commit hook: unknown (core.hooksPath is unusable; see `git workflow hooks status`)",
    });
    if let Some(i) = &r.interrupted {
        ctx.out.line(format!("interrupted operation: {i}"));
    }
}
