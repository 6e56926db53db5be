//! Typed results of an iteration: test outcomes, suite outcomes, verdicts and ids.
//!
//! Every other module speaks these types: the runner and JUnit reader produce them, the
//! reporters consume them. An outcome is an enum carrying its own data, so a "passed" test with a
//! failure message cannot be represented.

mod cause;
mod deployed;
mod history;
mod integrity;
mod iteration;
mod names;
mod process;
mod steps;
mod suite;
mod test;
mod verdict;

pub use cause::{
    Evidence, Fact, FactKind, LogLine, LogText, PriorRootCause, ResolvedRootCause, RootCause,
};
pub use deployed::{Commit, Commits, DeployChange, PriorFix, RunnerVersion, Target};
pub use history::{
    Cluster, Diff, FailingDifferently, IterationRef, IterationSummary, Previous, PriorCluster,
    PriorTest, ResolvedCluster, StillFailing, SuiteChange, SuiteRecovery, TestHistoryRow,
};
pub use integrity::{Finding, FindingKind};
pub use iteration::{Host, Iteration};
pub use names::{InvalidLoopName, LoopName};
pub use process::ProcessEnd;
pub use steps::{
    Collected, DeployKind, DeployOutcome, DeployStatus, Readiness, Revision, ServiceEnd, StepRun,
};
pub use suite::{ProcessRun, ResultSource, SuiteResult, SuiteRun, SuiteStatus};
pub use test::{Outcome, STAND_IN_CLASS, TestId, TestResult, TestStatus, collapse_whitespace};
pub use verdict::{Totals, Verdict};
