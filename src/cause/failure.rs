//! Every failing test of an iteration with the facts it states: from its message, and from
//! what greenloop knows for certain about it — the suite a stand-in test stands for, the URL
//! and method a probe check went to.

use super::facts;
use super::scan;
use crate::model::{Fact, FactKind, Outcome, SuiteResult, TestResult};
use crate::probe::ProbeReport;
use crate::probe::check::PROBE_SUITE;
use crate::runner::ingest::SUITE_CLASS;

/// One failing test, ready to be grouped.
#[derive(Debug)]
pub struct Failure<'a> {
    /// The test.
    pub test: &'a TestResult,
    /// Whether its suite is critical.
    pub critical: bool,
    /// The probe it is a check of, for probe tests.
    pub probe: Option<&'a str>,
    /// Its cluster signature.
    pub signature: String,
    /// What it states, sorted and without duplicates.
    pub facts: Vec<Fact>,
    /// The full URL it went to, when greenloop knows it (probe checks).
    pub url: Option<&'a str>,
}

/// Where a probe went: what its checks' facts are about when their messages do not say.
#[derive(Debug, Clone, Copy)]
pub struct ProbeTarget<'a> {
    /// The probe's name (the classname of its checks).
    pub name: &'a str,
    /// Its URL, secrets masked.
    pub url: &'a str,
    /// Its method (`GET` for a WebSocket upgrade).
    pub method: &'a str,
    /// Whether it is a WebSocket probe.
    pub websocket: bool,
}

/// The targets of `probes`.
pub fn targets(probes: &[(String, ProbeReport)]) -> Vec<ProbeTarget<'_>> {
    probes
        .iter()
        .map(|(name, report)| match report {
            ProbeReport::Http(http) => ProbeTarget {
                name,
                url: &http.url,
                method: &http.method,
                websocket: false,
            },
            ProbeReport::WebSocket(ws) => ProbeTarget {
                name,
                url: &ws.url,
                method: "GET",
                websocket: true,
            },
        })
        .collect()
}

/// Every failing test of `suites`, with its facts.
pub fn failures<'a>(suites: &'a [SuiteResult], probes: &[ProbeTarget<'a>]) -> Vec<Failure<'a>> {
    let mut found = Vec::new();
    for suite in suites {
        for test in suite
            .tests
            .iter()
            .filter(|t| t.outcome.status().is_failure())
        {
            let probe = (suite.name == PROBE_SUITE)
                .then(|| probe_of(test, probes))
                .flatten();
            let mut facts = facts::from_text(test.outcome.message());
            if let Some(target) = probe {
                fill_probe_targets(&mut facts, &target);
                found.push(Failure {
                    test,
                    critical: suite.critical,
                    probe: Some(target.name),
                    signature: crate::cluster::test_key(test),
                    facts: tidy(facts),
                    url: Some(target.url),
                });
                continue;
            }
            if is_hang(suite, test) {
                facts = hang_facts(&suite.name, test.outcome.message());
            } else if test.id.stand_in_for() == Some(suite.name.as_str()) {
                facts.push(Fact {
                    kind: FactKind::SuiteFailed,
                    value: suite.name.clone(),
                    target: None,
                });
            }
            found.push(Failure {
                test,
                critical: suite.critical,
                probe: None,
                signature: crate::cluster::test_key(test),
                facts: tidy(facts),
                url: None,
            });
        }
    }
    found
}

/// The probe a check of the suite `probe` belongs to: its classname is the probe's name.
fn probe_of<'a>(test: &TestResult, probes: &[ProbeTarget<'a>]) -> Option<ProbeTarget<'a>> {
    let name = test
        .id
        .as_str()
        .strip_prefix(PROBE_SUITE)?
        .strip_prefix("::")?
        .rsplit_once("::")?
        .0;
    probes.iter().find(|p| p.name == name).copied()
}

/// A probe knows where it went: facts whose message did not say give the probe's own target.
fn fill_probe_targets(facts: &mut [Fact], probe: &ProbeTarget<'_>) {
    let Some(url) = scan::urls(probe.url).into_iter().next() else {
        return;
    };
    let is_websocket = probe.websocket;
    let endpoint = format!("{} {}", probe.method, url.path);
    for fact in facts.iter_mut().filter(|f| f.target.is_none()) {
        fact.target = match fact.kind {
            FactKind::WsClose | FactKind::Stalled if is_websocket => Some(url.path.clone()),
            FactKind::HttpStatus | FactKind::Timeout => Some(endpoint.clone()),
            FactKind::Refused | FactKind::Reset => Some(url.address()),
            FactKind::Dns | FactKind::Tls => Some(url.host.clone()),
            _ => None,
        };
    }
}

/// A suite's stand-in test for a hang: `<suite>::suite::exit code` that timed out.
fn is_hang(suite: &SuiteResult, test: &TestResult) -> bool {
    matches!(test.outcome, Outcome::Timeout { .. })
        && test.id.as_str() == format!("{}::{SUITE_CLASS}::exit code", suite.name)
}

/// A hung suite states that it hung, and — when its last line of output names a request —
/// which endpoint it was waiting on. Its message is otherwise output, not an error.
fn hang_facts(suite: &str, message: &str) -> Vec<Fact> {
    let mut facts = vec![Fact {
        kind: FactKind::Hang,
        value: suite.to_owned(),
        target: None,
    }];
    let last = message.lines().rev().find(|l| !l.trim().is_empty());
    if let Some(endpoint) = last
        .filter(|_| message.lines().count() > 1)
        .and_then(scan::endpoint)
    {
        facts.push(Fact {
            kind: FactKind::Timeout,
            value: String::new(),
            target: Some(endpoint.key()),
        });
    }
    facts
}

/// Sorted, without duplicates, and without a target-less fact where the same fact with a
/// target is there.
pub fn tidy(mut facts: Vec<Fact>) -> Vec<Fact> {
    facts.sort();
    facts.dedup();
    let known: Vec<(FactKind, String)> = facts
        .iter()
        .filter(|f| f.target.is_some())
        .map(|f| (f.kind, f.value.clone()))
        .collect();
    facts.retain(|f| f.target.is_some() || !known.contains(&(f.kind, f.value.clone())));
    facts
}
