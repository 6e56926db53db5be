//! Grouping an iteration's failures into clusters by signature, ranked for the report.

use std::collections::{BTreeMap, BTreeSet};

use super::signature::signature;
use crate::model::{
    Cluster, IterationRef, Previous, ResolvedCluster, SuiteResult, TestId, TestResult, TestStatus,
};

#[cfg(test)]
mod tests;

/// Groups every failing test of `current` (the iteration `at`) by the signature of its message,
/// and lists the clusters of `previous` that have no failure now.
///
/// - A blank message groups under its status name (`timeout`, `error`, `failed`).
/// - `example` is the message of the cluster's first test by id, so it is stable across runs.
/// - `first_seen` carries over from the previous iteration's cluster of the same signature; a
///   signature absent last time starts a new run at `at`, even if it was seen long before.
/// - Clusters rank critical first, then by test count (largest first), then by signature;
///   resolved clusters rank by their last count, then signature.
pub fn cluster(
    current: &[SuiteResult],
    previous: Option<&Previous>,
    at: IterationRef,
) -> (Vec<Cluster>, Vec<ResolvedCluster>) {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for suite in current {
        for test in suite
            .tests
            .iter()
            .filter(|t| t.outcome.status().is_failure())
        {
            groups
                .entry(test_key(test))
                .or_default()
                .add(test, suite.critical);
        }
    }
    let prior = previous.map_or(&[][..], |p| &p.clusters[..]);
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|(signature, group)| {
            let first_seen = prior
                .iter()
                .find(|p| p.signature == signature)
                .map_or(at, |p| p.first_seen);
            group.into_cluster(signature, first_seen)
        })
        .collect();
    clusters.sort_by(|a, b| {
        (b.critical, b.tests.len())
            .cmp(&(a.critical, a.tests.len()))
            .then_with(|| a.signature.cmp(&b.signature))
    });
    let now: BTreeSet<&str> = clusters.iter().map(|c| c.signature.as_str()).collect();
    let resolved = resolved(prior, &now);
    (clusters, resolved)
}

/// The clusters of last time whose signature has no failure now, each once.
fn resolved(prior: &[crate::model::PriorCluster], now: &BTreeSet<&str>) -> Vec<ResolvedCluster> {
    let mut seen = BTreeSet::new();
    let mut resolved: Vec<ResolvedCluster> = prior
        .iter()
        .filter(|p| !now.contains(p.signature.as_str()) && seen.insert(p.signature.as_str()))
        .map(|p| ResolvedCluster {
            signature: p.signature.clone(),
            first_seen: p.first_seen,
            count: p.count,
        })
        .collect();
    resolved.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.signature.cmp(&b.signature))
    });
    resolved
}

/// The signature a failing test with `message` and `status` clusters under: its message's
/// signature, or its status's name when the message is blank.
pub fn key(message: &str, status: TestStatus) -> String {
    let signature = signature(message);
    if signature.is_empty() {
        status.as_str().to_owned()
    } else {
        signature
    }
}

/// The signature `test` clusters under.
pub fn test_key(test: &TestResult) -> String {
    key(test.outcome.message(), test.outcome.status())
}

/// A cluster being gathered: its tests, and its first test's message by id.
#[derive(Default)]
struct Group {
    tests: Vec<TestId>,
    example: Option<(TestId, String)>,
    critical: bool,
}

impl Group {
    fn add(&mut self, test: &TestResult, critical: bool) {
        self.tests.push(test.id.clone());
        self.critical |= critical;
        if self.example.as_ref().is_none_or(|(id, _)| test.id < *id) {
            let message = test.outcome.message().trim();
            let message = if message.is_empty() {
                test.outcome.status().as_str()
            } else {
                message
            };
            self.example = Some((test.id.clone(), message.to_owned()));
        }
    }

    fn into_cluster(mut self, signature: String, first_seen: IterationRef) -> Cluster {
        self.tests.sort_unstable();
        self.tests.dedup();
        Cluster {
            signature,
            example: self.example.map(|(_, m)| m).unwrap_or_default(),
            tests: self.tests,
            critical: self.critical,
            first_seen,
        }
    }
}
