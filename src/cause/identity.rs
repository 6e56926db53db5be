//! How a root cause is recognised across iterations: by its mergeable facts and the
//! signatures of its clusters.

use crate::model::{Fact, FactKind, RootCause};

/// A fact as a key: `kind value@target` (`@` alone when the target is unknown).
pub fn fact_key(fact: &Fact) -> String {
    format!(
        "{} {}@{}",
        fact.kind.as_str(),
        fact.value,
        fact.target.as_deref().unwrap_or("")
    )
}

/// The keys `cause` is recognised by in the next iteration: each mergeable fact as
/// [`fact_key`], and each cluster signature as `sig signature`.
pub fn keys(cause: &RootCause) -> Vec<String> {
    let mut keys: Vec<String> = cause
        .facts
        .iter()
        .filter(|f| f.kind != FactKind::Exception)
        .map(fact_key)
        .chain(cause.clusters.iter().map(|s| format!("sig {s}")))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
