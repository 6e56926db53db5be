//! A root cause assembled from its units: its tests, evidence per suite and probe, clusters,
//! facts, why it was grouped, its headline and next action.

use std::collections::BTreeMap;

use super::failure::{Failure, tidy};
use super::group::Unit;
use super::headline;
use crate::model::{Evidence, Fact, IterationRef, RootCause};

/// The root cause made of `units` of `failures`, merged on `reasons`; `first_seen`, `new`,
/// `id` and `arrived_with` are settled later against the previous iteration.
pub fn build(
    failures: &[Failure<'_>],
    units: &[Unit],
    reasons: Vec<Fact>,
    at: IterationRef,
) -> RootCause {
    let members: Vec<&Failure<'_>> = units
        .iter()
        .flat_map(|u| &u.failures)
        .map(|&i| &failures[i])
        .collect();
    let mut tests: Vec<_> = members.iter().map(|f| f.test.id.clone()).collect();
    tests.sort_unstable();
    tests.dedup();
    let facts = facts(units);
    let evidence = evidence(&members);
    let mut clusters: BTreeMap<&str, usize> = BTreeMap::new();
    for member in &members {
        *clusters.entry(member.signature.as_str()).or_default() += 1;
    }
    let mut clusters: Vec<(&str, usize)> = clusters.into_iter().collect();
    clusters.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let why = reasons.iter().map(|r| why(r, &members)).collect();
    let context = headline::Context::new(&members);
    RootCause {
        id: String::new(),
        headline: headline::headline(&facts, &context),
        why,
        critical: members.iter().any(|f| f.critical),
        first_seen: at,
        new: true,
        tests,
        evidence,
        clusters: clusters.into_iter().map(|(s, _)| s.to_owned()).collect(),
        log_lines: Vec::new(),
        arrived_with: None,
        next_action: String::new(),
        facts,
    }
}

/// The facts of every unit, each once (see [`tidy`]).
fn facts(units: &[Unit]) -> Vec<Fact> {
    tidy(units.iter().flat_map(|u| u.facts.iter().cloned()).collect())
}

/// Failures per suite (probe checks per probe), suites in order of first appearance.
fn evidence(members: &[&Failure<'_>]) -> Vec<Evidence> {
    let mut evidence: Vec<Evidence> = Vec::new();
    for member in members {
        let suite = member.test.suite.as_str();
        match evidence
            .iter_mut()
            .find(|e| e.suite == suite && e.probe.as_deref() == member.probe)
        {
            Some(found) => found.count += 1,
            None => evidence.push(Evidence {
                suite: suite.to_owned(),
                probe: member.probe.map(str::to_owned),
                count: 1,
                critical: member.critical,
            }),
        }
    }
    evidence
}

/// "WebSocket close 1011 on `/ws`: 4 tests of `websocket-events` (no path stated), 6 checks
/// of probe `agent events`".
fn why(reason: &Fact, members: &[&Failure<'_>]) -> String {
    let mut parts: Vec<(String, usize, bool)> = Vec::new();
    for member in members {
        let Some(fact) = member
            .facts
            .iter()
            .find(|f| f.kind == reason.kind && f.value == reason.value)
        else {
            continue;
        };
        let who = match member.probe {
            Some(probe) => format!("of probe `{probe}`"),
            None => format!("of `{}`", member.test.suite),
        };
        let unstated = fact.target.is_none() && reason.target.is_some();
        match parts
            .iter_mut()
            .find(|(w, _, u)| *w == who && *u == unstated)
        {
            Some(part) => part.1 += 1,
            None => parts.push((who, 1, unstated)),
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|(who, count, unstated)| {
            let noun = if who.starts_with("of probe") {
                plural(count, "check")
            } else {
                plural(count, "test")
            };
            let unstated = if unstated {
                format!(" (no {} stated)", headline::target_word(reason.kind))
            } else {
                String::new()
            };
            format!("{noun} {who}{unstated}")
        })
        .collect();
    format!("{}: {}", headline::describe(reason), parts.join(", "))
}

/// "1 test", "4 tests".
pub fn plural(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}
