//! Folding several `<testcase>` entries with the same key into one test.
//!
//! The same key twice is one test (pytest's call-failure-plus-teardown-error double entry,
//! xdist, rerun plugins writing one entry per attempt, Surefire `TEST-*.xml` from reruns).
//! Entries are attempts in the order they were read (document order; across files, the files'
//! sorted order). The rule:
//!
//! - the test is **flaky** when its last attempt passed (or was itself flaky, with retry
//!   markers like `<flakyFailure>`) after a failing one: it failed, then passed on a retry;
//! - it **fails** with its worst failing attempt when a failure comes after its last pass —
//!   passing first and failing later is a failure, never flaky;
//! - only failing attempts keep the worst of them; skipped entries count only when nothing else
//!   ran.
//!
//! A key seen in several entries with no retry markers is named in a finding, unless every
//! entry failed (pytest's double entry for a call failure and a teardown error): a duplicate
//! id with a pass among its entries is worth a reader's doubt.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use crate::model::Outcome;

use super::run::JunitCase;

/// Collects entries and merges those that share a key, keeping first-seen order.
#[derive(Debug, Default)]
pub(crate) struct Merger {
    tests: Vec<Attempts>,
    /// Duplicates named by the mergers absorbed into this one.
    absorbed_duplicates: Vec<String>,
    /// Key hash to the tests with that hash; hashing borrowed strings avoids cloning every key.
    index: HashMap<u64, Slots>,
    hasher: RandomState,
}

/// The tests whose keys share one hash; almost always exactly one.
#[derive(Debug)]
enum Slots {
    One(usize),
    Many(Vec<usize>),
}

/// Everything seen for one key so far.
#[derive(Debug)]
struct Attempts {
    classname: String,
    name: String,
    /// Failing attempts, counting retries recorded inside entries.
    failing: u32,
    /// The first failure's message, for a flaky verdict.
    first_failure: Option<String>,
    /// The worst failing entry's outcome (error over failure; first wins a tie).
    worst_failing: Option<Outcome>,
    /// Whether any attempt passed.
    passed: bool,
    /// Whether the latest attempt that ran (not skipped) passed.
    last_passed: bool,
    /// Entries read for this key.
    entries: u32,
    /// Whether an entry carried retry markers (a flaky outcome, or reruns inside it).
    retry_marked: bool,
    /// The first skipped entry.
    skipped: Option<Outcome>,
    duration_s: Option<f64>,
    attempts: u32,
}

impl Merger {
    /// Adds one entry. Entries with an empty name are never merged: they have no identity,
    /// and folding unrelated nameless cases together would hide failures among them.
    pub(crate) fn push(&mut self, case: JunitCase) {
        if case.name.is_empty() {
            self.push_new(case);
            return;
        }
        let hash = self.hasher.hash_one((&case.classname, &case.name));
        let tests = &self.tests;
        let same = |&i: &usize| tests[i].classname == case.classname && tests[i].name == case.name;
        let found = match self.index.get(&hash) {
            Some(Slots::One(i)) => Some(*i).filter(same),
            Some(Slots::Many(all)) => all.iter().copied().find(same),
            None => None,
        };
        if let Some(i) = found {
            self.tests[i].add(case);
            return;
        }
        let i = self.push_new(case);
        match self.index.get_mut(&hash) {
            None => {
                self.index.insert(hash, Slots::One(i));
            }
            Some(Slots::Many(all)) => all.push(i),
            Some(slot @ Slots::One(_)) => {
                if let Slots::One(first) = *slot {
                    *slot = Slots::Many(vec![first, i]);
                }
            }
        }
    }

    /// Starts a new test from `case` and returns its position.
    fn push_new(&mut self, mut case: JunitCase) -> usize {
        let classname = std::mem::take(&mut case.classname);
        let name = std::mem::take(&mut case.name);
        let mut attempts = Attempts::new(classname, name);
        attempts.add(case);
        self.tests.push(attempts);
        self.tests.len() - 1
    }

    /// Adds every test another merger collected, as if its entries had been pushed here.
    pub(crate) fn absorb(&mut self, other: Self) {
        let (cases, duplicates) = other.finish();
        self.absorbed_duplicates.extend(duplicates);
        for case in cases {
            self.push(case);
        }
    }

