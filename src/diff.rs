//! The diff of an iteration against the previous one: a pure function over results.
//!
//! The report's "what changed" section and the history rows are read off this, so every list
//! answers one question a reader asks ("what broke?", "what did the fix fix?") and a test sits in
//! at most one of the lists that answer the same question.

use std::collections::{BTreeMap, HashMap};

use crate::model::{
    Diff, FailingDifferently, IterationRef, Previous, PriorTest, StillFailing, SuiteChange,
    SuiteRecovery, SuiteResult, SuiteStatus, TestId, TestResult, TestStatus, Totals,
};

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

/// Compares `current` (the iteration `at`) with `previous`, the last finished iteration of the
/// same loop definition, whatever its loop number.
///
/// - A test is failing when its status [`is_failure`](TestStatus::is_failure); `passed` and
///   `flaky` count as passing; `skipped` is neither.
/// - `fixed` holds only tests that now pass (or are flaky). A failing test that is now skipped
///   is in no list, because nothing shows the failure is gone; one that was removed is in
///   `removed` only, because a deleted test is not a fix.
/// - With no previous iteration every list is empty: the first iteration has nothing to compare
///   with, and calling every test "added" would bury the report.
///
/// - A suite's stand-in test (`<suite>::suite::exit code`: it hung, crashed or gave no
///   results) that gives way to the suite's own tests is not removed: when it was failing, the
///   suite `recovered` and the stand-in is `fixed`. The reverse — a suite's tests absent because
///   the suite failed as a whole now — is `did_not_run`, not `removed`: nobody deleted them.
/// - A still-failing test whose error signature changed is also `failing_differently`.
///
/// Every list is sorted by id (suites by name). When an id appears twice in `current`, its worst
/// status counts (failures over skips over passes), so a duplicate cannot hide a failure.
pub fn diff(previous: Option<&Previous>, current: &[SuiteResult], at: IterationRef) -> Diff {
    let Some(previous) = previous else {
        return Diff::default();
    };
    let now = statuses(current);
    let suites = SuitesNow::of(current);
    // The failing result of each failing id, to read the signature of those still failing.
    let failing: HashMap<&TestId, &TestResult> = current
        .iter()
        .flat_map(|s| &s.tests)
        .filter(|t| t.outcome.status().is_failure())
        .map(|t| (&t.id, t))
        .collect();
    let mut diff = Diff {
        previous: previous.at,
        suite_changes: suite_changes(&previous.suites, current),
        pass_rate_delta: pass_rate_delta(&previous.totals, current),
        ..Diff::default()
    };
    // Both sides are sorted by id, so one merge-join pass classifies every test: linear in the
    // size of the battery, which matters at 100,000 tests.
    let mut before = previous.tests.iter().peekable();
    for &(id, status) in &now {
        while let Some((gone, prior)) = before.next_if(|(prior_id, _)| *prior_id < id) {
            gone_now(&mut diff, &suites, gone, prior);
        }
        let prior = before
            .next_if(|(prior_id, _)| *prior_id == id)
            .map(|(_, prior)| prior);
        if prior.is_none() {
            diff.added.push(id.clone());
        }
        if status == TestStatus::Flaky {
            diff.flaky.push(id.clone());
        }
        let was_failing = prior.is_some_and(|t| t.status.is_failure());
        match (was_failing, status.is_failure()) {
            (false, true) => diff.new_failures.push(id.clone()),
            (true, true) => {
                diff.still_failing.push(StillFailing {
                    id: id.clone(),
                    since: since(previous, prior, at),
                });
                let after = crate::cluster::test_key(failing[id]);
                if let Some(before) = previous.signatures.get(id).filter(|b| **b != after) {
                    diff.failing_differently.push(FailingDifferently {
                        id: id.clone(),
                        before: before.clone(),
                        after,
                    });
                }
            }
            (true, false) if status != TestStatus::Skipped => diff.fixed.push(id.clone()),
            _ => {}
        }
    }
    for (gone, prior) in before {
        gone_now(&mut diff, &suites, gone, prior);
    }
    diff.fixed.sort_unstable();
    diff
}

/// What the suites of this iteration say about tests that are gone.
struct SuitesNow<'a> {
    /// Suites that report tests of their own (not only a stand-in), with their own tests'
    /// passes and runs.
    reporting: BTreeMap<&'a str, (u64, u64)>,
    /// Suites whose stand-in test fails now: they hung, crashed or gave no results.
    failed_whole: Vec<&'a str>,
}

