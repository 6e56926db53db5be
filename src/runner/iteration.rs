//! One iteration end to end: numbers from the store, the deploy, the battery (or imported
//! files), collects when it failed, then the record: diff, clusters, verdict, integrity,
//! reports, history.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio_util::sync::CancellationToken;

use super::battery::run_battery;
use super::blocking::blocking;
use super::collect::collect;
use super::commits;
use super::deploy::{Deployed, deploy};
use super::events::{Event, Events};
use super::ingest::{JunitFiles, ingest};
use super::logs::read_logs;
use super::notifying::{notify, previous_verdict};
use super::record::Recorder;
pub use super::record::{Finished, RecordError as IterationError};
use super::suite::SuiteContext;
use crate::config::{DaemonConfig, LoopPlan};
use crate::model::{IterationRef, ResultSource, RunnerVersion, SuiteResult, SuiteRun, Verdict};
use crate::report::ReportPaths;

/// What asked for an iteration.
#[derive(Debug, Clone)]
pub struct Request {
    /// How it was triggered, for the report (e.g. "manual (cli)").
    pub trigger: String,
    /// Close the open loop and start a new one.
    pub new_loop: bool,
}

/// Runs one iteration of `plan`: its deploy, its whole battery, and its collects when it
/// fails.
pub async fn run_iteration(
    config: &DaemonConfig,
    plan: &LoopPlan,
    request: Request,
    events: &Events,
    cancel: CancellationToken,
) -> Result<Finished, IterationError> {
    let mut recorder = blocking(|| Recorder::open(config, plan))?;
    let (finished, _) = run_locked(&mut recorder, config, plan, request, events, cancel).await?;
    Ok(finished)
}

