//! Edge cases of the diff, each as a report reader would meet it.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::model::{Outcome, PriorTest, ProcessEnd, TestResult};

pub(super) fn at(loop_number: u32, iteration: u32) -> IterationRef {
    IterationRef {
        loop_number,
        iteration,
    }
}

pub(super) fn outcome(status: TestStatus) -> Outcome {
    let message = format!("it {status}");
    match status {
        TestStatus::Passed => Outcome::Passed,
        TestStatus::Flaky => Outcome::Flaky {
            failures: 1,
            message,
        },
        TestStatus::Skipped => Outcome::Skipped {
            message,
            kind: None,
        },
        TestStatus::Failed => Outcome::Failed {
            message,
            detail: String::new(),
        },
        TestStatus::Error => Outcome::Error {
            message,
            detail: String::new(),
        },
        TestStatus::Timeout => Outcome::Timeout { message },
    }
}

/// A suite that ran to `end` with the named tests.
pub(super) fn suite(name: &str, end: ProcessEnd, tests: &[(&str, TestStatus)]) -> SuiteResult {
    SuiteResult {
        tests: tests
            .iter()
            .map(|&(test, status)| TestResult {
                id: id(name, test),
                suite: name.into(),
                outcome: outcome(status),
                duration_s: Some(0.1),
                attempts: 1,
            })
            .collect(),
        ..SuiteResult::for_test(name, end, vec![])
    }
}

pub(super) fn id(suite: &str, test: &str) -> TestId {
    TestId::new(suite, "c", test)
}

/// The previous iteration `at` as a store would load it after recording `suites`.
pub(super) fn previous_of(
    suites: &[SuiteResult],
    at: IterationRef,
    since: &BTreeMap<TestId, IterationRef>,
) -> Previous {
    let tests = suites.iter().flat_map(|s| &s.tests);
    Previous {
        at: Some(at),
        verdict: None,
        totals: Totals::count(tests.clone()),
        tests: tests
            .map(|t| {
                let status = t.outcome.status();
                let failing_since = status
                    .is_failure()
                    .then(|| since.get(&t.id).copied().unwrap_or(at));
                (
                    t.id.clone(),
                    PriorTest {
                        status,
                        failing_since,
                    },
                )
            })
            .collect(),
        suites: suites
            .iter()
            .map(|s| (s.name.clone(), s.status()))
            .collect(),
        clusters: vec![],
        ..Previous::default()
    }
}

use TestStatus::{Failed, Flaky, Passed, Skipped, Timeout};

fn exited(code: i32) -> ProcessEnd {
    ProcessEnd::Exited(code)
}

#[test]
fn first_iteration_reports_no_change_at_all() {
    let now = [suite(
        "api",
        exited(1),
        &[("a", Failed), ("b", Flaky), ("c", Passed)],
    )];
    let diff = diff(None, &now, at(1, 1));
    assert_eq!(diff, Diff::default());
    assert_eq!(diff.previous, None);
    assert_eq!(
        failing_since(&diff, &id("api", "a"), Failed, at(1, 1)),
        Some(at(1, 1))
    );
    assert_eq!(
        failing_since(&diff, &id("api", "c"), Passed, at(1, 1)),
        None
    );
}

#[test]
fn every_list_answers_its_question() {
    let before = [suite(
        "api",
        exited(1),
        &[
            ("broke", Passed),
            ("fixed", Failed),
            ("still", Failed),
            ("gone", Passed),
            ("wobbly", Passed),
        ],
    )];
    let since = BTreeMap::from([(id("api", "still"), at(1, 1))]);
    let previous = previous_of(&before, at(1, 2), &since);
    let now = [suite(
        "api",
        exited(1),
        &[
            ("broke", Timeout),
            ("fixed", Passed),
            ("still", Failed),
            ("new", Failed),
            ("wobbly", Flaky),
        ],
    )];
    let diff = diff(Some(&previous), &now, at(1, 3));
    assert_eq!(diff.previous, Some(at(1, 2)));
    assert_eq!(diff.new_failures, [id("api", "broke"), id("api", "new")]);
    assert_eq!(diff.fixed, [id("api", "fixed")]);
    let still = StillFailing {
        id: id("api", "still"),
        since: at(1, 1),
    };
    assert_eq!(diff.still_failing, [still]);
    assert_eq!(diff.added, [id("api", "new")]);
    assert_eq!(diff.removed, [id("api", "gone")]);
    assert_eq!(diff.flaky, [id("api", "wobbly")]);
    assert_eq!(diff.suite_changes, []);
    // 3 of 5 passed before (broke, gone, wobbly); 2 of 5 now (fixed, and wobbly as flaky).
    assert!((diff.pass_rate_delta.unwrap() - (2.0 / 5.0 - 3.0 / 5.0)).abs() < 1e-12);
    assert_eq!(
        failing_since(&diff, &id("api", "still"), Failed, at(1, 3)),
        Some(at(1, 1))
    );
    assert_eq!(
        failing_since(&diff, &id("api", "new"), Failed, at(1, 3)),
        Some(at(1, 3))
    );
}

