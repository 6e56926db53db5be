//! One suite's run: how its process went, where its results came from, and its tests.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::integrity::Finding;
use super::process::ProcessEnd;
use super::test::{TestResult, TestStatus};

/// The status of a suite as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuiteStatus {
    /// Every test passed or was skipped.
    Passed,
    /// At least one test failed.
    Failed,
    /// The suite could not run properly: it did not start, crashed, or its results are broken.
    Error,
    /// It hung and was killed.
    Timeout,
    /// greenloop stopped it.
    Interrupted,
}

impl SuiteStatus {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Error => "error",
            Self::Timeout => "timeout",
            Self::Interrupted => "interrupted",
        }
    }
}

/// How the suite's process went.
#[derive(Debug, Clone, PartialEq)]
pub enum SuiteRun {
    /// The command could not be started.
    NotStarted {
        /// Why, e.g. "failed to start `pytst`: program not found".
        reason: String,
    },
    /// The command ran.
    Ran(ProcessRun),
    /// Nothing ran: the results were imported from existing JUnit files.
    Imported,
    /// greenloop's own probes ran, no process.
    Builtin {
        /// From the first probe's start to the last one's end.
        duration: Duration,
    },
}

/// What the process supervisor measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessRun {
    /// How it ended.
    pub end: ProcessEnd,
    /// Wall time.
    pub duration: Duration,
    /// Peak resident memory of the process and the children it waited for.
    pub peak_rss_bytes: Option<u64>,
    /// Everything it wrote to stdout and stderr.
    pub output_bytes: u64,
    /// Output not kept in the log (the middle of a flood).
    pub cut_bytes: u64,
    /// A process it left behind kept its output open after it exited.
    pub leaked_output: bool,
    /// The end of its output, redacted.
    pub tail: String,
}

/// Where a suite's test results came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultSource {
    /// JUnit XML files (paths relative to the root).
    Junit(Vec<PathBuf>),
    /// No JUnit: the suite is one test whose status is its exit code.
    ExitCode,
    /// Nothing ran.
    NotRun,
    /// greenloop's built-in probes.
    Probes,
}

/// One suite's complete result.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteResult {
    /// Its name in the loop file.
    pub name: String,
    /// Whether it must pass for green.
    pub critical: bool,
    /// What its failure means for users.
    pub impact: Option<String>,
    /// The command as run, secrets masked.
    pub command: Vec<String>,
    /// How the process went.
    pub run: SuiteRun,
    /// Where the results came from.
    pub source: ResultSource,
    /// The count of tests its JUnit declared, when it declared one.
    pub declared_tests: Option<u64>,
    /// Its captured output, relative to the loop's report directory.
    pub log: Option<PathBuf>,
    /// Its tests.
    pub tests: Vec<TestResult>,
    /// What greenloop noticed while reading its results (broken files, odd times, stale files).
    pub notes: Vec<Finding>,
}

impl SuiteResult {
    /// The suite's status, derived from how it ran and its tests.
    pub fn status(&self) -> SuiteStatus {
        match &self.run {
            SuiteRun::NotStarted { .. } => return SuiteStatus::Error,
            SuiteRun::Ran(process) => match process.end {
                ProcessEnd::Cancelled => return SuiteStatus::Interrupted,
                ProcessEnd::TimedOut { .. } | ProcessEnd::Idle { .. } => {
                    return SuiteStatus::Timeout;
                }
                _ => {}
            },
            SuiteRun::Imported | SuiteRun::Builtin { .. } => {}
        }
        let statuses = || self.tests.iter().map(|t| t.outcome.status());
        if statuses().any(|s| s == TestStatus::Failed) {
            SuiteStatus::Failed
        } else if statuses().any(TestStatus::is_failure) {
            SuiteStatus::Error
        } else {
            SuiteStatus::Passed
        }
    }

    /// Wall time, zero when no process ran.
    pub fn duration(&self) -> Duration {
        match &self.run {
            SuiteRun::Builtin { duration } => *duration,
            _ => self.process().map_or(Duration::ZERO, |p| p.duration),
        }
    }

    /// What the process supervisor measured, when a process ran.
    pub fn process(&self) -> Option<&ProcessRun> {
        match &self.run {
            SuiteRun::Ran(process) => Some(process),
            SuiteRun::NotStarted { .. } | SuiteRun::Imported | SuiteRun::Builtin { .. } => None,
        }
    }
}

#[cfg(test)]
impl SuiteResult {
    /// A non-critical suite that ran to `end` with one test per `(outcome, duration)`, for
    /// unit tests of the pure functions over results.
    pub(crate) fn for_test(
        name: &str,
        end: ProcessEnd,
        tests: Vec<(super::test::Outcome, f64)>,
    ) -> Self {
        Self {
            name: name.into(),
            critical: false,
            impact: None,
            command: vec![],
            run: SuiteRun::Ran(ProcessRun {
                end,
                duration: Duration::from_secs(1),
                peak_rss_bytes: None,
                output_bytes: 0,
                cut_bytes: 0,
                leaked_output: false,
                tail: String::new(),
            }),
            source: ResultSource::Junit(vec![]),
            declared_tests: None,
            log: None,
            tests: tests
                .into_iter()
                .enumerate()
                .map(|(i, (outcome, duration))| TestResult {
                    id: super::test::TestId::new(name, "c", &i.to_string()),
                    suite: name.into(),
                    outcome,
                    duration_s: Some(duration),
                    attempts: 1,
                })
                .collect(),
            notes: vec![],
        }
    }
}