/// Runs one iteration while `recorder` holds the loop's lock; returns it with the context its
/// commands ran in, which the fix step reuses.
pub(crate) async fn run_locked(
    recorder: &mut Recorder<'_>,
    config: &DaemonConfig,
    plan: &LoopPlan,
    request: Request,
    events: &Events,
    cancel: CancellationToken,
) -> Result<(Finished, SuiteContext), IterationError> {
    let begun = blocking(|| recorder.begin(request.new_loop, &request.trigger))?;
    let paths = recorder.paths(&begun);
    if let Err(source) = std::fs::create_dir_all(paths.logs()) {
        // Nothing can run without somewhere to write its logs: say so in the history rather
        // than leave the iteration running (or, as before, blame the suites).
        let why = format!(
            "nothing ran: failed to create {}: {source}",
            paths.logs_relative().display()
        );
        blocking(|| recorder.abandon(begun.at, &why))?;
        return Err(IterationError::Report {
            path: paths.dir.clone(),
            source,
        });
    }
    events.emit(Event::IterationStarted {
        loop_number: begun.at.loop_number,
        iteration: begun.at.iteration,
        suites: plan.suites.len(),
        probes: plan.probes.len(),
    });
    let ctx = suite_context(config, plan, begun.at, begun.started_at, &paths, cancel);
    let client = crate::probe::http::client().map_err(IterationError::Probes)?;
    let deployed = match &plan.deploy {
        Some(deploy_plan) => {
            events.emit(Event::DeployStarted);
            let deployed = deploy(deploy_plan, &ctx, &client).await;
            events.emit(Event::DeployFinished {
                ok: deployed.outcome.ok(),
                summary: deployed.outcome.summary(),
            });
            Some(deployed)
        }
        None => None,
    };
    let (suites, probes, runners) = if deployed.as_ref().is_none_or(|d| d.outcome.ok()) {
        run_battery(
            &plan.suites,
            &plan.probes,
            plan.parallel,
            ctx.clone(),
            client,
            events,
        )
        .await
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let deploy_outcome = match deployed {
        Some(Deployed {
            mut outcome,
            service,
        }) => {
            if let Some(service) = service {
                service.stop(&mut outcome).await;
            }
            Some(outcome)
        }
        None => None,
    };
    let commits = commits::list(plan, &begun, deploy_outcome.as_ref(), &ctx).await;
    let mut judged = blocking(|| recorder.judge(begun, suites, probes, deploy_outcome, commits));
    judged.iteration.runners = runners;
    let verdict = judged.iteration.verdict;
    if matches!(verdict, Verdict::Failing | Verdict::Error) && !ctx.cancel.is_cancelled() {
        judged.iteration.collected = collect(&plan.collect, &ctx).await;
        let logs = read_logs(
            &plan.logs,
            &ctx,
            judged.iteration.deploy.as_ref(),
            &judged.iteration.collected,
        )
        .await;
        crate::cause::attach_logs(&mut judged.iteration.root_causes, &logs);
    }
    let finished = blocking(|| recorder.record(judged))?;
    events.emit(Event::IterationFinished {
        verdict: finished.iteration.verdict,
        totals: finished.iteration.totals,
    });
    Ok((finished, ctx))
}

/// Records an iteration of `plan` from existing JUnit files without running anything: they are
/// read as one suite called `suite`, then diffed and reported as usual, and the loop's
/// `[[notify]]` webhooks are told what changed (with the loop's lock still held, as after a
/// run). Reading and recording go through [`blocking`], like a run's store work.
pub async fn import_iteration(
    config: &DaemonConfig,
    plan: &LoopPlan,
    suite: &str,
    files: Vec<PathBuf>,
    request: Request,
) -> Result<Finished, IterationError> {
    // Reading a large file and opening the store (which loads the previous iteration) are
    // independent: on two cores they overlap.
    let ((result, runners), begun) = blocking(|| {
        std::thread::scope(|scope| {
            let reading = scope.spawn(|| imported_suite(config, plan, suite, files));
            let begun = Recorder::open(config, plan).and_then(|mut recorder| {
                let begun = recorder.begin(request.new_loop, &request.trigger)?;
                Ok((recorder, begun))
            });
            (reading.join().expect("the JUnit reader panicked"), begun)
        })
    });
    let (mut recorder, begun) = begun?;
    let finished = blocking(|| recorder.conclude(begun, vec![result], Vec::new(), runners))?;
    let previous = blocking(|| previous_verdict(&recorder, plan, &finished));
    let values = template_values(
        config,
        plan,
        finished.iteration.at(),
        finished.iteration.started_at,
        &finished.paths,
    );
    notify(
        config,
        plan,
        &finished,
        previous,
        &values,
        &CancellationToken::new(),
    )
    .await;
    Ok(finished)
}

/// The imported files as one suite's result, and the test runners they name.
fn imported_suite(
    config: &DaemonConfig,
    plan: &LoopPlan,
    suite: &str,
    files: Vec<PathBuf>,
) -> (SuiteResult, Vec<RunnerVersion>) {
    let clock = Instant::now();
    let junit = JunitFiles {
        fresh: files,
        ..JunitFiles::default()
    };
    let ingested = ingest(
        suite,
        &SuiteRun::Imported,
        &junit,
        &config.root,
        &plan.redactor(),
    );
    tracing::debug!(elapsed = ?clock.elapsed(), tests = ingested.tests.len(), "read the JUnit files");
    let defined = plan.suite(suite);
    let runners = ingested
        .runners
        .into_iter()
        .map(|runner| RunnerVersion {
            suite: suite.to_owned(),
            runner,
        })
        .collect();
    let result = SuiteResult {
        name: suite.to_owned(),
        critical: defined.is_some_and(|s| s.critical),
        impact: defined.and_then(|s| s.impact.clone()),
        command: Vec::new(),
        run: SuiteRun::Imported,
        source: match ingested.source {
            ResultSource::NotRun => ResultSource::Junit(Vec::new()),
            source => source,
        },
        declared_tests: ingested.declared_tests,
        log: None,
        tests: ingested.tests,
        notes: ingested.notes,
    };
    (result, runners)
}

/// What every suite of this iteration shares: `${…}` values, `GREENLOOP_*` variables, logs.
fn suite_context(
    config: &DaemonConfig,
    plan: &LoopPlan,
    at: IterationRef,
    started_at: DateTime<Utc>,
    paths: &ReportPaths,
    cancel: CancellationToken,
) -> SuiteContext {
    let values = template_values(config, plan, at, started_at, paths);
    let exported_env = values
        .iter()
        .filter(|(name, _)| !plan.secrets.contains_key(*name))
        .map(|(name, value)| {
            (
                format!("GREENLOOP_{}", name.to_ascii_uppercase().replace('-', "_")),
                value.clone(),
            )
        })
        .collect();
    SuiteContext {
        config: config.clone(),
        values,
        exported_env,
        loop_env: plan.env.clone(),
        logs_dir: paths.logs(),
        logs_relative: paths.logs_relative(),
        redactor: plan.redactor(),
        cancel,
    }
}

/// The values `${…}` can name: vars, secrets and the built-ins (`junit` is per suite).
fn template_values(
    config: &DaemonConfig,
    plan: &LoopPlan,
    at: IterationRef,
    started_at: DateTime<Utc>,
    paths: &ReportPaths,
) -> BTreeMap<String, String> {
    let mut values = plan.vars.clone();
    values.extend(
        plan.secrets
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_owned())),
    );
    values.insert("loop".into(), at.loop_number.to_string());
    values.insert("iteration".into(), at.iteration.to_string());
    // RFC 3339 in UTC to the second, as `docker logs --since` and `kubectl logs --since-time`
    // accept it.
    values.insert(
        "iteration_started_at".into(),
        started_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    values.insert("loop_name".into(), plan.name.to_string());
    values.insert("report_dir".into(), paths.dir.display().to_string());
    values.insert("root".into(), config.root.display().to_string());
    values.insert("greenloop".into(), greenloop_exe());
    values
}

/// The running greenloop executable, so a loop can start greenloop's own tools (the demo
/// backend) without knowing where cargo or an installer put the binary. Should the OS not
/// say, `greenloop` is looked up on `PATH`.
fn greenloop_exe() -> String {
    std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| "greenloop".to_owned())
}
