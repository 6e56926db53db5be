//! Which failures belong together. Failures with the same signature and facts form a unit
//! (within one suite, when they state no specific fact); units merge when they share a
//! specific fact about the same target:
//!
//! - the same kind and value (close code 1011, status 404, suite `api`, event `agent_started`)
//!   — an exception type alone never merges;
//! - and the same target: equal (`/ws` and `/ws`), or one naming the method the other leaves
//!   out (`POST /x` and `/x`, when `/x` fits exactly one method's target), or one not stating
//!   a target at all when exactly one target is known for that fact in the whole iteration
//!   (a pytest 404 without a URL joins the probe's `POST /x` 404, but not when `/x` and `/y`
//!   both answered 404). Two failures that both leave the target out stay apart, unless each
//!   joins the same known target.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::failure::Failure;
use crate::model::{Fact, FactKind};

/// Failures with the same signature and facts.
#[derive(Debug)]
pub struct Unit {
    /// Indexes into the failures.
    pub failures: Vec<usize>,
    /// Their facts.
    pub facts: Vec<Fact>,
}

/// Groups `failures` into units, then units into root causes: each returned group is the units
/// of one root cause, with the facts that merged them.
pub fn group(failures: &[Failure<'_>]) -> Vec<(Vec<Unit>, Vec<Fact>)> {
    let units = units(failures);
    let mut sets = DisjointSets::new(units.len());
    // Each merge with the fact it was made on; which root cause it belongs to is known only
    // once every merge is made.
    let mut merges: Vec<(usize, Fact)> = Vec::new();
    for ((kind, value), members) in buckets(&units) {
        for (a, b) in links(&members) {
            if sets.union(a, b) {
                let target = members
                    .iter()
                    .filter(|(unit, _)| *unit == a || *unit == b)
                    .filter_map(|(_, target)| *target)
                    .max_by_key(|t| t.len())
                    .map(str::to_owned);
                merges.push((
                    a,
                    Fact {
                        kind,
                        value: value.to_owned(),
                        target,
                    },
                ));
            }
        }
    }
    let mut reasons: HashMap<usize, BTreeSet<Fact>> = HashMap::new();
    for (unit, fact) in merges {
        reasons.entry(sets.find(unit)).or_default().insert(fact);
    }
    let mut groups: BTreeMap<usize, Vec<Unit>> = BTreeMap::new();
    for (index, unit) in units.into_iter().enumerate() {
        groups.entry(sets.find(index)).or_default().push(unit);
    }
    groups
        .into_iter()
        .map(|(root, units)| {
            let reasons = reasons
                .remove(&root)
                .map_or_else(Vec::new, |r| r.into_iter().collect());
            (units, reasons)
        })
        .collect()
}

/// Failures with equal signature and facts, in order of first appearance. Without a
/// mergeable fact, a signature only groups within one suite: the same words in two suites
/// (`assert False`, a blank message) say nothing about a shared cause.
fn units(failures: &[Failure<'_>]) -> Vec<Unit> {
    let mut index: HashMap<(&str, &str, &[Fact]), usize> = HashMap::new();
    let mut units: Vec<Unit> = Vec::new();
    for (i, failure) in failures.iter().enumerate() {
        let specific = failure.facts.iter().any(|f| f.kind != FactKind::Exception);
        let suite = if specific {
            ""
        } else {
            failure.test.suite.as_str()
        };
        let key = (suite, failure.signature.as_str(), failure.facts.as_slice());
        match index.get(&key) {
            Some(&unit) => units[unit].failures.push(i),
            None => {
                index.insert(key, units.len());
                units.push(Unit {
                    failures: vec![i],
                    facts: failure.facts.clone(),
                });
            }
        }
    }
    units
}

/// Each mergeable fact (kind and value) with the units that state it and their targets.
type Buckets<'a> = BTreeMap<(FactKind, &'a str), Vec<(usize, Option<&'a str>)>>;

fn buckets(units: &[Unit]) -> Buckets<'_> {
    let mut buckets: Buckets<'_> = BTreeMap::new();
    for (index, unit) in units.iter().enumerate() {
        for fact in unit.facts.iter().filter(|f| f.kind != FactKind::Exception) {
            buckets
                .entry((fact.kind, fact.value.as_str()))
                .or_default()
                .push((index, fact.target.as_deref()));
        }
    }
    buckets
}

/// The pairs of units in one bucket that the rules above merge.
fn links(members: &[(usize, Option<&str>)]) -> Vec<(usize, usize)> {
    let mut links = Vec::new();
    // Equal targets.
    let mut by_target: BTreeMap<&str, usize> = BTreeMap::new();
    for &(unit, target) in members {
        if let Some(target) = target {
            match by_target.get(target) {
                Some(&first) => links.push((first, unit)),
                None => {
                    by_target.insert(target, unit);
                }
            }
        }
    }
    // A path without a method joins the one target with a method on that path.
    let mut with_method: HashMap<&str, Vec<usize>> = HashMap::new();
    for (&target, &unit) in &by_target {
        if let Some((_, path)) = target.split_once(' ') {
            with_method.entry(path).or_default().push(unit);
        }
    }
    let mut classes = 0;
    let mut only_class = None;
    for (&target, &unit) in &by_target {
        let methods = with_method.get(target).map_or(&[][..], Vec::as_slice);
        if target.starts_with('/') && !methods.is_empty() {
            if let [only] = methods {
                links.push((*only, unit));
            }
            // Joined to its method's target, or ambiguous between several: not a class of
            // its own either way.
            continue;
        }
        classes += 1;
        only_class = Some(unit);
    }
    // No target: joins the only target there is.
    if classes == 1
        && let Some(only) = only_class
    {
        for &(unit, target) in members {
            if target.is_none() {
                links.push((only, unit));
            }
        }
    }
    links
}

/// Union-find over unit indexes.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(size: usize) -> Self {
        Self {
            parent: (0..size).collect(),
        }
    }

    fn find(&mut self, mut at: usize) -> usize {
        while self.parent[at] != at {
            self.parent[at] = self.parent[self.parent[at]];
            at = self.parent[at];
        }
        at
    }

    /// Joins the sets of `a` and `b`; whether they were apart.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        let (low, high) = (a.min(b), a.max(b));
        self.parent[high] = low;
        true
    }
}
