//! A probe's report, whatever its kind, and its checks as the built-in `probe` suite.

use std::time::Duration;

use super::check::{PROBE_SUITE, ProbeCheck};
use super::http::HttpReport;
use super::websocket::WsReport;
use crate::model::{ResultSource, SuiteResult, SuiteRun};

/// What one probe found.
#[derive(Debug, Clone)]
pub enum ProbeReport {
    /// An HTTP probe's report (boxed: it is several times the size of a WebSocket report).
    Http(Box<HttpReport>),
    /// A WebSocket probe's report.
    WebSocket(WsReport),
}

impl ProbeReport {
    /// The url probed, secrets masked.
    pub fn url(&self) -> &str {
        match self {
            Self::Http(report) => &report.url,
            Self::WebSocket(report) => &report.url,
        }
    }

    /// The probe's checks, each a test `probe::<name>::<check>`.
    pub fn checks(&self) -> Vec<ProbeCheck> {
        match self {
            Self::Http(report) => report.checks(),
            Self::WebSocket(report) => report.checks(),
        }
    }
}

/// Every probe's checks as one suite called `probe`, so the verdict, diff, clusters and
/// integrity treat them like any suite's tests. `None` when the loop has no probes.
pub fn probe_suite(reports: &[(String, ProbeReport)], duration: Duration) -> Option<SuiteResult> {
    if reports.is_empty() {
        return None;
    }
    let tests = reports
        .iter()
        .flat_map(|(name, report)| {
            report
                .checks()
                .into_iter()
                .map(move |check| check.into_test(name))
        })
        .collect();
    Some(SuiteResult {
        name: PROBE_SUITE.to_owned(),
        critical: false,
        impact: None,
        command: Vec::new(),
        run: SuiteRun::Builtin { duration },
        source: ResultSource::Probes,
        declared_tests: None,
        log: None,
        tests,
        notes: Vec::new(),
    })
}
