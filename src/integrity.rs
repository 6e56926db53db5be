//! Integrity checks: pure functions that find reasons to distrust an iteration's numbers.
//!
//! A report that turns a red run green is worse than no report, so every way a battery can
//! look better than it is — no tests, 0.00 s tests, a hang, counts that disagree — is said.

use crate::model::{
    Finding, FindingKind, ProcessEnd, ResultSource, SuiteResult, SuiteRun, TestStatus,
};

/// Below this a reported duration prints as 0.00 s.
const ZERO_SECONDS: f64 = 0.005;

/// Every finding about `suites`: what ingest noted, then what the results themselves show.
pub fn check(suites: &[SuiteResult]) -> Vec<Finding> {
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
    if !passing.is_empty() && passing.iter().all(|&d| d < ZERO_SECONDS) {
        say(
            FindingKind::ZeroDuration,
            format!(
                "all {} passing tests of `{name}` took 0.00 s",
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
        check(suites).into_iter().map(|f| f.kind).collect()
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
    fn formats_byte_counts() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
