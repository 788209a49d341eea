//! The three kinds of failure a user can tell apart by exit code (SPEC §2).
//!
//! Everything else travels as `anyhow::Error` with context; a command returns one of
//! these only when the exit code must say something more precise than "failed".

use std::fmt;

/// Why a command stopped, which decides its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The repository or the thing checked is not acceptable as it is (exit 1).
    Refused,
    /// The command line itself is wrong (exit 2).
    Usage,
}

/// An error that carries its exit-code class and the command that fixes it.
#[derive(Debug)]
pub struct Stop {
    /// Which exit code this maps to.
    pub kind: Kind,
    /// What is wrong, naming the path.
    pub message: String,
    /// What to run or do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Stop {}

/// A refusal: nothing was changed, exit 1.
pub fn refused(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Stop {
        kind: Kind::Refused,
        message: message.into(),
        hint: Some(hint.into()),
    })
}

/// A usage error: the command line names something that does not exist, exit 2.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Stop {
        kind: Kind::Usage,
        message: message.into(),
        hint: Some(hint.into()),
    })
}

/// The exit code SPEC §2 assigns to an error: 1 refused, 2 usage, 3 anything else
/// (an operation that failed and changed nothing, or was finished by the journal).
pub fn exit_code(err: &anyhow::Error) -> i32 {
    match err.downcast_ref::<Stop>().map(|s| s.kind) {
        Some(Kind::Refused) => 1,
        Some(Kind::Usage) => 2,
        None => 3,
    }
}

/// The hint to print under an error, if it carries one.
pub fn hint(err: &anyhow::Error) -> Option<&str> {
    err.downcast_ref::<Stop>().and_then(|s| s.hint.as_deref())
}
