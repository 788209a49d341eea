//! `git workflow task start|show|log`: task sessions as agents use them (SPEC §4.1).

use anyhow::Result;

use super::Ctx;
use crate::dialects::guardrail::task_session::Operation;
use crate::dialects::guardrail::versions::{self as task_sessions, AGENTS, TASK_TYPES};
use crate::error;
use crate::repo::Repo;

/// Arguments of `task`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with a task session.
    #[command(subcommand)]
    pub action: Action,
}

/// The task subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create task_sessions/<task_id>/ with session.yml, task.yml and operations.log.
    Start {
        /// The task's id (one path component).
        task_id: String,
        /// The version (default: the latest).
        #[arg(long, value_name = "vNNN")]
        version: Option<String>,
        /// create, update, delete, refactor or test.
        #[arg(long = "type", value_name = "T", value_parser = clap::builder::PossibleValuesParser::new(TASK_TYPES))]
        task_type: String,
        /// frontend, backend, reviewer or architect.
        #[arg(long, value_name = "A", value_parser = clap::builder::PossibleValuesParser::new(AGENTS))]
        agent: String,
    },
    /// Print a task session, from its folder or else its flat file.
    Show {
        /// The task's id.
        task_id: String,
        /// The version (default: the latest).
        #[arg(long, value_name = "vNNN")]
        version: Option<String>,
    },
    /// Append one operation to the task's operations.log and to .workflow/operations.log.
    Log {
        /// The task's id.
        task_id: String,
        /// CREATE, UPDATE, DELETE, … (upper-cased).
        operation: String,
        /// What kind of thing it acted on: file, entity, …
        target_type: String,
        /// What it acted on.
        target_id: String,
        /// The file it touched.
        #[arg(long, value_name = "P")]
        path: Option<String>,
        /// A one-line summary.
        #[arg(long, value_name = "S")]
        summary: Option<String>,
        /// The version (default: the latest).
        #[arg(long, value_name = "vNNN")]
        version: Option<String>,
    },
}

/// Runs `task`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let repo = Repo::discover()?;
    crate::engine::verify::refuse_linked_workflow(&repo)?;
    match args.action {
        Action::Start {
            task_id,
            version,
            task_type,
            agent,
        } => {
            let started = task_sessions::start_task(
                &repo,
                &task_id,
                version.as_deref(),
                &task_type,
                &agent,
                ctx.now_seconds,
            )?;
            if !started.definition_found {
                ctx.out.warn(format!(
                    "no task definition for {task_id} in {}: task.yml is a minimal one",
                    started.version
                ));
            }
            ctx.out.line(format!(
                "started {} in {}",
                started.session_id, started.path
            ));
            ctx.out.json(&started);
        }
        Action::Show { task_id, version } => {
            let shown = task_sessions::show_task(&repo, &task_id, version.as_deref())?;
            match shown.layout {
                "flat" => ctx.out.note(format!(
                    "read {} (a flat file, the old layout: `git workflow migrate` turns it into a folder)",
                    shown.path
                )),
                _ => ctx.out.note(format!("read {} (folder layout)", shown.path)),
            }
            ctx.out.line(shown.text.trim_end());
            ctx.out.json(&shown);
        }
        Action::Log {
            task_id,
            operation,
            target_type,
            target_id,
            path,
            summary,
            version,
        } => {
            let op = operation_of(&operation, target_type, target_id, path, summary, &ctx.now)?;
            let logged = task_sessions::log_task(&repo, &task_id, version.as_deref(), &op)?;
            ctx.out.line(format!(
                "logged to {} and {}",
                logged.task_log, logged.global_log
            ));
            ctx.out.json(&logged);
        }
    }
    Ok(())
}

/// The entry to log; its fields become one line each, so none may hold a newline.
fn operation_of(
    operation: &str,
    target_type: String,
    target_id: String,
    path: Option<String>,
    summary: Option<String>,
    now: &str,
) -> Result<Operation> {
    let fields = [
        Some(operation),
        Some(target_type.as_str()),
        Some(target_id.as_str()),
        path.as_deref(),
        summary.as_deref(),
    ];
    if fields.iter().flatten().any(|f| f.contains(['\n', '\r'])) {
        return Err(error::usage(
            "an operation's fields are written on one line and must not contain a line break",
            "pass each field on one line",
        ));
    }
    Ok(Operation {
        timestamp: Some(now.to_string()),
        operation: Some(operation.to_uppercase()),
        target_type: Some(target_type),
        target_id: Some(target_id),
        path,
        summary,
    })
}
