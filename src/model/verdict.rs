//! Iteration-level judgements: the verdict and the totals.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::test::{TestResult, TestStatus};

/// The verdict of a whole iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every test passed or was skipped and every critical suite passed.
    Green,
    /// The battery ran and something failed.
    Failing,
    /// The battery could not run (deploy failed, config broken).
    Error,
    /// greenloop stopped before the iteration finished.
    Interrupted,
}

impl Verdict {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Failing => "failing",
            Self::Error => "error",
            Self::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts over an iteration's tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Every distinct test.
    pub total: u64,
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Errored.
    pub errors: u64,
    /// Skipped.
    pub skipped: u64,
    /// Killed with a hung suite.
    pub timeouts: u64,
    /// Passed after a retry.
    pub flaky: u64,
}

impl Totals {
    /// Counts the statuses of `tests`.
    pub fn count<'a>(tests: impl IntoIterator<Item = &'a TestResult>) -> Self {
        let mut totals = Self::default();
        for test in tests {
            totals.add(test.outcome.status());
        }
        totals
    }

    /// Adds one test of `status`.
    pub fn add(&mut self, status: TestStatus) {
        self.total += 1;
        let slot = match status {
            TestStatus::Passed => &mut self.passed,
            TestStatus::Flaky => &mut self.flaky,
            TestStatus::Skipped => &mut self.skipped,
            TestStatus::Failed => &mut self.failed,
            TestStatus::Error => &mut self.errors,
            TestStatus::Timeout => &mut self.timeouts,
        };
        *slot += 1;
    }

    /// Tests that did not fail.
    pub fn ok(&self) -> u64 {
        self.passed + self.flaky
    }

    /// Tests that count against the iteration.
    pub fn failures(&self) -> u64 {
        self.failed + self.errors + self.timeouts
    }

    /// Passed (and flaky) over tests that ran (skips excluded); `None` when nothing ran.
    pub fn pass_rate(&self) -> Option<f64> {
        let ran = self.total - self.skipped;
        (ran > 0).then(|| self.ok() as f64 / ran as f64)
    }
}
