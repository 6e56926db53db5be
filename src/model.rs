//! Typed results of an iteration: test outcomes, suite outcomes, verdicts and ids.
//!
//! Every other module speaks these types: the runner and JUnit reader produce them, the
//! reporters consume them. An outcome is an enum carrying its own data, so a "passed" test with a
//! failure message cannot be represented.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The stable identity of a test across iterations: `<suite>::<classname>::<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TestId(String);

impl TestId {
    /// Builds the id of a test in `suite`, collapsing runs of whitespace in each part.
    pub fn new(suite: &str, classname: &str, name: &str) -> Self {
        Self(format!(
            "{}::{}::{}",
            collapse_whitespace(suite),
            collapse_whitespace(classname),
            collapse_whitespace(name)
        ))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims and folds every run of whitespace into one space.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The status of one test, as written in reports and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    /// The test passed.
    Passed,
    /// The test passed only after a failed attempt.
    Flaky,
    /// The test was skipped.
    Skipped,
    /// An assertion failed.
    Failed,
    /// The test could not run properly (setup error, collection error, crash).
    Error,
    /// Its suite hung and was killed.
    Timeout,
}

impl TestStatus {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Flaky => "flaky",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
            Self::Error => "error",
            Self::Timeout => "timeout",
        }
    }

    /// Whether this status counts against the iteration.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Error | Self::Timeout)
    }
}

impl fmt::Display for TestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one test, with the data that belongs to that outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The test passed.
    Passed,
    /// The test passed after `failures` failed attempts; `message` is from the first failure.
    Flaky { failures: u32, message: String },
    /// The test was skipped; `kind` keeps the producer's type (`pytest.xfail`, …).
    Skipped {
        message: String,
        kind: Option<String>,
    },
    /// An assertion failed.
    Failed { message: String, detail: String },
    /// The test errored outside its assertions.
    Error { message: String, detail: String },
    /// The test's suite was killed for hanging.
    Timeout { message: String },
}

impl Outcome {
    /// The status this outcome reports as.
    pub fn status(&self) -> TestStatus {
        match self {
            Self::Passed => TestStatus::Passed,
            Self::Flaky { .. } => TestStatus::Flaky,
            Self::Skipped { .. } => TestStatus::Skipped,
            Self::Failed { .. } => TestStatus::Failed,
            Self::Error { .. } => TestStatus::Error,
            Self::Timeout { .. } => TestStatus::Timeout,
        }
    }

    /// The one-line message of a non-passing outcome; empty for a pass.
    pub fn message(&self) -> &str {
        match self {
            Self::Passed => "",
            Self::Flaky { message, .. }
            | Self::Skipped { message, .. }
            | Self::Failed { message, .. }
            | Self::Error { message, .. }
            | Self::Timeout { message } => message,
        }
    }

    /// The longer text (traceback) of a failure or error; empty otherwise.
    pub fn detail(&self) -> &str {
        match self {
            Self::Failed { detail, .. } | Self::Error { detail, .. } => detail,
            _ => "",
        }
    }
}

/// One test's result in an iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// `<suite>::<classname>::<name>`.
    pub id: TestId,
    /// The suite (or `probe`) it belongs to.
    pub suite: String,
    /// What happened.
    pub outcome: Outcome,
    /// Seconds the producer reported; `None` when it did not say.
    pub duration_s: Option<f64>,
    /// How many times the test ran in this iteration (reruns, duplicate entries).
    pub attempts: u32,
}

/// How a suite's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessEnd {
    /// The process exited by itself with this code.
    Exited(i32),
    /// The process was ended by a signal it did not get from greenloop.
    Signaled(i32),
    /// The whole-suite `timeout` passed and greenloop killed the process group.
    TimedOut { after: Duration },
    /// No output arrived for `idle_timeout` and greenloop killed the process group.
    Idle { after: Duration },
    /// greenloop was asked to stop and killed the process group.
    Cancelled,
}

impl ProcessEnd {
    /// Whether the process exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Exited(0))
    }

    /// Whether greenloop killed the process for hanging.
    pub fn is_hang(&self) -> bool {
        matches!(self, Self::TimedOut { .. } | Self::Idle { .. })
    }

    /// A short human description, e.g. "exited with code 1".
    pub fn describe(&self) -> String {
        match self {
            Self::Exited(code) => format!("exited with code {code}"),
            Self::Signaled(signal) => format!("killed by signal {signal}"),
            Self::TimedOut { after } => {
                format!("timed out after {}", humantime::format_duration(*after))
            }
            Self::Idle { after } => {
                format!("hung: no output for {}", humantime::format_duration(*after))
            }
            Self::Cancelled => "interrupted".to_owned(),
        }
    }
}

/// The verdict of a whole iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