#[test]
fn a_failure_now_skipped_is_neither_fixed_nor_failing() {
    let before = [suite("api", exited(1), &[("a", Failed)])];
    let previous = previous_of(&before, at(1, 1), &BTreeMap::new());
    let now = [suite("api", exited(0), &[("a", Skipped)])];
    let diff = diff(Some(&previous), &now, at(1, 2));
    assert!(diff.fixed.is_empty() && diff.new_failures.is_empty() && diff.still_failing.is_empty());
    assert!(diff.added.is_empty() && diff.removed.is_empty());
    assert_eq!(
        diff.pass_rate_delta, None,
        "nothing ran now, so there is no rate to compare"
    );
}

#[test]
fn a_removed_failure_is_removed_not_fixed() {
    let before = [suite("api", exited(1), &[("a", Failed), ("b", Passed)])];
    let previous = previous_of(&before, at(1, 1), &BTreeMap::new());
    let now = [suite("api", exited(0), &[("b", Passed)])];
    let diff = diff(Some(&previous), &now, at(1, 2));
    assert_eq!(diff.removed, [id("api", "a")]);
    assert!(diff.fixed.is_empty());
}

#[test]
fn suites_appearing_disappearing_and_recovering_from_a_hang() {
    let hang = ProcessEnd::TimedOut {
        after: Duration::from_secs(120),
    };
    let before = [
        suite("ws", hang, &[("events", Timeout)]),
        suite("old", exited(0), &[("x", Passed)]),
    ];
    let previous = previous_of(&before, at(1, 4), &BTreeMap::new());
    let now = [
        suite("ws", exited(0), &[("events", Passed)]),
        suite("new", exited(1), &[("y", Failed)]),
    ];
    let diff = diff(Some(&previous), &now, at(2, 1));
    let change = |suite: &str, before, after| SuiteChange {
        suite: suite.into(),
        before,
        after,
    };
    assert_eq!(
        diff.suite_changes,
        [
            change("new", None, Some(SuiteStatus::Failed)),
            change("old", Some(SuiteStatus::Passed), None),
            change("ws", Some(SuiteStatus::Timeout), Some(SuiteStatus::Passed)),
        ]
    );
    assert_eq!(
        diff.fixed,
        [id("ws", "events")],
        "a diff across the loop boundary works the same"
    );
    assert_eq!(diff.new_failures, [id("new", "y")]);
}

#[test]
fn still_failing_falls_back_to_the_previous_iteration_and_never_lies_about_the_future() {
    let before = [suite("api", exited(1), &[("a", Failed), ("b", Failed)])];
    let mut previous = previous_of(&before, at(1, 2), &BTreeMap::new());
    previous
        .tests
        .get_mut(&id("api", "a"))
        .unwrap()
        .failing_since = None;
    previous
        .tests
        .get_mut(&id("api", "b"))
        .unwrap()
        .failing_since = Some(at(9, 9));
    let diff = diff(Some(&previous), &before, at(1, 3));
    let since: Vec<_> = diff.still_failing.iter().map(|s| s.since).collect();
    assert_eq!(since, [at(1, 2), at(1, 3)]);
}

#[test]
fn a_duplicated_id_keeps_its_failure() {
    let previous = previous_of(
        &[suite("api", exited(0), &[("a", Passed)])],
        at(1, 1),
        &BTreeMap::new(),
    );
    let now = [suite("api", exited(1), &[("a", Passed), ("a", Failed)])];
    let diff = diff(Some(&previous), &now, at(1, 2));
    assert_eq!(diff.new_failures, [id("api", "a")]);
}

