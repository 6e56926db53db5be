//! Integrity checks: pure functions that find reasons to distrust an iteration's numbers.
//!
//! A report that turns a red run green is worse than no report, so every way a battery can
//! look better than it is — no tests, 0.00 s tests, a hang, counts that disagree — is said.

use crate::model::{
    Diff, Finding, FindingKind, Previous, ProcessEnd, ResultSource, SuiteResult, SuiteRun,
    TestStatus, Totals,
};

/// A test that reports less than this did nothing a staging test does: no request over any
/// network, loopback included, completes in under a millisecond in a test client, and
/// three-decimal producers (pytest) print it as `0.000`.
pub const NOT_RUN_SECONDS: f64 = 0.001;

/// A rise in skips this large (in tests, and as a share of the battery) is a finding.
const SKIP_JUMP_TESTS: u64 = 3;
const SKIP_JUMP_SHARE: f64 = 0.05;

/// Every finding about `suites`: what ingest noted, what the results themselves show, and how
/// they compare with the previous iteration (`diff` against `previous`).
pub fn check(suites: &[SuiteResult], diff: &Diff, previous: Option<&Previous>) -> Vec<Finding> {
    let mut findings = check_alone(suites);
    findings.extend(compare(suites, diff, previous));
    findings
}

/// Findings that compare with the previous iteration: a battery that shrank, a jump in skips.
fn compare(suites: &[SuiteResult], diff: &Diff, previous: Option<&Previous>) -> Vec<Finding> {
    let (Some(previous), Some(at)) = (previous, diff.previous) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let gone: Vec<&str> = diff
        .suite_changes
        .iter()
        .filter(|c| c.after.is_none())
        .map(|c| c.suite.as_str())
        .collect();
    if !diff.removed.is_empty() || !gone.is_empty() {
        let mut message = format!(
            "the battery shrank: {} test{} removed since {at}",
            diff.removed.len(),
            if diff.removed.len() == 1 { "" } else { "s" }
        );
        if !gone.is_empty() {
            message.push_str(&format!(" (suites gone: {})", gone.join(", ")));
        }
        message.push_str("; a loop must not go green by deleting tests");
        found.push(finding(FindingKind::BatteryShrank, None, message));
    }
    let now = Totals::count(suites.iter().flat_map(|s| &s.tests));
    let rise = now.skipped.saturating_sub(previous.totals.skipped);
    if rise >= SKIP_JUMP_TESTS && rise as f64 >= SKIP_JUMP_SHARE * now.total as f64 {
        found.push(finding(
            FindingKind::SkipJump,
            None,
            format!(
                "skipped tests rose from {} to {} since {at}",
                previous.totals.skipped, now.skipped
            ),
        ));
    }
    found
}

/// Findings from this iteration alone.
fn check_alone(suites: &[SuiteResult]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for suite in suites {
        findings.extend(suite.notes.iter().cloned());
        findings.extend(check_suite(suite));
    }
    if suites.iter().all(|s| s.tests.is_empty()) {
        findings.push(finding(
            FindingKind::EmptyBattery,
            None,
            "the battery ran no test at all".into(),
        ));
    }
    findings
}

fn check_suite(suite: &SuiteResult) -> Vec<Finding> {
    let mut found = Vec::new();
    let name = &suite.name;
    let mut say = |kind, message: String| found.push(finding(kind, Some(name), message));
    let SuiteRun::Ran(process) = &suite.run else {
        return found;
    };
    match process.end {
        ProcessEnd::TimedOut { .. } | ProcessEnd::Idle { .. } => {
            say(
                FindingKind::Hang,
                format!(
                    "`{name}` {} and was killed; its results are partial at best",
                    process.end.describe()
                ),
            );
        }
        _ => {}
    }
    if matches!(suite.source, ResultSource::Junit(_)) && suite.tests.is_empty() {
        say(
            FindingKind::NoTests,
            format!("`{name}` wrote JUnit that holds no test"),
        );
    }
    let passing: Vec<f64> = suite
        .tests
        .iter()
        .filter(|t| t.outcome.status() == TestStatus::Passed)
        .filter_map(|t| t.duration_s)
        .collect();
    // The rule: a suite is flagged when at least half of its timed passing tests report under
    // 1 ms. A suite of fast network tests (2–10 ms each) never trips it, one fast test among
    // slow ones does not, and a suite of tests that return at once does.
    let instant = passing.iter().filter(|&&d| d < NOT_RUN_SECONDS).count();
    if instant > 0 && instant * 2 >= passing.len() {
        say(
            FindingKind::ZeroDuration,
            format!(
                "{instant} of {} timed passing tests of `{name}` report under 1 ms (0.000 s): too fast to have made a request",
                passing.len()
            ),
        );
    }
    if let Some(declared) = suite.declared_tests {
        let elements: u64 = suite.tests.iter().map(|t| u64::from(t.attempts)).sum();
        if declared != elements {
            say(
                FindingKind::CountMismatch,
                format!(
                    "`{name}`'s JUnit declares {declared} tests but holds {elements} test cases"
                ),
            );
        }
    }
    if process.cut_bytes > 0 {
        say(
            FindingKind::OutputCut,
            format!(
                "`{name}` wrote {} of output; {} in the middle were cut from its log",
                bytes(process.output_bytes),
                bytes(process.cut_bytes)
            ),
        );
    }
    if process.leaked_output {
        say(
            FindingKind::LeakedProcess,
            format!("`{name}` left a process behind that kept its output open after it exited"),
        );
    }
    found
}

