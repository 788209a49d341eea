//! What every command gets besides its own arguments: where its report goes, and
//! "now", read once per run.

use anyhow::Result;

use crate::formats;
use crate::report::Out;

/// What every command gets besides its own arguments.
pub struct Ctx {
    /// Where the report goes.
    pub out: Out,
    /// "Now" as SPEC §2 defines it, already formatted as a timestamp.
    pub now: String,
    /// The same moment in seconds, for files that write time their own way.
    pub now_seconds: i64,
}

impl Ctx {
    /// The context of one run, reporting to `out`, with "now" read once.
    pub fn new(out: Out) -> Result<Self> {
        let now = now_seconds()?;
        Ok(Self {
            out,
            now: formats::timestamp(now),
            now_seconds: now,
        })
    }
}

/// The system clock, or `SOURCE_DATE_EPOCH` when set, so that tests and reproducible
/// builds get the same files twice.
fn now_seconds() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse().map_err(|_| {
            crate::error::usage(
                format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds"),
                "unset it or set it to seconds since 1970, e.g. SOURCE_DATE_EPOCH=1765886400",
            )
        }),
        Err(_) => Ok(chrono::Utc::now().timestamp()),
    }
}