/// A hung suite's stand-in, `<suite>::suite::exit code`, timing out.
fn hung(name: &str) -> SuiteResult {
    SuiteResult {
        tests: vec![TestResult {
            id: TestId::new(name, crate::model::STAND_IN_CLASS, "exit code"),
            suite: name.into(),
            outcome: Outcome::Timeout {
                message: "hung: no output for 4s".into(),
            },
            duration_s: None,
            attempts: 1,
        }],
        ..SuiteResult::for_test(
            name,
            ProcessEnd::Idle {
                after: Duration::from_secs(4),
            },
            vec![],
        )
    }
}

#[test]
fn a_hung_suite_that_runs_again_is_fixed_not_removed() {
    let before = [
        hung("mission-critical"),
        suite("api", exited(0), &[("a", Passed)]),
    ];
    let previous = previous_of(&before, at(1, 3), &BTreeMap::new());
    let now = [
        suite(
            "mission-critical",
            exited(0),
            &[("health", Passed), ("threads", Passed), ("start", Passed)],
        ),
        suite("api", exited(0), &[("a", Passed)]),
    ];
    let diff = diff(Some(&previous), &now, at(1, 4));
    let stand_in = TestId::new("mission-critical", "suite", "exit code");
    assert!(diff.removed.is_empty(), "removed: {:?}", diff.removed);
    assert_eq!(diff.fixed, std::slice::from_ref(&stand_in));
    assert_eq!(diff.added.len(), 3);
    assert_eq!(
        diff.recovered,
        [SuiteRecovery {
            suite: "mission-critical".into(),
            stand_in,
            before: Timeout,
            passed: 3,
            ran: 3,
        }]
    );
    assert_eq!(
        diff.recovered[0].describe(),
        "`mission-critical`: hung → 3/3 passed"
    );
}

#[test]
fn tests_of_a_suite_that_hangs_now_did_not_run_they_were_not_removed() {
    let before = [suite("ws", exited(0), &[("a", Passed), ("b", Failed)])];
    let previous = previous_of(&before, at(1, 1), &BTreeMap::new());
    let diff = diff(Some(&previous), &[hung("ws")], at(1, 2));
    assert!(diff.removed.is_empty());
    assert_eq!(diff.did_not_run, [id("ws", "a"), id("ws", "b")]);
    assert_eq!(diff.new_failures, [TestId::new("ws", "suite", "exit code")]);
    // A suite that is gone altogether still shrinks the battery.
    let diff = super::diff(Some(&previous), &[], at(1, 2));
    assert_eq!(diff.removed, [id("ws", "a"), id("ws", "b")]);
}

#[test]
fn a_test_failing_for_another_reason_is_failing_differently() {
    let failing = |message: &str| SuiteResult {
        tests: vec![TestResult {
            id: id("ws", "events"),
            suite: "ws".into(),
            outcome: Outcome::Failed {
                message: message.into(),
                detail: String::new(),
            },
            duration_s: Some(0.1),
            attempts: 1,
        }],
        ..SuiteResult::for_test("ws", exited(1), vec![])
    };
    let before = [failing(
        "ConnectionClosedError: received 1011 (internal error)",
    )];
    let mut previous = previous_of(&before, at(1, 1), &BTreeMap::new());
    previous.signatures.insert(
        id("ws", "events"),
        crate::cluster::signature("ConnectionClosedError: received 1011 (internal error)"),
    );
    let now = [failing(
        "StreamStalled: event stream stalled after agent_started: no event for 1.5 s",
    )];
    let diff = diff(Some(&previous), &now, at(1, 2));
    assert_eq!(diff.still_failing.len(), 1);
    assert_eq!(
        diff.failing_differently,
        [FailingDifferently {
            id: id("ws", "events"),
            before: "ConnectionClosedError: received 1011 (internal error)".into(),
            after: "StreamStalled: event stream stalled after agent_started: no event for <n> s"
                .into(),
        }]
    );
    // The same failure with other numbers is not "differently".
    let now = [failing(
        "ConnectionClosedError: received 1011 (internal error)",
    )];
    assert!(
        super::diff(Some(&previous), &now, at(1, 2))
            .failing_differently
            .is_empty()
    );
}