fn finding(kind: FindingKind, suite: Option<&String>, message: String) -> Finding {
    Finding {
        kind,
        suite: suite.cloned(),
        message,
    }
}

/// `1536` → "1.5 KiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::Outcome;

    fn suite(durations: &[f64], end: ProcessEnd, declared: Option<u64>) -> SuiteResult {
        let tests = durations.iter().map(|&d| (Outcome::Passed, d)).collect();
        SuiteResult {
            declared_tests: declared,
            ..SuiteResult::for_test("api", end, tests)
        }
    }

    fn kinds(suites: &[SuiteResult]) -> Vec<FindingKind> {
        check(suites, &Diff::default(), None)
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    #[test]
    fn healthy_suite_has_no_findings() {
        assert_eq!(
            kinds(&[suite(&[0.2, 0.0, 1.5], ProcessEnd::Exited(0), Some(3))]),
            vec![]
        );
    }

    #[test]
    fn finds_fake_zero_second_tests_hangs_and_miscounts() {
        let cases = [
            (
                suite(&[0.0, 0.001], ProcessEnd::Exited(0), None),
                vec![FindingKind::ZeroDuration],
            ),
            (
                suite(&[], ProcessEnd::Exited(0), None),
                vec![FindingKind::NoTests, FindingKind::EmptyBattery],
            ),
            (
                suite(
                    &[1.0],
                    ProcessEnd::Idle {
                        after: Duration::from_secs(60),
                    },
                    None,
                ),
                vec![FindingKind::Hang],
            ),
            (
                suite(&[1.0, 2.0], ProcessEnd::Exited(0), Some(5)),
                vec![FindingKind::CountMismatch],
            ),
        ];
        for (s, expected) in cases {
            assert_eq!(kinds(&[s]), expected);
        }
    }

    #[test]
    fn fast_network_tests_are_not_fakes() {
        // The demo's Iteration 2: one passing WebSocket test took 4 ms.
        let one_fast = SuiteResult::for_test(
            "websocket-events",
            ProcessEnd::Exited(1),
            vec![
                (Outcome::Passed, 0.004),
                (
                    Outcome::Failed {
                        message: "stalled".into(),
                        detail: String::new(),
                    },
                    1.5,
                ),
            ],
        );
        assert_eq!(kinds(&[one_fast]), vec![]);
        let fast_suite = suite(
            &[0.002, 0.003, 0.004, 0.003, 0.0015],
            ProcessEnd::Exited(0),
            None,
        );
        assert_eq!(kinds(&[fast_suite]), vec![]);
    }

    #[test]
    fn tests_that_never_ran_are_flagged_even_beside_real_ones() {
        let six_of_ten = suite(
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.3, 0.1, 0.4],
            ProcessEnd::Exited(0),
            None,
        );
        let found = check(&[six_of_ten], &Diff::default(), None);
        assert_eq!(
            found.iter().map(|f| f.kind).collect::<Vec<_>>(),
            vec![FindingKind::ZeroDuration]
        );
        assert_eq!(
            found[0].message,
            "6 of 10 timed passing tests of `api` report under 1 ms (0.000 s): too fast to have made a request"
        );
        let one_of_four = suite(&[0.0, 0.2, 0.3, 0.1], ProcessEnd::Exited(0), None);
        assert_eq!(kinds(&[one_of_four]), vec![]);
    }

    #[test]
    fn a_shrinking_battery_and_a_skip_jump_are_said_loudly() {
        use crate::model::{IterationRef, SuiteChange, TestId};
        let at = IterationRef {
            loop_number: 1,
            iteration: 4,
        };
        let diff = Diff {
            previous: Some(at),
            removed: vec![TestId::new("api", "c", "gone")],
            suite_changes: vec![SuiteChange {
                suite: "old".into(),
                before: Some(crate::model::SuiteStatus::Failed),
                after: None,
            }],
            ..Diff::default()
        };
        let previous = Previous {
            at: Some(at),
            ..Previous::default()
        };
        let skip = Outcome::Skipped {
            message: String::new(),
            kind: None,
        };
        let current = SuiteResult::for_test(
            "api",
            ProcessEnd::Exited(0),
            vec![
                (Outcome::Passed, 0.2),
                (skip.clone(), 0.0),
                (skip.clone(), 0.0),
                (skip, 0.0),
            ],
        );
        let findings = check(&[current], &diff, Some(&previous));
        let messages: Vec<(FindingKind, &str)> = findings
            .iter()
            .map(|f| (f.kind, f.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    FindingKind::BatteryShrank,
                    "the battery shrank: 1 test removed since Loop 1 / Iteration 4 (suites gone: old); a loop must not go green by deleting tests"
                ),
                (
                    FindingKind::SkipJump,
                    "skipped tests rose from 0 to 3 since Loop 1 / Iteration 4"
                ),
            ]
        );
    }

    #[test]
    fn formats_byte_counts() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
