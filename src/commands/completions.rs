//! `git workflow completions <shell>` and the man page: both generated from the one
//! clap definition in `cli.rs` (handed in by the dispatcher), so they never drift
//! from `--help`.

use anyhow::Result;
use std::io::Write;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell on stdout; `cmd` is the whole clap tree.
pub fn run(args: Args, mut cmd: clap::Command) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "git-workflow", &mut out);
    emit(&out)
}

/// Prints the man page, `git-workflow(1)`, in roff on stdout: what `git workflow
/// --help` shows once `install.sh` has put it where `man` looks.
pub fn man(cmd: clap::Command) -> Result<()> {
    let cmd = cmd.name("git-workflow");
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    emit(&out)
}

fn emit(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
