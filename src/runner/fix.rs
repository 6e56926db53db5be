//! `[fix]`: run after a failing iteration's report is written, with the report's paths in
//! `GREENLOOP_REPORT` and `GREENLOOP_REPORT_JSON`, so a script or an agent can read what broke.

use std::path::{Path, PathBuf};

use super::cycle::{FixOutcome, SAID_MAX_CHARS};
use super::process;
use super::step;
use super::suite::SuiteContext;
use crate::config::FixPlan;
use crate::report::ReportPaths;

/// The fix's log, in the iteration's logs directory.
pub(crate) const FIX_LOG: &str = "fix.log";

/// Runs the fix for the iteration whose reports are at `paths`; it never fails: a fix that
/// cannot start or exits non-zero is a [`FixOutcome`] that did not succeed.
pub(crate) async fn run_fix(plan: &FixPlan, ctx: &SuiteContext, paths: &ReportPaths) -> FixOutcome {
    let env = vec![
        ("GREENLOOP_REPORT".to_owned(), shown(&paths.markdown())),
        ("GREENLOOP_REPORT_JSON".to_owned(), shown(&paths.json())),
    ];
    let spec = step::spec(ctx, &plan.command, Some(plan.timeout), FIX_LOG, env);
    let log = spec.log_path.clone();
    let result = process::run(spec).await;
    let run = step::step_run(&result, ctx);
    FixOutcome {
        succeeded: run.succeeded(),
        summary: run.summary(),
        log,
        said: result.ok().and_then(|outcome| last_line(&outcome.tail)),
    }
}

/// The last non-blank line of `output`, trimmed and cut to [`SAID_MAX_CHARS`] characters.
fn last_line(output: &str) -> Option<String> {
    let line = output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())?;
    let mut said: String = line.chars().take(SAID_MAX_CHARS).collect();
    if said.len() < line.len() {
        said.push('…');
    }
    Some(said)
}

/// `path` made absolute, as text: the fix may run anywhere.
fn shown(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn said_is_the_last_non_blank_line_cut_to_length() {
        assert_eq!(
            last_line("read it\nmended x\n\n  \n").as_deref(),
            Some("mended x")
        );
        assert_eq!(last_line(" \n"), None);
        let long = "é".repeat(SAID_MAX_CHARS + 5);
        let said = last_line(&long).unwrap();
        assert_eq!(said.chars().count(), SAID_MAX_CHARS + 1);
        assert!(said.ends_with('…'));
    }
}
