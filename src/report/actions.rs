//! Next actions: what a person (or agent) should do after reading this iteration, most urgent first.

use crate::model::{FindingKind, Iteration, SuiteRun, Verdict};

/// Root causes that get an action of their own; the rest are in the JSON's `root_causes`.
const MAX_CAUSE_ACTIONS: usize = 10;
/// Actions in all.
const MAX_ACTIONS: usize = 20;

/// The next actions for `iteration`, most urgent first, as sentences in Markdown: the deploy,
/// suites that could not start, each root cause in rank order (what to look at, with the
/// backend's own log line), then the integrity findings that make the numbers doubtful.
pub fn next_actions(iteration: &Iteration) -> Vec<String> {
    let mut actions = Vec::new();
    actions.extend(super::steps::next_action(iteration));
    // A failed deploy is the error, and its action above says so already.
    if let Some(error) = &iteration.error
        && !super::steps::battery_skipped(iteration)
    {
        actions.push(format!("Make the battery runnable: {error}."));
    }
    // Nothing ran because greenloop was stopped, hit a bug, or could not read the loop file.
    if iteration.suites.is_empty()
        && iteration.deploy.is_none()
        && iteration.verdict == Verdict::Error
        && let Some(error) = &iteration.error
    {
        actions.push(format!(
            "Run the iteration again once this is fixed: {error}."
        ));
    }
    for suite in &iteration.suites {
        if let SuiteRun::NotStarted { reason } = &suite.run {
            actions.push(format!("Make `{}` start: {reason}.", suite.name));
        }
    }
    // Root causes come ranked (critical, then most failures): their actions keep that order.
    for cause in iteration.root_causes.iter().take(MAX_CAUSE_ACTIONS) {
        actions.push(format!(
            "**{}** ({}): {}",
            cause.headline,
            super::causes::evidence(&cause.evidence),
            cause.next_action
        ));
    }
    for finding in &iteration.integrity {
        let action = match finding.kind {
            FindingKind::NoTests | FindingKind::ZeroDuration | FindingKind::EmptyBattery => {
                format!("Check that the tests really ran — {}.", finding.message)
            }
            FindingKind::BrokenResults => format!("Repair the results: {}.", finding.message),
            FindingKind::BatteryShrank | FindingKind::SkipJump => {
                format!(
                    "Confirm the smaller battery is intended — {}.",
                    finding.message
                )
            }
            FindingKind::LeakedProcess => format!("Stop the leaked process: {}.", finding.message),
            _ => continue,
        };
        actions.push(action);
    }
    actions.truncate(MAX_ACTIONS);
    if actions.is_empty() {
        actions.push(match iteration.verdict {
            Verdict::Green => "Nothing to fix: every test passed.".to_owned(),
            Verdict::Interrupted => "Run the iteration again: it was interrupted.".to_owned(),
            Verdict::Failing | Verdict::Error => {
                "Read the failures above and fix the first one.".to_owned()
            }
        });
    }
    actions
}
