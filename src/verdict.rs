//! The verdict of an iteration, as a pure function of its suites.

use crate::model::{SuiteResult, SuiteRun, SuiteStatus, Totals, Verdict};

/// Judges an iteration: `interrupted` when greenloop stopped a suite, `error` when no suite
/// could start, `failing` when a critical suite did not pass, when non-critical tests pass
/// below `pass_threshold`, or when nothing was tested at all; `green` otherwise.
pub fn judge(suites: &[SuiteResult], pass_threshold: f64) -> Verdict {
    if suites
        .iter()
        .any(|s| s.status() == SuiteStatus::Interrupted)
    {
        return Verdict::Interrupted;
    }
    if !suites.is_empty()
        && suites
            .iter()
            .all(|s| matches!(s.run, SuiteRun::NotStarted { .. }))
    {
        return Verdict::Error;
    }
    let all = Totals::count(suites.iter().flat_map(|s| &s.tests));
    if all.total == all.skipped {
        return Verdict::Failing;
    }
    if suites
        .iter()
        .any(|s| s.critical && s.status() != SuiteStatus::Passed)
    {
        return Verdict::Failing;
    }
    let non_critical = Totals::count(suites.iter().filter(|s| !s.critical).flat_map(|s| &s.tests));
    match non_critical.pass_rate() {
        Some(rate) if rate < pass_threshold => Verdict::Failing,
        _ => Verdict::Green,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{Outcome, ProcessEnd};

    fn suite(name: &str, critical: bool, end: ProcessEnd, outcomes: Vec<Outcome>) -> SuiteResult {
        let tests = outcomes.into_iter().map(|o| (o, 0.1)).collect();
        SuiteResult {
            critical,
            ..SuiteResult::for_test(name, end, tests)
        }
    }

    fn failed() -> Outcome {
        Outcome::Failed {
            message: "boom".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn verdict_table() {
        let ok = ProcessEnd::Exited(0);
        let pass = Outcome::Passed;
        let skip = Outcome::Skipped {
            message: String::new(),
            kind: None,
        };
        let cases: Vec<(&str, Vec<SuiteResult>, f64, Verdict)> = vec![
            (
                "all pass",
                vec![suite(
                    "a",
                    true,
                    ok.clone(),
                    vec![pass.clone(), skip.clone()],
                )],
                1.0,
                Verdict::Green,
            ),
            (
                "one failure",
                vec![suite(
                    "a",
                    false,
                    ProcessEnd::Exited(1),
                    vec![pass.clone(), failed()],
                )],
                1.0,
                Verdict::Failing,
            ),
            (
                "non-critical failure under the threshold",
                vec![
                    suite("a", true, ok.clone(), vec![pass.clone()]),
                    suite(
                        "b",
                        false,
                        ProcessEnd::Exited(1),
                        vec![pass.clone(), pass.clone(), pass.clone(), failed()],
                    ),
                ],
                0.75,
                Verdict::Green,
            ),
            (
                "critical failure ignores the threshold",
                vec![suite(
                    "a",
                    true,
                    ProcessEnd::Exited(1),
                    vec![pass.clone(), pass.clone(), pass.clone(), failed()],
                )],
                0.5,
                Verdict::Failing,
            ),
            (
                "flaky counts as passing",
                vec![suite(
                    "a",
                    true,
                    ok.clone(),
                    vec![Outcome::Flaky {
                        failures: 1,
                        message: "x".into(),
                    }],
                )],
                1.0,
                Verdict::Green,
            ),
            (
                "only skips is not green",
                vec![suite("a", false, ok.clone(), vec![skip.clone()])],
                1.0,
                Verdict::Failing,
            ),
            (
                "nothing at all is not green",
                vec![suite("a", false, ok.clone(), vec![])],
                1.0,
                Verdict::Failing,
            ),
            (
                "a hang in a critical suite",
                vec![suite(
                    "a",
                    true,
                    ProcessEnd::TimedOut {
                        after: Duration::from_secs(120),
                    },
                    vec![Outcome::Timeout {
                        message: "hung".into(),
                    }],
                )],
                1.0,
                Verdict::Failing,
            ),
            (
                "an interrupted suite",
                vec![suite("a", false, ProcessEnd::Cancelled, vec![pass.clone()])],
                1.0,
                Verdict::Interrupted,
            ),
        ];
        for (name, suites, threshold, expected) in cases {
            assert_eq!(judge(&suites, threshold), expected, "{name}");
        }
    }

    #[test]
    fn no_suite_starting_is_an_error() {
        let mut s = suite(
            "a",
            false,
            ProcessEnd::Exited(0),
            vec![Outcome::Error {
                message: "not found".into(),
                detail: String::new(),
            }],
        );
        s.run = SuiteRun::NotStarted {
            reason: "not found".into(),
        };
        assert_eq!(judge(&[s], 1.0), Verdict::Error);
    }
}
