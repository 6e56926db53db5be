//! Exit codes, mapped in one place.

use std::process::ExitCode;

use crate::model::Verdict;

/// A usage or config error.
pub const USAGE: u8 = 2;

/// `greenloop trigger`: the loop is busy and its `on_busy` is `skip`.
pub const SKIPPED: u8 = 4;

/// The exit code of `greenloop run` for an iteration with `verdict`.
pub fn for_verdict(verdict: Verdict) -> ExitCode {
    ExitCode::from(match verdict {
        Verdict::Green => 0,
        Verdict::Failing => 1,
        Verdict::Error => 3,
        Verdict::Interrupted => 130,
    })
}

/// The exit code for a config error.
pub fn usage() -> ExitCode {
    ExitCode::from(USAGE)
}

/// The code of a command, or `3` after printing the error when it could not do its work (the
/// history store or the report directory failed).
pub fn or_failure(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(3)
    })
}
