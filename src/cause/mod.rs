//! Root causes: every failure of an iteration — JUnit tests, suite stand-ins, probe checks —
//! grouped by the specific facts it states (close code, status and endpoint, refused address,
//! hung suite, …), told in one plain line each, and matched with the backend's own log lines.
//!
//! Pure functions over results, like the diff and the clusters: `analyse` after the battery,
//! `attach_logs` once the logs are read.

mod build;
mod continuity;
mod facts;
mod failure;
mod group;
mod headline;
mod identity;
mod logs;
mod scan;
#[cfg(test)]
mod tests;

pub use facts::from_text as facts_of;
pub use headline::{action, close_name, reason};
pub use identity::keys;
pub use logs::{MAX_LINES_PER_CAUSE, attach as attach_logs};

use crate::model::{
    DeployChange, IterationRef, Previous, ResolvedRootCause, RootCause, SuiteResult,
};
use crate::probe::ProbeReport;

/// The root causes of the iteration `at`, most important first (critical, then most
/// failures, then headline), settled against `previous` (ids, since when, new), and the
/// previous iteration's causes that are resolved. `deployed` says which revision a new cause
/// arrived with.
pub fn analyse(
    suites: &[SuiteResult],
    probes: &[(String, ProbeReport)],
    previous: Option<&Previous>,
    at: IterationRef,
    deployed: Option<&DeployChange>,
) -> (Vec<RootCause>, Vec<ResolvedRootCause>) {
    analyse_with(suites, &failure::targets(probes), previous, at, deployed)
}

/// [`analyse`] with the probes reduced to where they went.
fn analyse_with(
    suites: &[SuiteResult],
    targets: &[failure::ProbeTarget<'_>],
    previous: Option<&Previous>,
    at: IterationRef,
    deployed: Option<&DeployChange>,
) -> (Vec<RootCause>, Vec<ResolvedRootCause>) {
    let failures = failure::failures(suites, targets);
    let mut causes: Vec<RootCause> = group::group(&failures)
        .into_iter()
        .map(|(units, reasons)| build::build(&failures, &units, reasons, at))
        .collect();
    causes.sort_by(|a, b| {
        (b.critical, b.tests.len())
            .cmp(&(a.critical, a.tests.len()))
            .then_with(|| a.headline.cmp(&b.headline))
    });
    let resolved = continuity::settle(&mut causes, previous, at, deployed);
    // Until logs are read (`attach_logs`), the action says nothing about them.
    for cause in &mut causes {
        cause.next_action = headline::action(cause);
    }
    (causes, resolved)
}
