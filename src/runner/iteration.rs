//! One iteration end to end: numbers, battery, verdict, integrity, reports, numbering saved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::battery::run_battery;
use super::events::{Event, Events};
use super::suite::SuiteContext;
use crate::config::{DaemonConfig, LoopPlan};
use crate::counter;
use crate::model::{Diff, Host, Iteration, Totals};
use crate::report::{ReportPaths, write_iteration};
use crate::{integrity, verdict};

/// What asked for an iteration.
#[derive(Debug, Clone)]
pub struct Request {
    /// How it was triggered, for the report (e.g. "manual (cli)").
    pub trigger: String,
    /// Close the open loop and start a new one.
    pub new_loop: bool,
}

/// A finished iteration and where its reports are.
#[derive(Debug)]
pub struct Finished {
    /// The iteration.
    pub iteration: Iteration,
    /// Its files.
    pub paths: ReportPaths,
}

/// Why an iteration could not be recorded. A failing battery is not an error: it is a verdict.
#[derive(Debug, thiserror::Error)]
pub enum IterationError {
    /// The numbering state could not be read or written.
    #[error("failed to update loop numbering in {path}")]
    Counter {
        /// The state directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A report or log directory could not be written.
    #[error("failed to write reports to {path}")]
    Report {
        /// The report directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Runs one iteration of `plan`.
pub async fn run_iteration(
    config: &DaemonConfig,
    plan: &LoopPlan,
    request: Request,
    events: &Events,
    cancel: CancellationToken,
) -> Result<Finished, IterationError> {
    let counter_error = |source| IterationError::Counter {
        path: config.state_dir.clone(),
        source,
    };
    let numbers = counter::load(&config.state_dir, &plan.name)
        .map_err(counter_error)?
        .next(request.new_loop);
    counter::save(&config.state_dir, &plan.name, numbers).map_err(counter_error)?;

    let started_at = Utc::now();
    let paths = ReportPaths::new(
        &config.reports_dir,
        &plan.name,
        numbers.loop_number,
        numbers.iteration,
        started_at,
    );
    let report_error = |source| IterationError::Report {
        path: paths.dir.clone(),
        source,
    };
    std::fs::create_dir_all(paths.logs()).map_err(report_error)?;
    events.emit(Event::IterationStarted {
        loop_number: numbers.loop_number,
        iteration: numbers.iteration,
        suites: plan.suites.len(),
    });

    let values = template_values(config, plan, numbers.loop_number, numbers.iteration, &paths);
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
    let ctx = SuiteContext {
        config: config.clone(),
        values,
        exported_env,
        loop_env: plan.env.clone(),
        logs_dir: paths.logs(),
        logs_relative: paths.logs_relative(),
        redactor: plan.redactor(),
        cancel,
    };
    let suites = run_battery(&plan.suites, plan.parallel, ctx, events).await;

    let verdict = verdict::judge(&suites, plan.pass_threshold);
    let integrity = integrity::check(&suites);
    let iteration = Iteration {
        loop_name: plan.name.clone(),
        title: plan.title.clone(),
        focus: plan.focus.clone(),
        environment: plan.environment.clone(),
        loop_number: numbers.loop_number,
        number: numbers.iteration,
        trigger: request.trigger,
        started_at,
        finished_at: Utc::now(),
        totals: Totals::count(suites.iter().flat_map(|s| &s.tests)),
        error: (verdict == crate::model::Verdict::Error)
            .then(|| "no suite could be started".to_owned()),
        suites,
        verdict,
        integrity,
        host: Host::current(),
        diff: Diff::default(),
        clusters: Vec::new(),
    };
    write_iteration(&paths, &iteration, &plan.redactor()).map_err(report_error)?;
    counter::save(
        &config.state_dir,
        &plan.name,
        numbers.after(verdict, plan.max_iterations),
    )
    .map_err(counter_error)?;
    events.emit(Event::IterationFinished {
        verdict,
        totals: iteration.totals,
    });
    Ok(Finished { iteration, paths })
}

/// The values `${…}` can name: vars, secrets and the built-ins (`junit` is per suite).
fn template_values(
    config: &DaemonConfig,
    plan: &LoopPlan,
    loop_number: u32,
    iteration: u32,
    paths: &ReportPaths,
) -> BTreeMap<String, String> {
    let mut values = plan.vars.clone();
    values.extend(
        plan.secrets
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_owned())),
    );
    values.insert("loop".into(), loop_number.to_string());
    values.insert("iteration".into(), iteration.to_string());
    values.insert("loop_name".into(), plan.name.to_string());
    values.insert("report_dir".into(), paths.dir.display().to_string());
    values.insert("root".into(), config.root.display().to_string());
    values
}