    /// The distinct tests, in the order their keys first appeared, and the keys
    /// (`classname::name`) seen in several entries without retry markers and not all failing.
    pub(crate) fn finish(self) -> (Vec<JunitCase>, Vec<String>) {
        let mut duplicates = self.absorbed_duplicates;
        for test in &self.tests {
            let doubtful = test.entries > 1 && !test.retry_marked && test.passed;
            let key = format!("{}::{}", test.classname, test.name);
            if doubtful && !duplicates.contains(&key) {
                duplicates.push(key);
            }
        }
        let cases = self.tests.into_iter().map(Attempts::finish).collect();
        (cases, duplicates)
    }
}

/// The finding that names duplicate ids, when there are any.
pub(crate) fn duplicates_finding(duplicates: &[String]) -> Option<String> {
    const SHOWN: usize = 10;
    if duplicates.is_empty() {
        return None;
    }
    let mut listed: Vec<String> = duplicates
        .iter()
        .take(SHOWN)
        .map(|d| format!("`{d}`"))
        .collect();
    if duplicates.len() > SHOWN {
        listed.push(format!("and {} more", duplicates.len() - SHOWN));
    }
    Some(format!(
        "{} test id{} appear{} more than once with no retry markers, so each counts by its last attempt (a failure after a pass is a failure): {}",
        duplicates.len(),
        if duplicates.len() == 1 { "" } else { "s" },
        if duplicates.len() == 1 { "s" } else { "" },
        listed.join(", ")
    ))
}

impl Attempts {
    fn new(classname: String, name: String) -> Self {
        Self {
            classname,
            name,
            failing: 0,
            first_failure: None,
            worst_failing: None,
            passed: false,
            last_passed: false,
            entries: 0,
            retry_marked: false,
            skipped: None,
            duration_s: None,
            attempts: 0,
        }
    }

    fn add(&mut self, case: JunitCase) {
        self.entries = self.entries.saturating_add(1);
        self.retry_marked |= case.attempts > 1 || matches!(case.outcome, Outcome::Flaky { .. });
        self.attempts = self.attempts.saturating_add(case.attempts);
        if let Some(d) = case.duration_s {
            self.duration_s = Some(self.duration_s.unwrap_or(0.0) + d);
        }
        match case.outcome {
            Outcome::Passed => {
                self.passed = true;
                self.last_passed = true;
            }
            Outcome::Flaky { failures, message } => {
                self.passed = true;
                self.last_passed = true;
                self.failing = self.failing.saturating_add(failures);
                self.first_failure.get_or_insert(message);
            }
            Outcome::Skipped { .. } => {
                if self.skipped.is_none() {
                    self.skipped = Some(case.outcome);
                }
            }
            Outcome::Failed { .. } | Outcome::Error { .. } | Outcome::Timeout { .. } => {
                self.last_passed = false;
                self.failing = self.failing.saturating_add(case.attempts);
                self.first_failure
                    .get_or_insert_with(|| case.outcome.message().to_owned());
                let worse = self
                    .worst_failing
                    .as_ref()
                    .is_none_or(|w| case.outcome.status() > w.status());
                if worse {
                    self.worst_failing = Some(case.outcome);
                }
            }
        }
    }

