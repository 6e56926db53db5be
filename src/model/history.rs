//! What greenloop remembers between iterations, and what it concludes from it: the diff
//! against the previous iteration and failures grouped by error signature.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cause::PriorRootCause;
use super::deployed::PriorFix;
use super::suite::SuiteStatus;
use super::test::{TestId, TestStatus};
use super::verdict::{Totals, Verdict};

/// Loop L, Iteration I. Orders by loop, then iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IterationRef {
    /// The loop's number, from 1.
    #[serde(rename = "loop")]
    pub loop_number: u32,
    /// The iteration's number within its loop, from 1.
    pub iteration: u32,
}

impl fmt::Display for IterationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Loop {} / Iteration {}",
            self.loop_number, self.iteration
        )
    }
}

/// The previous finished iteration of a loop definition, as the diff and clustering need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Previous {
    /// Which iteration it was.
    pub at: Option<IterationRef>,
    /// Its verdict.
    pub verdict: Option<Verdict>,
    /// Its totals.
    pub totals: Totals,
    /// Every test it had.
    pub tests: BTreeMap<TestId, PriorTest>,
    /// Every suite it had, with its status.
    pub suites: BTreeMap<String, SuiteStatus>,
    /// Its failure clusters.
    pub clusters: Vec<PriorCluster>,
    /// Its root causes.
    pub root_causes: Vec<PriorRootCause>,
    /// The error signature of each of its failing tests.
    pub signatures: BTreeMap<TestId, String>,
    /// The revision it deployed, when it recorded one.
    pub revision: Option<String>,
    /// The `[fix]` step that ran after it, when one did.
    pub fix: Option<PriorFix>,
}

/// A test as the previous iteration left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorTest {
    /// Its status then.
    pub status: TestStatus,
    /// When it was failing: the iteration its current run of failures began in.
    pub failing_since: Option<IterationRef>,
}

/// A failure cluster as the previous iteration left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorCluster {
    /// The normalised error signature.
    pub signature: String,
    /// The iteration it first appeared in (in its current unbroken run).
    pub first_seen: IterationRef,
    /// How many tests it held.
    pub count: u32,
}

/// What changed since the previous iteration. Lists hold test ids, sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    /// The iteration compared against; `None` for the first iteration ever.
    pub previous: Option<IterationRef>,
    /// Failing now, not failing (or absent) before.
    pub new_failures: Vec<TestId>,
    /// Failing before, passing (or flaky) now.
    pub fixed: Vec<TestId>,
    /// Failing before and now, with the iteration the failures began in.
    pub still_failing: Vec<StillFailing>,
    /// Failing before and now, with another error signature: "1011 → stream stalled".
    pub failing_differently: Vec<FailingDifferently>,
    /// Suites that hung, crashed or gave no results before and report their own tests now.
    pub recovered: Vec<SuiteRecovery>,
    /// Present now, absent before.
    pub added: Vec<TestId>,
    /// Present before, absent now: deleted, renamed or no longer collected. Not the tests of a
    /// suite that failed as a whole now (see `did_not_run`), nor a suite's stand-in that gave
    /// way to its own tests (see `recovered`).
    pub removed: Vec<TestId>,
    /// Present before, absent now because their suite hung, crashed or gave no results: its
    /// stand-in test fails in their place.
    pub did_not_run: Vec<TestId>,
    /// Flaky now.
    pub flaky: Vec<TestId>,
    /// Suites whose status changed (appeared or disappeared too).
    pub suite_changes: Vec<SuiteChange>,
    /// Pass rate now minus pass rate before, when both exist.
    pub pass_rate_delta: Option<f64>,
}

/// A test failing in both iterations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StillFailing {
    /// The test.
    pub id: TestId,
    /// The iteration its current run of failures began in.
    pub since: IterationRef,
}

/// A test failing in both iterations for another reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingDifferently {
    /// The test.
    pub id: TestId,
    /// Its error signature before.
    pub before: String,
    /// Its error signature now.
    pub after: String,
}

/// A suite whose stand-in test (`<suite>::suite::exit code`: hung, crashed, no results) gave
/// way to the suite's own tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteRecovery {
    /// The suite.
    pub suite: String,
    /// The stand-in test that is gone.
    pub stand_in: TestId,
    /// What the stand-in said before: `timeout`, `error` or `failed`.
    pub before: TestStatus,
    /// The suite's own tests now that passed.
    pub passed: u64,
    /// The suite's own tests now that ran (skips left out).
    pub ran: u64,
}

impl SuiteRecovery {
    /// "`mission-critical`: hung → 3/3 passed".
    pub fn describe(&self) -> String {
        let before = match self.before {
            TestStatus::Timeout => "hung",
            TestStatus::Error => "could not run",
            _ => "failed as a whole",
        };
        format!(
            "`{}`: {before} → {}/{} passed",
            self.suite, self.passed, self.ran
        )
    }
}

/// A suite whose status differs from the previous iteration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuiteChange {
    /// The suite.
    pub suite: String,
    /// Its status before; `None` when it is new.
    pub before: Option<SuiteStatus>,
    /// Its status now; `None` when it is gone.
    pub after: Option<SuiteStatus>,
}

/// Failures that share a normalised error signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// The message with numbers, ids, addresses, ports, paths and times masked.
    pub signature: String,
    /// One real message of the cluster, for the reader.
    pub example: String,
    /// The failing tests, sorted.
    pub tests: Vec<TestId>,
    /// Whether any of them is in a critical suite.
    pub critical: bool,
    /// The iteration this signature first appeared in (in its current unbroken run).
    pub first_seen: IterationRef,
}

/// A cluster of the previous iteration that has no failures now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedCluster {
    /// Its signature.
    pub signature: String,
    /// When it had first appeared.
    pub first_seen: IterationRef,
    /// How many tests it held last time.
    pub count: u32,
}

/// One row of a loop definition's history: enough for `index.md` and `greenloop history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IterationSummary {
    /// Which iteration.
    pub at: IterationRef,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished; `None` while running.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its verdict; `None` while running.
    pub verdict: Option<Verdict>,
    /// What started it.
    pub trigger: String,
    /// Its totals.
    pub totals: Totals,
    /// New failures against the previous iteration.
    pub new_failures: u32,
    /// Tests fixed since the previous iteration.
    pub fixed: u32,
    /// Tests removed since the previous iteration.
    pub removed: u32,
    /// Suites that recovered since the previous iteration, each as
    /// [`SuiteRecovery::describe`] says it.
    pub recovered: Vec<String>,
    /// The report's file stem under `reports/<loop>/`, once written.
    pub report_stem: Option<String>,
}

/// One test in one iteration, for `greenloop history --test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestHistoryRow {
    /// Which iteration.
    pub at: IterationRef,
    /// The test's full id.
    pub id: TestId,
    /// Its status.
    pub status: TestStatus,
    /// Its message, when it did not pass.
    pub message: String,
    /// Seconds, when known.
    pub duration_s: Option<f64>,
}
