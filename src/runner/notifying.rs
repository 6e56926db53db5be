//! Telling a loop's `[[notify]]` webhooks about an iteration just recorded, by a cycle or by
//! `import`. Never fails: what goes wrong is logged and the iteration stands.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use super::iteration::Finished;
use super::record::Recorder;
use crate::config::{DaemonConfig, LoopPlan};
use crate::model::Verdict;
use crate::notify::Concluded;

/// What notifications compare the iteration with: `Some(verdict before it)`, or `None` when
/// there is nothing to notify or the history cannot say (logged; guessing would send a
/// "failing" for a loop that has been failing all along).
pub(crate) fn previous_verdict(
    recorder: &Recorder<'_>,
    plan: &LoopPlan,
    finished: &Finished,
) -> Option<Option<Verdict>> {
    if plan.notify.is_empty() {
        return None;
    }
    recorder
        .verdict_before(finished.iteration.at())
        .map_err(|e| {
            tracing::warn!(loop_name = %plan.name, "not notifying: {:#}", anyhow::Error::new(e));
        })
        .ok()
}

/// Tells the loop's webhooks what changed; never fails (see [`crate::notify::notify`]).
pub(crate) async fn notify(
    config: &DaemonConfig,
    plan: &LoopPlan,
    finished: &Finished,
    previous: Option<Option<Verdict>>,
    values: &BTreeMap<String, String>,
    cancel: &CancellationToken,
) {
    let Some(previous) = previous else {
        return;
    };
    let report = finished.paths.markdown();
    let report = report.strip_prefix(&config.root).unwrap_or(&report);
    let concluded = Concluded {
        iteration: &finished.iteration,
        loop_closed: finished.loop_closed,
        previous,
        report: &report.display().to_string(),
    };
    crate::notify::notify(plan, concluded, values, &config.state_dir, cancel).await;
}
