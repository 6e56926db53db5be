//! Recording iterations: the history store around a run, and everything derived from it —
//! diff, clusters, verdict, integrity, reports, the index, retention, and crash recovery.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::{DaemonConfig, LoopPlan};
use crate::model::{Host, Iteration, IterationRef, SuiteResult, Totals, Verdict};
use crate::report::files::write_atomic;
use crate::report::{ReportPaths, chart, index, write_iteration};
use crate::store::{Store, StoreError};
use crate::{cluster, diff, integrity, verdict};

/// A finished iteration and where its reports are.
#[derive(Debug)]
pub struct Finished {
    /// The iteration.
    pub iteration: Iteration,
    /// Its files.
    pub paths: ReportPaths,
}

/// Why an iteration could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The history store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// The history store opened for one loop definition.
pub struct Recorder<'a> {
    store: Store,
    config: &'a DaemonConfig,
    plan: &'a LoopPlan,
}

impl<'a> Recorder<'a> {
    /// Opens the store and first writes reports for any iteration a crash left running.
    pub fn open(config: &'a DaemonConfig, plan: &'a LoopPlan) -> Result<Self, RecordError> {
        let store = Store::open(&config.database())?;
        let mut recorder = Self {
            store,
            config,
            plan,
        };
        recorder.recover()?;
        Ok(recorder)
    }

    /// Reserves the next iteration's numbers.
    pub fn begin(
        &mut self,
        new_loop: bool,
        trigger: &str,
        started_at: DateTime<Utc>,
    ) -> Result<IterationRef, RecordError> {
        Ok(self
            .store
            .begin_iteration(&self.plan.name, new_loop, trigger, started_at)?)
    }

    /// Judges `suites`, records them in one transaction, and writes the reports and index.
    pub fn conclude(
        &mut self,
        at: IterationRef,
        started_at: DateTime<Utc>,
        trigger: &str,
        suites: Vec<SuiteResult>,
        paths: &ReportPaths,
    ) -> Result<Finished, RecordError> {
        let plan = self.plan;
        let previous = self.store.previous(&plan.name, at)?;
        let diff = diff::diff(previous.as_ref(), &suites, at);
        let (clusters, resolved_clusters) = cluster::cluster(&suites, previous.as_ref(), at);
        let verdict = verdict::judge(&suites, plan.pass_threshold);
        let integrity = integrity::check(&suites, &diff, previous.as_ref());
        let iteration = Iteration {
            loop_name: plan.name.clone(),
            title: plan.title.clone(),
            focus: plan.focus.clone(),
            environment: plan.environment.clone(),
            loop_number: at.loop_number,
            number: at.iteration,
            trigger: trigger.to_owned(),
            started_at,
            finished_at: Utc::now(),
            totals: Totals::count(suites.iter().flat_map(|s| &s.tests)),
            error: (verdict == Verdict::Error).then(|| "no suite could be started".to_owned()),
            suites,
            verdict,
            diff,
            clusters,
            resolved_clusters,
            integrity,
            host: Host::current(),
        };
        self.store
            .finish_iteration(&iteration, &paths.stem, plan.max_iterations)?;
        self.write(paths, &iteration)?;
        self.prune()?;
        Ok(Finished {
            iteration,
            paths: paths.clone(),
        })
    }

    /// Writes an iteration's reports and refreshes the index and trend chart.
    fn write(&self, paths: &ReportPaths, iteration: &Iteration) -> Result<(), RecordError> {
        let report_error = |source| RecordError::Report {
            path: paths.dir.clone(),
            source,
        };
        write_iteration(paths, iteration, &self.plan.redactor()).map_err(report_error)?;
        let rows = self.store.history(&self.plan.name)?;
        let redactor = self.plan.redactor();
        write_atomic(
            &paths.dir.join("index.md"),
            redactor
                .text(&index::render(&self.plan.title, &rows))
                .as_bytes(),
        )
        .map_err(report_error)?;
        write_atomic(
            &paths.dir.join(index::TREND_SVG),
            chart::trend_svg(&rows).as_bytes(),
        )
        .map_err(report_error)
    }

    /// Marks iterations a crash left running as interrupted and writes their reports.
    fn recover(&mut self) -> Result<(), RecordError> {
        for lost in self.store.recover_interrupted()? {
            if lost.loop_name != self.plan.name {
                // Another definition's: its own next run writes its report.
                continue;
            }
            let paths = ReportPaths::new(
                &self.config.reports_dir,
                &self.plan.name,
                lost.at,
                lost.started_at,
            );
            let iteration = Iteration {
                loop_name: self.plan.name.clone(),
                title: self.plan.title.clone(),
                focus: self.plan.focus.clone(),
                environment: self.plan.environment.clone(),
                loop_number: lost.at.loop_number,
                number: lost.at.iteration,
                trigger: lost.trigger.clone(),
                started_at: lost.started_at,
                finished_at: Utc::now(),
                suites: Vec::new(),
                verdict: Verdict::Interrupted,
                error: Some("greenloop stopped while this iteration was running; it was found at the next start".into()),
                totals: Totals::default(),
                diff: Default::default(),
                clusters: Vec::new(),
                resolved_clusters: Vec::new(),
                integrity: Vec::new(),
                host: Host::current(),
            };
            self.write(&paths, &iteration)?;
        }
        Ok(())
    }

    /// Drops test results and logs of iterations beyond `keep_iterations`.
    fn prune(&mut self) -> Result<(), RecordError> {
        let pruned = self
            .store
            .prune(&self.plan.name, self.plan.keep_iterations)?;
        if pruned.is_empty() {
            return Ok(());
        }
        for row in self
            .store
            .history(&self.plan.name)?
            .iter()
            .filter(|r| pruned.contains(&r.at))
        {
            let paths = ReportPaths::new(
                &self.config.reports_dir,
                &self.plan.name,
                row.at,
                row.started_at,
            );
            match std::fs::remove_dir_all(paths.logs()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!("failed to remove old logs {}: {e}", paths.logs().display())
                }
            }
        }
        Ok(())
    }
}
