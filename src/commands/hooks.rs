//! `git workflow hooks install|uninstall|status`: the pre-commit hook (SPEC §6.2).

use anyhow::{Context, Result};
use serde::Serialize;

use super::Ctx;
use crate::error;
use crate::hooks::{self, HookState, HooksDir, Installed, Uninstalled};
use crate::repo::Repo;

/// Arguments of `hooks`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the hook.
    #[command(subcommand)]
    pub action: Action,
}

/// The hook subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Install the pre-commit hook (an existing hook is kept and run first).
    Install {
        /// Install even into a hooks folder inside the work tree (core.hooksPath
        /// pointing at a folder another tool such as husky manages).
        #[arg(long, conflicts_with = "manual")]
        force: bool,
        /// Write nothing; print what to add to your own hook instead.
        #[arg(long)]
        manual: bool,
        /// Install the server's pre-receive check instead, in this (bare)
        /// repository: every pushed commit's new paths are checked.
        #[arg(long, conflicts_with_all = ["manual", "force"])]
        pre_receive: bool,
    },
    /// Remove our pre-commit hook and put back the one it replaced.
    Uninstall,
    /// Say where hooks live and what pre-commit is.
    Status,
}

#[derive(Debug, Serialize)]
struct Report {
    hooks_dir: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    installed: Option<Installed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uninstalled: Option<Uninstalled>,
    hook: HookState,
}

/// Runs `hooks`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    if let Action::Install {
        pre_receive: true, ..
    } = args.action
    {
        return install_pre_receive(ctx);
    }
    let repo = Repo::discover()?;
    let dir = hooks::hooks_dir(&repo)?;
    let mut report = Report {
        hooks_dir: dir.path.display().to_string(),
        installed: None,
        uninstalled: None,
        hook: hooks::state(&dir),
    };
    match args.action {
        Action::Install { manual: true, .. } => return print_manual(ctx, &dir),
        Action::Install { force, .. } => {
            refuse_managed_dir(&dir, force)?;
            let binary = std::env::current_exe().context("finding this binary's path")?;
            let done = hooks::install(&dir, &binary)?;
            ctx.out.line(describe_install(done, &dir));
            report.installed = Some(done);
        }
        Action::Uninstall => {
            let done = hooks::uninstall(&dir)?;
            ctx.out.line(describe_uninstall(done, &dir));
            report.uninstalled = Some(done);
        }
        Action::Status => print_status(ctx, &dir, &report.hook),
    }
    report.hook = hooks::state(&dir);
    ctx.out.json(&report);
    Ok(())
}

/// `hooks install --pre-receive`: the server's check, in the hooks folder of the
/// repository git finds from here (bare repositories included).
fn install_pre_receive(ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover_history()?;
    let dir = match repo.config_string(crate::config::HOOKS_PATH)? {
        Some(path) if std::path::Path::new(&path).is_absolute() => path.into(),
        _ => repo.common_dir().join("hooks"),
    };
    let binary = std::env::current_exe().context("finding this binary's path")?;
    let written = hooks::install_pre_receive(&dir, &binary)?;
    let hook = dir.join("pre-receive");
    ctx.out.line(match written {
        true => format!("installed {}", hook.display()),
        false => format!("already installed: {}", hook.display()),
    });
    ctx.out
        .json(&serde_json::json!({"pre_receive": hook.display().to_string(), "written": written}));
    Ok(())
}

/// A hooks folder inside the work tree belongs to another tool (husky):
/// writing there changes tracked files, so it takes `--force`.
fn refuse_managed_dir(dir: &HooksDir, force: bool) -> Result<()> {
    if !dir.in_work_tree || force {
        return Ok(());
    }
    let how = match hooks::manager_of_dir(dir) {
        Some(manager) => manager.instructions(),
        None => "add `git-workflow check --staged` to that tool's pre-commit hook (`git workflow hooks install --manual` says how), or pass --force to install there anyway".to_string(),
    };
    Err(error::refused(
        format!(
            "core.hooksPath points into the work tree ({}), a folder another tool manages",
            dir.path.display()
        ),
        how,
    ))
}

fn describe_install(done: Installed, dir: &HooksDir) -> String {
    let hook = dir.path.join("pre-commit");
    match done {
        Installed::Fresh => format!("installed {}", hook.display()),
        Installed::ChainedLegacy => format!(
            "installed {}; the hook that was there is now pre-commit.legacy and runs first",
            hook.display()
        ),
        Installed::Updated => format!("updated {} to call this binary", hook.display()),
        Installed::AlreadyCurrent => format!("already installed: {}", hook.display()),
    }
}

fn describe_uninstall(done: Uninstalled, dir: &HooksDir) -> String {
    let hook = dir.path.join("pre-commit");
    match done {
        Uninstalled::Removed => format!("removed {}", hook.display()),
        Uninstalled::RestoredLegacy => format!(
            "removed our hook; {} is the earlier hook again",
            hook.display()
        ),
        Uninstalled::NotInstalled => {
            format!("not installed: nothing of ours at {}", hook.display())
        }
    }
}

fn print_status(ctx: &Ctx, dir: &HooksDir, state: &HookState) {
    ctx.out
        .line(format!("hooks folder: {}", dir.path.display()));
    ctx.out.line(match state {
        HookState::Absent => "pre-commit: none (`git workflow hooks install` adds ours)".to_string(),
        HookState::Foreign => "pre-commit: a hook that is not ours (`git workflow hooks install` keeps it and runs it first)".to_string(),
        HookState::Managed { manager, ours_behind } => format!(
            "pre-commit: {}'s hook{}; to add the check, {}",
            manager.name(),
            if *ours_behind { " (our earlier hook runs behind it, as pre-commit.legacy)" } else { "" },
            manager.instructions()
        ),
        HookState::Ours { binary, binary_exists, legacy } => format!(
            "pre-commit: ours, calling {binary}{}{}",
            if *binary_exists { "" } else { " (missing: falls back to git-workflow on PATH)" },
            if *legacy { "; pre-commit.legacy runs first" } else { "" }
        ),
    });
}

fn print_manual(ctx: &Ctx, dir: &HooksDir) -> Result<()> {
    if let Some(manager) = hooks::manager_of_dir(dir) {
        ctx.out.line(format!(
            "The hooks in {} are {}'s; {}",
            dir.path.display(),
            manager.name(),
            manager.instructions()
        ));
        return Ok(());
    }
    let binary = std::env::current_exe().context("finding this binary's path")?;
    let quoted = binary.to_string_lossy().replace('\'', "'\\''");
    ctx.out.line(format!(
        "Add this line to the pre-commit hook in {}:",
        dir.path.display()
    ));
    ctx.out
        .line(format!("  '{quoted}' check --staged || exit 1"));
    ctx.out.line("With the pre-commit framework, add this repository as a hook source (id: git-workflow-check).");
    ctx.out.line("With husky: add `git-workflow check --staged` to .husky/pre-commit; with lefthook: a pre-commit command `git-workflow check --staged`.");
    Ok(())
}
