//! Properties of the diff, checked against set arithmetic over random iterations drawn from a
//! small id space so that tests overlap, vanish and appear.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::select;

use super::tests::{at, id, previous_of, suite};
use super::*;
use crate::model::ProcessEnd;

/// Test statuses by `(suite, test)`, the shape both iterations are drawn in.
type Statuses = BTreeMap<(u8, u8), TestStatus>;

fn statuses_strategy() -> impl Strategy<Value = Statuses> {
    let status = select(vec![
        TestStatus::Passed,
        TestStatus::Flaky,
        TestStatus::Skipped,
        TestStatus::Failed,
        TestStatus::Error,
        TestStatus::Timeout,
    ]);
    proptest::collection::btree_map((0u8..3, 0u8..5), status, 0..15)
}

/// When each previously failing test began failing: never after the previous iteration, (2, 3).
fn since_strategy() -> impl Strategy<Value = BTreeMap<(u8, u8), IterationRef>> {
    let since = (1u32..=2, 1u32..=3).prop_map(|(l, i)| at(l, i));
    proptest::collection::btree_map((0u8..3, 0u8..5), since, 0..15)
}

const PREVIOUS_AT: IterationRef = IterationRef {
    loop_number: 2,
    iteration: 3,
};

fn now_strategy() -> impl Strategy<Value = IterationRef> {
    select(vec![at(2, 4), at(3, 1)])
}

fn test_id(&(s, t): &(u8, u8)) -> TestId {
    id(&format!("s{s}"), &format!("t{t}"))
}

/// The suites of one iteration; a suite flagged in `hung` was killed, so suite statuses vary too.
fn suites(statuses: &Statuses, hung: &[bool]) -> Vec<SuiteResult> {
    (0u8..3)
        .filter(|&s| statuses.keys().any(|&(suite, _)| suite == s))
        .map(|s| {
            let names: Vec<(String, TestStatus)> = statuses
                .iter()
                .filter(|((suite, _), _)| *suite == s)
                .map(|(&(_, t), &status)| (format!("t{t}"), status))
                .collect();
            let tests: Vec<(&str, TestStatus)> =
                names.iter().map(|(n, st)| (n.as_str(), *st)).collect();
            let end = if hung[usize::from(s)] {
                ProcessEnd::Idle {
                    after: std::time::Duration::from_secs(60),
                }
            } else {
                ProcessEnd::Exited(0)
            };
            suite(&format!("s{s}"), end, &tests)
        })
        .collect()
}

fn ids_where(statuses: &Statuses, keep: impl Fn(TestStatus) -> bool) -> BTreeSet<TestId> {
    statuses
        .iter()
        .filter(|(_, s)| keep(**s))
        .map(|(k, _)| test_id(k))
        .collect()
}

fn set(ids: &[TestId]) -> BTreeSet<TestId> {
    ids.iter().cloned().collect()
}

fn strictly_sorted(ids: impl IntoIterator<Item = TestId>) -> bool {
    let ids: Vec<TestId> = ids.into_iter().collect();
    ids.windows(2).all(|w| w[0] < w[1])
}

#[derive(Debug)]
struct Case {
    before: Statuses,
    now: Statuses,
    previous: Previous,
    current: Vec<SuiteResult>,
    at: IterationRef,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        statuses_strategy(),
        statuses_strategy(),
        since_strategy(),
        proptest::collection::vec(any::<bool>(), 6),
        now_strategy(),
    )
        .prop_map(|(before, now, since, hung, at)| {
            let since = since.iter().map(|(k, v)| (test_id(k), *v)).collect();
            let previous = previous_of(&suites(&before, &hung[..3]), PREVIOUS_AT, &since);
            let current = suites(&now, &hung[3..]);
            Case {
                before,
                now,
                previous,
                current,
                at,
            }
        })
}

