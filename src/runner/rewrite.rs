//! Writing, from the history, the reports that could not be written when their iteration
//! finished (a full or read-only `reports/`): the next run of the loop writes them, so the
//! history never points at nothing for long.

use super::record::{RecordError, Recorder};
use crate::model::{Host, Iteration, ResultSource, SuiteResult, SuiteRun, Totals};
use crate::report::{ReportPaths, write_iteration};
use crate::store::StoredIteration;
use crate::{cause, cluster, integrity};

/// What a report written later says it lacks.
const LATER: &str = "this report was written later, from the history: the probe, deploy and \
    diagnostics details of the run were not kept";

impl Recorder<'_> {
    /// Writes every missing report of this loop that the history can give; a report that
    /// still cannot be written waits for the next run.
    pub(super) fn rewrite_missing(&mut self) -> Result<(), RecordError> {
        for stored in self.store.missing_reports(&self.plan.name)? {
            let paths = ReportPaths::new(
                &self.config.reports_dir,
                &self.plan.name,
                stored.at,
                stored.started_at,
            );
            let iteration = self.iteration_from_history(stored);
            let redactor = self.plan.redactor();
            if let Err(error) = write_iteration(&paths, &iteration, &redactor) {
                tracing::warn!(
                    "the report of {} of loop {} still cannot be written: {error}",
                    iteration.at(),
                    self.plan.name
                );
                continue;
            }
            let note = iteration.error.as_deref().map(|e| redactor.text(e));
            self.store.set_report(
                &self.plan.name,
                iteration.at(),
                &paths.stem,
                note.as_deref(),
            )?;
            tracing::info!(
                loop_name = %self.plan.name,
                "wrote the missing report of {} from the history",
                iteration.at()
            );
            self.write_index(&paths)?;
        }
        Ok(())
    }

    /// An iteration as the history kept it, its clusters and root causes found again.
    fn iteration_from_history(&self, stored: StoredIteration) -> Iteration {
        let at = stored.at;
        let suites: Vec<SuiteResult> = stored
            .suites
            .iter()
            .map(|(name, critical)| SuiteResult {
                name: name.clone(),
                critical: *critical,
                impact: self.plan.suite(name).and_then(|s| s.impact.clone()),
                command: Vec::new(),
                run: SuiteRun::Imported,
                source: ResultSource::NotRun,
                declared_tests: None,
                log: None,
                tests: stored
                    .tests
                    .iter()
                    .filter(|t| t.suite == *name)
                    .cloned()
                    .collect(),
                notes: Vec::new(),
            })
            .collect();
        let (clusters, _) = cluster::cluster(&suites, None, at);
        let (root_causes, _) = cause::analyse(&suites, &[], None, at, None);
        let error = match &stored.error {
            Some(error) => format!("{error}; {LATER}"),
            None => LATER.to_owned(),
        };
        Iteration {
            loop_name: self.plan.name.clone(),
            title: self.plan.title.clone(),
            focus: self.plan.focus.clone(),
            environment: self.plan.environment.clone(),
            loop_number: at.loop_number,
            number: at.iteration,
            trigger: stored.trigger,
            started_at: stored.started_at,
            finished_at: stored.finished_at,
            totals: Totals::count(suites.iter().flat_map(|s| &s.tests)),
            integrity: integrity::check(&suites, &Default::default(), None),
            suites,
            verdict: stored.verdict,
            error: Some(error),
            diff: Default::default(),
            clusters,
            resolved_clusters: Vec::new(),
            root_causes,
            resolved_root_causes: Vec::new(),
            previous_fix: None,
            deployed: None,
            targets: Vec::new(),
            runners: Vec::new(),
            probes: Vec::new(),
            host: Host::current(),
            deploy: None,
            collected: Vec::new(),
        }
    }
}
