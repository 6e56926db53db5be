//! Integrity findings: reasons a reader should not take an iteration's numbers at face value.

use serde::Serialize;

/// What kind of doubt a finding raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A suite ran and reported no test at all.
    NoTests,
    /// Tests that reported 0.00 s: did they really run?
    ZeroDuration,
    /// A JUnit file's declared counts disagree with its test cases.
    CountMismatch,
    /// A suite hung and was killed.
    Hang,
    /// A suite's results could not be read (broken or missing JUnit, exit code disagreeing).
    BrokenResults,
    /// Something about the results file itself (odd times, lossy decoding, stale files).
    ResultsNote,
    /// A suite's output was so large that its middle was cut from the log.
    OutputCut,
    /// A suite left a process behind that held its output open.
    LeakedProcess,
    /// The battery ran no test at all.
    EmptyBattery,
    /// Tests or suites disappeared since the previous iteration.
    BatteryShrank,
    /// Many more tests were skipped than in the previous iteration.
    SkipJump,
}

/// One reason to doubt an iteration's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// The suite it is about, when it is about one.
    pub suite: Option<String>,
    /// A sentence for the report.
    pub message: String,
}
