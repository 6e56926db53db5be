//! Next actions: what a person (or agent) should do after reading this iteration, most urgent first.

use crate::model::{FindingKind, Iteration, SuiteResult, SuiteRun, SuiteStatus, Verdict};

/// The next actions for `iteration`, as sentences in Markdown.
pub fn next_actions(iteration: &Iteration) -> Vec<String> {
    let mut actions = Vec::new();
    actions.extend(super::steps::next_action(iteration));
    // A failed deploy is the error, and its action above says so already.
    if let Some(error) = &iteration.error
        && !super::steps::battery_skipped(iteration)
    {
        actions.push(format!("Make the battery runnable: {error}."));
    }
    for suite in &iteration.suites {
        if let SuiteRun::NotStarted { reason } = &suite.run {
            actions.push(format!("Make `{}` start: {reason}.", suite.name));
        }
    }
    for suite in iteration
        .suites
        .iter()
        .filter(|s| s.status() == SuiteStatus::Timeout)
    {
        if let SuiteRun::Ran(process) = &suite.run {
            actions.push(format!(
                "Find why `{}` hangs: it {}; the end of its output is in its log.",
                suite.name,
                process.end.describe()
            ));
        }
    }
    let failing = |critical: bool| {
        iteration
            .suites
            .iter()
            .filter(move |s| s.critical == critical)
            .filter(|s| matches!(s.status(), SuiteStatus::Failed | SuiteStatus::Error))
            .filter(|s| !matches!(s.run, SuiteRun::NotStarted { .. }))
    };
    for suite in failing(true).chain(failing(false)) {
        actions.push(fix_suite(suite));
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

fn fix_suite(suite: &SuiteResult) -> String {
    let failures: Vec<_> = suite
        .tests
        .iter()
        .filter(|t| t.outcome.status().is_failure())
        .collect();
    let mut action = format!(
        "Fix `{}`{}: {} failing test{}",
        suite.name,
        if suite.critical { " (critical)" } else { "" },
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    if let Some(impact) = &suite.impact {
        action.push_str(&format!(" — {impact}"));
    }
    if let Some(first) = failures.first() {
        action.push_str(&format!(
            "; start with `{}`: {}",
            first.id,
            one_line(first.outcome.message())
        ));
    }
    action.push('.');
    action
}

fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > 160 {
        format!("{}…", line.chars().take(160).collect::<String>())
    } else {
        line.to_owned()
    }
}
