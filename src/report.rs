//! Human and `--json` output. Every byte a command prints goes through [`Out`], which
//! knows the output mode and treats a closed pipe (`git workflow log | head`) as the
//! reader having seen enough, not as an error.

use serde::Serialize;

use crate::engine::Action;
use crate::layout;
use std::cell::Cell;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Work this small finishes before a bar would tell anyone anything.
pub const PROGRESS_FROM: usize = 500;

/// One progress bar: `update(done, total)` as the work goes.
pub struct Progress {
    label: &'static str,
    shown: bool,
    bar: std::cell::RefCell<Option<indicatif::ProgressBar>>,
}

impl Progress {
    /// Moves the bar to `done` of `total`, creating it the first time the work is
    /// long enough to show.
    pub fn update(&self, done: usize, total: usize) {
        if !self.shown || total < PROGRESS_FROM {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        let bar = bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            let style = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
            bar.set_message(self.label);
            bar.tick();
            bar
        });
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

/// How a command's report is printed.
pub struct Out {
    json: bool,
    quiet: bool,
    closed: Cell<bool>,
}

impl Out {
    /// `json`: one JSON document on stdout and nothing else; `quiet`: no report.
    pub fn new(json: bool, quiet: bool) -> Self {
        Self {
            json,
            quiet,
            closed: Cell::new(false),
        }
    }

    /// Whether the report is JSON (commands then call [`Out::json`] instead of lines).
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// One line of the human report; nothing in `--json` or `--quiet` mode.
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json && !self.quiet {
            self.write(&format!("{}\n", text.as_ref()));
        }
    }

    /// A problem the command was asked to find (a check's violation): shown even
    /// with `--quiet`, which silences only the report around it; not in `--json`.
    pub fn problem(&self, text: impl AsRef<str>) {
        if !self.json {
            self.write(&format!("{}\n", text.as_ref()));
        }
    }

    /// A progress bar for long work (SPEC §2), drawn on stderr only when it is a
    /// terminal, never in `--json` or `--quiet`; hidden below [`PROGRESS_FROM`]
    /// items. Cleared when dropped.
    pub fn progress(&self, label: &'static str) -> Progress {
        Progress {
            label,
            shown: !self.json && !self.quiet && io::stderr().is_terminal(),
            bar: std::cell::RefCell::new(None),
        }
    }

    /// The JSON document, pretty-printed, when in `--json` mode.
    pub fn json<T: Serialize>(&self, value: &T) {
        if self.json {
            let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
            self.write(&format!("{text}\n"));
            JSON_WRITTEN.store(true, Ordering::Relaxed);
        }
    }

    /// A plan's actions, one indented line each: `rename  a -> b`, `create  c`, ….
    pub fn actions(&self, actions: &[ActionLine]) {
        for a in actions {
            match &a.from {
                Some(from) => self.line(format!("  {:<7} {from} -> {}", a.action, a.path)),
                None => self.line(format!("  {:<7} {}", a.action, a.path)),
            }
        }
    }

    /// A note on stderr, beside the report rather than in it (which file was read);
    /// silent with `--quiet`.
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            to_stderr(&layout::escape_controls(text.as_ref()));
        }
    }

    /// A warning on stderr (shown in every mode but `--quiet`).
    pub fn warn(&self, text: impl AsRef<str>) {
        if !self.quiet {
            to_stderr(&format!(
                "{}: {}",
                paint("warning", Colour::Yellow),
                layout::escape_controls(text.as_ref())
            ));
        }
    }

    fn write(&self, text: &str) {
        if self.closed.get() {
            return;
        }
        let text = if self.json {
            std::borrow::Cow::Borrowed(text)
        } else {
            layout::escape_controls(text)
        };
        let mut stdout = io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            self.closed.set(true);
        }
    }
}

/// Whether this process printed its JSON document already.
static JSON_WRITTEN: AtomicBool = AtomicBool::new(false);

/// The one JSON document for a command that stopped with an error before printing
/// its report, so that `--json` always gives a reader something to parse:
/// `{"error": {"exit_code", "message", "hint"}}`. Nothing when a report was printed.
pub fn json_error(exit_code: i32, message: &str, hint: Option<&str>) {
    if JSON_WRITTEN.load(Ordering::Relaxed) {
        return;
    }
    let doc =
        serde_json::json!({"error": {"exit_code": exit_code, "message": message, "hint": hint}});
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(format!("{text}\n").as_bytes());
}

/// One action of a plan as reports show it, and as `--json` names its fields.
#[derive(Debug, Clone, Serialize)]
pub struct ActionLine {
    /// `rename`, `create`, `modify`, `restore` or `delete`.
    pub action: &'static str,
    /// The path it leaves a file at (or removes).
    pub path: String,
    /// For a rename, where the file was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// How a plan's actions are reported; `existed` says whether a path is in the commit
/// the plan starts from, so a write is a `create` or a `modify` as it truly is.
pub fn action_lines(actions: &[Action], existed: &dyn Fn(&str) -> bool) -> Vec<ActionLine> {
    actions
        .iter()
        .map(|action| {
            let (verb, path, from) = match action {
                Action::Move { from, to } => ("rename", to, Some(from.clone())),
                Action::Write { path, .. } if existed(path) => ("modify", path, None),
                Action::Write { path, .. } => ("create", path, None),
                Action::Restore { path, .. } => ("restore", path, None),
                Action::Delete { path } => ("delete", path, None),
            };
            ActionLine {
                action: verb,
                path: path.clone(),
                from,
            }
        })
        .collect()
}

/// The colours this tool uses, sparingly.
#[derive(Clone, Copy)]
pub enum Colour {
    /// Errors.
    Red,
    /// Warnings.
    Yellow,
}

/// `word` in colour when stderr is a terminal and `NO_COLOR` is not set.
pub fn paint(word: &str, colour: Colour) -> String {
    let wants =
        io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !wants {
        return word.to_string();
    }
    let code = match colour {
        Colour::Red => 31,
        Colour::Yellow => 33,
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// Writes one line to stderr, and nothing more when it cannot: a reader that
/// closed the pipe (`git workflow check 2>&1 | head -1`) ends the output quietly,
/// as SPEC §2 asks, instead of a panic and exit 101.
pub fn to_stderr(line: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr
        .write_all(line.as_bytes())
        .and_then(|()| stderr.write_all(b"\n"));
}
