//! What reading JUnit yields: distinct cases, the producer's own counts, and integrity findings.

use crate::model::{Outcome, Totals};

/// One distinct test from one or more JUnit files.
#[derive(Debug, Clone, PartialEq)]
pub struct JunitCase {
    /// The identity classname (see `identity`), whitespace-collapsed; may be empty.
    pub classname: String,
    /// The test's name, whitespace-collapsed (pytest's parametrize id stays in it).
    pub name: String,
    /// What happened, after merging every attempt of this test.
    pub outcome: Outcome,
    /// Seconds summed over every attempt that reported a usable time; `None` when none did.
    pub duration_s: Option<f64>,
    /// `<testcase>` entries for this key plus the retries recorded inside them.
    pub attempts: u32,
}

/// The counts a producer declared on its top-level element; only used to warn on mismatch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeclaredCounts {
    /// `tests`.
    pub tests: Option<u64>,
    /// `failures`.
    pub failures: Option<u64>,
    /// `errors`.
    pub errors: Option<u64>,
    /// `skipped`.
    pub skipped: Option<u64>,
}

impl DeclaredCounts {
    /// Adds another file's declaration, field by field; a field stays `None` only if both are.
    pub fn add(&mut self, other: &Self) {
        fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            }
        }
        self.tests = sum(self.tests, other.tests);
        self.failures = sum(self.failures, other.failures);
        self.errors = sum(self.errors, other.errors);
        self.skipped = sum(self.skipped, other.skipped);
    }
}

/// Result of reading: distinct cases in document order, the producer's declared counts
/// (top-level), and integrity findings as human sentences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JunitRun {
    /// Distinct tests in the order each key first appeared.
    pub cases: Vec<JunitCase>,
    /// What the producer claimed; never used for the verdict.
    pub declared: DeclaredCounts,
    /// Things a reader should know: count mismatches, bad times, lossy decoding, unnamed cases.
    pub findings: Vec<String>,
    /// The test runners the suite-level properties name, each once, e.g. `go1.22.1` or
    /// `java 17.0.9`; not masked yet.
    pub runners: Vec<String>,
}

impl JunitRun {
    /// Counts the statuses of the distinct cases.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for case in &self.cases {
            totals.add(case.outcome.status());
        }
        totals
    }
}
