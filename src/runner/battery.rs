//! Runs a loop's suites, `parallel` at a time, and returns their results in file order.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::events::{Event, Events};
use super::suite::{SuiteContext, run_suite};
use crate::config::SuitePlan;
use crate::model::{SuiteResult, Totals};

/// Runs every suite, starting them in file order with at most `parallel` at once, emitting
/// start and finish events.
pub async fn run_battery(
    suites: &[SuitePlan],
    parallel: usize,
    ctx: SuiteContext,
    events: &Events,
) -> Vec<SuiteResult> {
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let ctx = Arc::new(ctx);
    let mut tasks = JoinSet::new();
    for (index, suite) in suites.iter().cloned().enumerate() {
        // Taking the permit here, not in the task, starts suites in file order.
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let ctx = Arc::clone(&ctx);
        let events = events.clone();
        tasks.spawn(async move {
            let _permit = permit;
            events.emit(Event::SuiteStarted {
                name: suite.name.clone(),
            });
            let result = run_suite(&suite, &ctx).await;
            events.emit(Event::SuiteFinished {
                name: result.name.clone(),
                status: result.status(),
                totals: Totals::count(&result.tests),
                duration: result.duration(),
            });
            (index, result)
        });
    }
    let mut results: Vec<Option<SuiteResult>> = vec![None; suites.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, result) = joined.expect("a suite task panicked");
        results[index] = Some(result);
    }
    results
        .into_iter()
        .map(|r| r.expect("every suite reports once"))
        .collect()
}
