//! One test: its id, its status, and its outcome with the data that belongs to it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The stable identity of a test across iterations: `<suite>::<classname>::<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TestId(String);

impl TestId {
    /// Builds the id of a test in `suite`, collapsing runs of whitespace in each part.
    pub fn new(suite: &str, classname: &str, name: &str) -> Self {
        let parts = [suite, classname, name];
        let mut id = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 4);
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                id.push_str("::");
            }
            // Ids are built for every test of every iteration: copy clean parts as they are.
            if is_collapsed(part) {
                id.push_str(part);
            } else {
                id.push_str(&collapse_whitespace(part));
            }
        }
        Self(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The suite this id belongs to: the part before the first `::`.
    pub fn suite(&self) -> &str {
        self.0.split("::").next().unwrap_or("")
    }

    /// Whether this is the stand-in greenloop adds for `suite` (see [`Self::stand_in_for`]):
    /// a prefix check, cheap enough for every test of a large battery.
    pub fn is_stand_in_of(&self, suite: &str) -> bool {
        self.0
            .strip_prefix(suite)
            .and_then(|rest| rest.strip_prefix("::"))
            .and_then(|rest| rest.strip_prefix(STAND_IN_CLASS))
            .is_some_and(|rest| rest.starts_with("::"))
    }

    /// For a test greenloop adds in a suite's place (`<suite>::suite::exit code`, `…::junit
    /// <file>`: the suite hung, crashed, or its results were broken or missing), the suite.
    pub fn stand_in_for(&self) -> Option<&str> {
        let mut parts = self.0.splitn(3, "::");
        let suite = parts.next()?;
        (parts.next()? == STAND_IN_CLASS).then_some(suite)
    }
}

/// The classname of the tests greenloop adds in a suite's place.
pub const STAND_IN_CLASS: &str = "suite";

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` has no leading, trailing, doubled or non-space whitespace.
fn is_collapsed(text: &str) -> bool {
    let mut previous_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if previous_space || c != ' ' {
                return false;
            }
            previous_space = true;
        } else {
            previous_space = false;
        }
    }
    !previous_space || text.is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_collapse_whitespace_in_each_part() {
        let cases = [
            (
                ("api", "tests.test_x", "test_a[1]"),
                "api::tests.test_x::test_a[1]",
            ),
            (
                ("api", " spaced\tclass ", "name  with   runs"),
                "api::spaced class::name with runs",
            ),
            (("api", "", "x"), "api::::x"),
            (("api", "a b", "\u{a0}nbsp"), "api::a b::nbsp"),
        ];
        for ((suite, class, name), expected) in cases {
            assert_eq!(TestId::new(suite, class, name).as_str(), expected);
        }
    }
}
