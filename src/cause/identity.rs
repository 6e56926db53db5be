//! How a root cause is recognised across iterations: by its mergeable facts and the
//! signatures of its clusters.

use crate::model::{FactKind, RootCause};

/// The keys `cause` is recognised by in the next iteration: each mergeable fact as
/// `kind value@target`, and each cluster signature as `sig signature`.
pub fn keys(cause: &RootCause) -> Vec<String> {
    let mut keys: Vec<String> = cause
        .facts
        .iter()
        .filter(|f| f.kind != FactKind::Exception)
        .map(|f| {
            format!(
                "{} {}@{}",
                f.kind.as_str(),
                f.value,
                f.target.as_deref().unwrap_or("")
            )
        })
        .chain(cause.clusters.iter().map(|s| format!("sig {s}")))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