    fn finish(self) -> JunitCase {
        let outcome = match (self.passed, self.worst_failing, self.skipped) {
            // Passed last after failing: a retry that passed.
            (true, _, _) if self.failing > 0 && self.last_passed => Outcome::Flaky {
                failures: self.failing,
                message: self.first_failure.unwrap_or_default(),
            },
            (true, None, _) => Outcome::Passed,
            // A failure after the last pass.
            (_, Some(worst), _) => worst,
            (false, None, Some(skipped)) => skipped,
            (false, None, None) => Outcome::Passed,
        };
        JunitCase {
            classname: self.classname,
            name: self.name,
            outcome,
            duration_s: self.duration_s,
            attempts: self.attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TestStatus;

    fn case(name: &str, outcome: Outcome, duration_s: Option<f64>) -> JunitCase {
        JunitCase {
            classname: "tests.test_api".into(),
            name: name.into(),
            outcome,
            duration_s,
            attempts: 1,
        }
    }

    fn failed(message: &str) -> Outcome {
        Outcome::Failed {
            message: message.into(),
            detail: String::new(),
        }
    }

    fn error(message: &str) -> Outcome {
        Outcome::Error {
            message: message.into(),
            detail: String::new(),
        }
    }

    fn merge(cases: Vec<JunitCase>) -> Vec<JunitCase> {
        merge_with_duplicates(cases).0
    }

    fn merge_with_duplicates(cases: Vec<JunitCase>) -> (Vec<JunitCase>, Vec<String>) {
        let mut merger = Merger::default();
        for c in cases {
            merger.push(c);
        }
        merger.finish()
    }

    #[test]
    fn failed_twice_then_passed_is_flaky_with_two_failures() {
        let merged = merge(vec![
            case("test_a", failed("first"), Some(1.0)),
            case("test_a", failed("second"), Some(2.0)),
            case("test_a", Outcome::Passed, None),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            merged[0].outcome,
            Outcome::Flaky {
                failures: 2,
                message: "first".into()
            }
        );
        assert_eq!(merged[0].attempts, 3);
        assert_eq!(merged[0].duration_s, Some(3.0));
    }

    #[test]
    fn passed_then_failed_is_a_failure_not_flaky() {
        let merged = merge(vec![
            case("test_a", Outcome::Passed, Some(1.0)),
            case("test_a", failed("broke on the second run"), Some(1.0)),
        ]);
        assert_eq!(merged[0].outcome, failed("broke on the second run"));
        let merged = merge(vec![
            case("test_a", failed("first"), None),
            case("test_a", Outcome::Passed, None),
            case("test_a", failed("third"), None),
        ]);
        assert_eq!(merged[0].outcome.status(), TestStatus::Failed);
    }

    #[test]
    fn unmarked_duplicates_with_a_pass_are_named_and_marked_retries_are_not() {
        let (_, duplicates) = merge_with_duplicates(vec![
            case("test_a", Outcome::Passed, None),
            case("test_a", failed("x"), None),
            case("test_b", failed("call"), None),
            case("test_b", error("teardown"), None),
            case(
                "test_c",
                Outcome::Flaky {
                    failures: 1,
                    message: "retried".into(),
                },
                None,
            ),
            case("test_d", Outcome::Passed, None),
            case("test_d", Outcome::Passed, None),
        ]);
        assert_eq!(
            duplicates,
            ["tests.test_api::test_a", "tests.test_api::test_d"]
        );
        assert_eq!(
            duplicates_finding(&duplicates).unwrap(),
            "2 test ids appear more than once with no retry markers, so each counts by its last attempt (a failure after a pass is a failure): `tests.test_api::test_a`, `tests.test_api::test_d`"
        );
    }

    #[test]
    fn pytest_double_entry_keeps_the_worst_failure() {
        let merged = merge(vec![
            case("test_a", failed("assert 1 == 2"), Some(0.5)),
            case("test_a", error("teardown failed"), Some(0.1)),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].outcome, error("teardown failed"));
        assert_eq!(merged[0].attempts, 2);
    }

    #[test]
    fn order_of_first_appearance_is_kept_and_distinct_keys_stay_apart() {
        let merged = merge(vec![
            case("test_b", Outcome::Passed, None),
            case("test_a", Outcome::Passed, None),
            case("test_b", Outcome::Passed, None),
        ]);
        let names: Vec<&str> = merged.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["test_b", "test_a"]);
        assert_eq!(merged[0].attempts, 2);
        assert_eq!(merged[0].outcome, Outcome::Passed);
    }

    #[test]
    fn a_skip_does_not_hide_a_run() {
        let skipped = Outcome::Skipped {
            message: "later".into(),
            kind: None,
        };
        let merged = merge(vec![
            case("test_a", skipped.clone(), None),
            case("test_a", failed("x"), None),
        ]);
        assert_eq!(merged[0].outcome.status(), TestStatus::Failed);
        let merged = merge(vec![case("test_a", skipped.clone(), None)]);
        assert_eq!(merged[0].outcome, skipped);
    }

    #[test]
    fn nameless_entries_are_not_merged() {
        let merged = merge(vec![
            case("", Outcome::Passed, None),
            case("", failed("x"), None),
        ]);
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn undefined_durations_stay_unknown() {
        let merged = merge(vec![
            case("t", Outcome::Passed, None),
            case("t", Outcome::Passed, None),
        ]);
        assert_eq!(merged[0].duration_s, None);
    }
}
