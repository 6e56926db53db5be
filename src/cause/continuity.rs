//! Root causes across iterations: which cause now is one the previous iteration had (so it
//! keeps its id and "since when"), which are new — and which deploy brought them — and which
//! of last time's are resolved.

use std::collections::{HashMap, HashSet};

use super::headline::primary;
use super::identity::keys;
use crate::model::{
    DeployChange, FactKind, IterationRef, Previous, PriorRootCause, ResolvedRootCause, RootCause,
};

/// Commits a new root cause's "arrived with" lists before "and N more".
const ARRIVED_COMMITS: usize = 5;

/// Settles `causes` of the iteration `at` against the previous iteration's: ids, `first_seen`,
/// `new`, and for new causes after a new deploy, `arrived_with`. Returns the previous
/// iteration's causes that no cause now continues.
pub fn settle(
    causes: &mut [RootCause],
    previous: Option<&Previous>,
    at: IterationRef,
    deployed: Option<&DeployChange>,
) -> Vec<ResolvedRootCause> {
    let prior: &[PriorRootCause] = previous.map_or(&[], |p| &p.root_causes);
    // Each key to the prior causes that had it: one lookup per key, not a scan per cause.
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in prior.iter().enumerate() {
        for key in &p.keys {
            by_key.entry(key.as_str()).or_default().push(i);
        }
    }
    let mut continued = vec![false; prior.len()];
    let mut taken = Taken::default();
    for cause in causes.iter_mut() {
        let mut matched: Vec<usize> = keys(cause)
            .iter()
            .filter_map(|k| by_key.get(k.as_str()))
            .flatten()
            .copied()
            .collect();
        matched.sort_unstable();
        matched.dedup();
        for &i in &matched {
            continued[i] = true;
        }
        let id = match matched.first() {
            Some(&i) => {
                cause.new = false;
                cause.first_seen = matched
                    .iter()
                    .map(|&i| prior[i].first_seen)
                    .min()
                    .unwrap_or(at)
                    .min(at);
                prior[i].id.clone()
            }
            None => {
                cause.new = true;
                cause.first_seen = at;
                cause.arrived_with = deployed.filter(|d| d.changed()).map(arrived_with);
                slug(cause)
            }
        };
        cause.id = taken.claim(id);
    }
    prior
        .iter()
        .zip(continued)
        .filter(|(_, continued)| !continued)
        .map(|(p, _)| ResolvedRootCause {
            id: p.id.clone(),
            headline: p.headline.clone(),
            first_seen: p.first_seen,
            count: p.count,
        })
        .collect()
}

/// "first seen after deploying `b` (was `a`); it came with 2 commits (`a..b`): `c3` Break the
/// health endpoint; `c2` Tidy".
fn arrived_with(deployed: &DeployChange) -> String {
    let was = deployed
        .previous
        .as_ref()
        .map_or(String::new(), |(_, before)| format!(" (was `{before}`)"));
    let mut text = format!("first seen after deploying `{}`{was}", deployed.revision);
    if let Some(commits) = &deployed.since_previous {
        if let Some(error) = &commits.error {
            text.push_str(&format!("; its commits could not be listed: {error}"));
        } else if !commits.list.is_empty() {
            let count = commits.list.len() + commits.more;
            let listed: Vec<String> = commits
                .list
                .iter()
                .take(ARRIVED_COMMITS)
                .map(|c| format!("`{}` {}", c.sha, c.subject))
                .collect();
            text.push_str(&format!(
                "; it came with {count} commit{} (`{}..{}`): {}",
                if count == 1 { "" } else { "s" },
                commits.from,
                commits.to,
                listed.join("; ")
            ));
            let unlisted = count - listed.len();
            if unlisted > 0 {
                text.push_str(&format!(" and {unlisted} more"));
            }
        }
    }
    text
}

/// A new cause's id from its most telling fact, e.g. `ws_close-1011-ws`; from its largest
/// cluster's signature when it states none but an exception type (which many causes share).
fn slug(cause: &RootCause) -> String {
    let words = match primary(&cause.facts).filter(|f| f.kind != FactKind::Exception) {
        Some(fact) => format!(
            "{} {} {}",
            fact.kind.as_str(),
            fact.value,
            fact.target.as_deref().unwrap_or("")
        ),
        None => format!(
            "failure {}",
            cause.clusters.first().map_or("", String::as_str)
        ),
    };
    let mut slug = String::new();
    for c in words.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    slug.trim_matches('-').to_owned()
}

/// The ids given out in one iteration.
#[derive(Default)]
struct Taken {
    ids: HashSet<String>,
    /// The next suffix to try per base id, so thousands of causes with one base stay linear.
    next: HashMap<String, usize>,
}

impl Taken {
    /// `id`, or `id-2`, `id-3`, … when a cause of this iteration already has it.
    fn claim(&mut self, id: String) -> String {
        if self.ids.insert(id.clone()) {
            return id;
        }
        let next = self.next.entry(id.clone()).or_insert(2);
        loop {
            let candidate = format!("{id}-{next}");
            *next += 1;
            if self.ids.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}