impl<'a> SuitesNow<'a> {
    fn of(current: &'a [SuiteResult]) -> Self {
        let mut reporting = BTreeMap::new();
        let mut failed_whole = Vec::new();
        for suite in current {
            let mut own = Totals::default();
            for test in &suite.tests {
                let status = test.outcome.status();
                if !test.id.is_stand_in_of(&suite.name) {
                    own.add(status);
                } else if status.is_failure() && !failed_whole.contains(&suite.name.as_str()) {
                    failed_whole.push(suite.name.as_str());
                }
            }
            if own.total > 0 {
                reporting.insert(suite.name.as_str(), (own.ok(), own.total - own.skipped));
            }
        }
        Self {
            reporting,
            failed_whole,
        }
    }
}

/// Sorts a test of the previous iteration that is absent now: a failing stand-in whose suite
/// reports its own tests again is a recovery (and fixed), a stand-in that passed simply gave
/// way, a test whose suite failed as a whole did not run, anything else was removed.
fn gone_now(diff: &mut Diff, suites: &SuitesNow<'_>, gone: &TestId, prior: &PriorTest) {
    if let Some(suite) = gone.stand_in_for()
        && let Some(&(passed, ran)) = suites.reporting.get(suite)
    {
        if prior.status.is_failure() {
            diff.fixed.push(gone.clone());
            diff.recovered.push(SuiteRecovery {
                suite: suite.to_owned(),
                stand_in: gone.clone(),
                before: prior.status,
                passed,
                ran,
            });
        }
        return;
    }
    if suites.failed_whole.contains(&gone.suite()) {
        diff.did_not_run.push(gone.clone());
    } else {
        diff.removed.push(gone.clone());
    }
}

/// When the current run of failures of the test `id` began, given its `status` in the iteration
/// `at` that `diff` describes; `None` when it is not failing now.
///
/// This is what a store records as the test's `failing_since`, so the next diff can say "still
/// failing since Loop 1 / Iteration 2". A failing test that is not still failing began failing
/// now: that covers new failures and every failure of a first iteration, whose diff is empty.
pub fn failing_since(
    diff: &Diff,
    id: &TestId,
    status: TestStatus,
    at: IterationRef,
) -> Option<IterationRef> {
    if !status.is_failure() {
        return None;
    }
    let still = diff
        .still_failing
        .binary_search_by(|s| s.id.cmp(id))
        .ok()
        .map(|i| diff.still_failing[i].since);
    Some(still.unwrap_or(at))
}

/// Each test's status now, sorted by id; a duplicated id keeps its worst status (`TestStatus`
/// orders passes before skips before failures).
fn statuses(current: &[SuiteResult]) -> Vec<(&TestId, TestStatus)> {
    let mut now: Vec<(&TestId, TestStatus)> = current
        .iter()
        .flat_map(|s| &s.tests)
        .map(|t| (&t.id, t.outcome.status()))
        .collect();
    now.sort_unstable();
    // Sorted by (id, status), the last entry of an id is its worst: keep it in the first slot.
    now.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = kept.1.max(later.1);
        }
        same
    });
    now
}

/// Where a still-failing test's failures began: what the previous iteration recorded, else the
/// previous iteration itself (the earliest we can vouch for), else now. Never later than `at`,
/// so a bad record cannot make a report say a failure began in the future.
fn since(previous: &Previous, prior: Option<&PriorTest>, at: IterationRef) -> IterationRef {
    prior
        .and_then(|t| t.failing_since)
        .or(previous.at)
        .map_or(at, |since| since.min(at))
}

/// Suites whose status differs, including suites that appeared or disappeared.
fn suite_changes(
    before: &BTreeMap<String, SuiteStatus>,
    current: &[SuiteResult],
) -> Vec<SuiteChange> {
    let after: BTreeMap<&str, SuiteStatus> = current
        .iter()
        .map(|s| (s.name.as_str(), s.status()))
        .collect();
    let mut names: Vec<&str> = before.keys().map(String::as_str).collect();
    names.extend(after.keys());
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let before = before.get(name).copied();
            let after = after.get(name).copied();
            (before != after).then(|| SuiteChange {
                suite: name.to_owned(),
                before,
                after,
            })
        })
        .collect()
}

/// Pass rate now minus pass rate before, when both iterations ran something.
fn pass_rate_delta(before: &Totals, current: &[SuiteResult]) -> Option<f64> {
    let now = Totals::count(current.iter().flat_map(|s| &s.tests));
    Some(now.pass_rate()? - before.pass_rate()?)
}
