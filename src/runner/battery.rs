//! Runs a loop's battery — its suites, then its probes — `parallel` at a time, starting them in
//! file order, and returns their results in file order.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::events::{Event, Events};
use super::probe::run_probe;
use super::suite::{SuiteContext, run_suite};
use crate::config::{ProbePlan, SuitePlan};
use crate::model::{RunnerVersion, SuiteResult, Totals};
use crate::probe::{ProbeReport, probe_suite};

/// One thing the battery runs.
#[derive(Clone)]
enum Unit {
    Suite(SuitePlan),
    Probe(ProbePlan),
}

/// What a unit produced.
enum Outcome {
    /// A suite's result and the test runners its JUnit names.
    Suite(SuiteResult, Vec<String>),
    Probe(String, ProbeReport),
}

/// Runs every suite and probe, with at most `parallel` at once, emitting start and finish
/// events. The probes' checks come back as one more suite, `probe`, after the others; their
/// reports come back beside it for the report's Probes section, and the test runners the
/// suites' JUnit names for its environment section.
pub async fn run_battery(
    suites: &[SuitePlan],
    probes: &[ProbePlan],
    parallel: usize,
    ctx: SuiteContext,
    client: reqwest::Client,
    events: &Events,
) -> (
    Vec<SuiteResult>,
    Vec<(String, ProbeReport)>,
    Vec<RunnerVersion>,
) {
    let units: Vec<Unit> = suites
        .iter()
        .cloned()
        .map(Unit::Suite)
        .chain(probes.iter().cloned().map(Unit::Probe))
        .collect();
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let ctx = Arc::new(ctx);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (index, unit) in units.into_iter().enumerate() {
        // Taking the permit here, not in the task, starts units in file order.
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let ctx = Arc::clone(&ctx);
        let events = events.clone();
        let client = client.clone();
        tasks.spawn(async move {
            let _permit = permit;
            (index, run_unit(unit, &ctx, &client, &events).await)
        });
    }
    let mut outcomes: Vec<(usize, Outcome)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(outcome) => outcomes.push(outcome),
            // A bug in a unit: let the cycle catch it and record the iteration as `error`.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // Cancelled: the runtime is shutting down, and nothing will read these results.
            Err(_) => {}
        }
    }
    outcomes.sort_by_key(|(index, _)| *index);
    let mut results = Vec::new();
    let mut reports = Vec::new();
    let mut runners = Vec::new();
    for (_, outcome) in outcomes {
        match outcome {
            Outcome::Suite(result, named) => {
                runners.extend(named.into_iter().map(|runner| RunnerVersion {
                    suite: result.name.clone(),
                    runner,
                }));
                results.push(result);
            }
            Outcome::Probe(name, report) => reports.push((name, report)),
        }
    }
    results.extend(probe_suite(&reports, started.elapsed()));
    (results, reports, runners)
}

async fn run_unit(
    unit: Unit,
    ctx: &SuiteContext,
    client: &reqwest::Client,
    events: &Events,
) -> Outcome {
    match unit {
        Unit::Suite(suite) => {
            events.emit(Event::SuiteStarted {
                name: suite.name.clone(),
            });
            let (result, runners) = run_suite(&suite, ctx).await;
            events.emit(Event::SuiteFinished {
                name: result.name.clone(),
                status: result.status(),
                totals: Totals::count(&result.tests),
                duration: result.duration(),
            });
            Outcome::Suite(result, runners)
        }
        Unit::Probe(probe) => {
            let report = run_probe(&probe, &ctx.values, &ctx.redactor, client).await;
            let checks = report.checks();
            events.emit(Event::ProbeFinished {
                name: probe.name.clone(),
                checks: checks.len(),
                passed: checks
                    .iter()
                    .filter(|c| !c.outcome.status().is_failure())
                    .count(),
            });
            Outcome::Probe(probe.name, report)
        }
    }
}
