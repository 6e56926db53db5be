//! `[fix]`: run after a failing iteration's report is written, with the report's paths in
//! `GREENLOOP_REPORT` and `GREENLOOP_REPORT_JSON`, so a script or an agent can read what broke.

use std::path::{Path, PathBuf};

use super::cycle::FixOutcome;
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
    }
}

/// `path` made absolute, as text: the fix may run anywhere.
fn shown(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}
