//! One probe check: what becomes the test `probe::<probe name>::<check>`.

use crate::model::{Outcome, TestId, TestResult};

/// The suite name every probe test is reported under.
pub const PROBE_SUITE: &str = "probe";

/// One check a probe made, e.g. `status` of an HTTP probe or `event agent_started` of a
/// WebSocket probe.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeCheck {
    /// The check's name within its probe.
    pub check: String,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took, when that means something.
    pub duration_s: Option<f64>,
}

impl ProbeCheck {
    /// The check as a test result of the probe called `probe`.
    pub fn into_test(self, probe: &str) -> TestResult {
        TestResult {
            id: TestId::new(PROBE_SUITE, probe, &self.check),
            suite: PROBE_SUITE.to_owned(),
            outcome: self.outcome,
            duration_s: self.duration_s,
            attempts: 1,
        }
    }
}