proptest! {
    #[test]
    fn the_diff_rebuilds_the_failing_set(case in case_strategy()) {
        let d = diff(Some(&case.previous), &case.current, case.at);
        let failing_before = ids_where(&case.before, TestStatus::is_failure);
        let failing_now = ids_where(&case.now, TestStatus::is_failure);
        let skipped_now = ids_where(&case.now, |s| s == TestStatus::Skipped);
        let still: BTreeSet<TestId> = d.still_failing.iter().map(|s| s.id.clone()).collect();

        // Forward: the failing set before, minus what left it, plus what joined it.
        let rebuilt: BTreeSet<TestId> = failing_before
            .iter()
            .filter(|id| !set(&d.fixed).contains(*id) && !set(&d.removed).contains(*id))
            .filter(|id| !skipped_now.contains(*id))
            .chain(&d.new_failures)
            .cloned()
            .collect();
        prop_assert_eq!(&rebuilt, &failing_now);

        // Backward: every failure before is accounted for by exactly one fate.
        let removed_failing: BTreeSet<TestId> =
            set(&d.removed).intersection(&failing_before).cloned().collect();
        let skipped_failing: BTreeSet<TestId> =
            skipped_now.intersection(&failing_before).cloned().collect();
        let fates = [set(&d.fixed), still.clone(), removed_failing, skipped_failing];
        prop_assert_eq!(fates.iter().map(BTreeSet::len).sum::<usize>(), failing_before.len());
        prop_assert_eq!(fates.iter().flatten().cloned().collect::<BTreeSet<_>>(), failing_before);
    }

    #[test]
    fn the_lists_are_sorted_disjoint_and_honest(case in case_strategy()) {
        let d = diff(Some(&case.previous), &case.current, case.at);
        let before = ids_where(&case.before, |_| true);
        let now = ids_where(&case.now, |_| true);
        let passing_now = ids_where(&case.now, |s| matches!(s, TestStatus::Passed | TestStatus::Flaky));
        let still: Vec<TestId> = d.still_failing.iter().map(|s| s.id.clone()).collect();

        for list in [&d.new_failures, &d.fixed, &still, &d.added, &d.removed, &d.flaky] {
            prop_assert!(strictly_sorted(list.iter().cloned()));
        }
        prop_assert!(d.suite_changes.windows(2).all(|w| w[0].suite < w[1].suite));

        let (new, fixed, still) = (set(&d.new_failures), set(&d.fixed), set(&still));
        prop_assert!(new.is_disjoint(&fixed) && new.is_disjoint(&still) && fixed.is_disjoint(&still));
        prop_assert!(fixed.is_subset(&passing_now), "fixed means it passes now");
        prop_assert_eq!(set(&d.added), now.difference(&before).cloned().collect::<BTreeSet<_>>());
        prop_assert_eq!(set(&d.removed), before.difference(&now).cloned().collect::<BTreeSet<_>>());
        prop_assert_eq!(set(&d.flaky), ids_where(&case.now, |s| s == TestStatus::Flaky));

        for s in &d.still_failing {
            prop_assert!(s.since <= case.at);
            prop_assert_eq!(Some(s.since), case.previous.tests[&s.id].failing_since);
        }
        for (key, &status) in &case.now {
            let id = test_id(key);
            let since = failing_since(&d, &id, status, case.at);
            prop_assert_eq!(since.is_some(), status.is_failure());
            prop_assert_eq!(since == Some(case.at), new.contains(&id), "only a new failure begins now");
        }
    }

    #[test]
    fn suite_changes_are_exactly_the_suites_whose_status_differs(case in case_strategy()) {
        let d = diff(Some(&case.previous), &case.current, case.at);
        let now: BTreeMap<&str, SuiteStatus> =
            case.current.iter().map(|s| (s.name.as_str(), s.status())).collect();
        for name in case.previous.suites.keys().map(String::as_str).chain(now.keys().copied()) {
            let before = case.previous.suites.get(name).copied();
            let after = now.get(name).copied();
            let change = d.suite_changes.iter().find(|c| c.suite == name);
            match change {
                Some(c) => prop_assert_eq!((c.before, c.after), (before, after)),
                None => prop_assert_eq!(before, after),
            }
        }
    }

    #[test]
    fn an_iteration_against_itself_changes_nothing(case in case_strategy()) {
        let previous = previous_of(&case.current, PREVIOUS_AT, &BTreeMap::new());
        let d = diff(Some(&previous), &case.current, case.at);
        prop_assert!(d.new_failures.is_empty() && d.fixed.is_empty());
        prop_assert!(d.added.is_empty() && d.removed.is_empty() && d.suite_changes.is_empty());
        let still: BTreeSet<TestId> = d.still_failing.iter().map(|s| s.id.clone()).collect();
        prop_assert_eq!(still, ids_where(&case.now, TestStatus::is_failure));
        prop_assert!(d.still_failing.iter().all(|s| s.since == PREVIOUS_AT));
        let ran = case.now.values().any(|&s| s != TestStatus::Skipped);
        prop_assert_eq!(d.pass_rate_delta, ran.then_some(0.0));
    }

    #[test]
    fn the_first_iteration_has_nothing_to_say(case in case_strategy()) {
        prop_assert_eq!(diff(None, &case.current, case.at), Diff::default());
    }
}
