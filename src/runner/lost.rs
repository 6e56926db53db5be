//! Iterations found running that no process runs any more: a crash stopped greenloop, or a
//! bug (a panic) stopped this process's iteration. Each is concluded — `interrupted` after a
//! crash, `error` with the panic's message after a bug — and gets a report, written before the
//! store is told, so the history never points at a report that does not exist.

use chrono::Utc;

use super::record::RecordError;
use super::record::Recorder;
use crate::model::{Host, Iteration, Totals, Verdict};
use crate::report::{ReportPaths, write_iteration};
use crate::store::Interrupted;

/// Why iterations found running are being concluded.
#[derive(Debug, Clone)]
pub(crate) enum Lost {
    /// Found at a start: the process that ran them is gone.
    Crash,
    /// This process's iteration panicked with this message.
    Bug(String),
}

impl Lost {
    fn verdict(&self) -> Verdict {
        match self {
            Self::Crash => Verdict::Interrupted,
            Self::Bug(_) => Verdict::Error,
        }
    }

    fn why(&self) -> String {
        match self {
            Self::Crash => {
                "greenloop stopped while this iteration was running; it was found at the next start"
                    .to_owned()
            }
            Self::Bug(message) => format!(
                "greenloop hit a bug and stopped this iteration (please report it): {message}"
            ),
        }
    }
}

impl Recorder<'_> {
    /// Concludes every iteration of this loop left running, as `lost` says. After a crash,
    /// an iteration whose reports were written (the history is told last) is restored from its
    /// JSON twin with all its results.
    pub(super) fn conclude_lost(&mut self, lost: &Lost) -> Result<(), RecordError> {
        for found in self.store.running_iterations(&self.plan.name)? {
            let paths = ReportPaths::new(
                &self.config.reports_dir,
                &self.plan.name,
                found.at,
                found.started_at,
            );
            if matches!(lost, Lost::Crash) && self.restore(&found, &paths)? {
                continue;
            }
            let iteration = self.lost_iteration(&found, lost);
            let redactor = self.plan.redactor();
            let (stem, why) = match write_iteration(&paths, &iteration, &redactor) {
                Ok(()) => (Some(paths.stem.as_str()), lost.why()),
                Err(error) => {
                    tracing::error!(
                        "failed to write the report of {} of loop {}: {error}",
                        found.at,
                        self.plan.name
                    );
                    (
                        None,
                        format!("{}; its report could not be written: {error}", lost.why()),
                    )
                }
            };
            self.store.finish_lost(
                &self.plan.name,
                found.at,
                lost.verdict(),
                &redactor.text(&why),
                stem,
            )?;
            self.write_index(&paths)?;
        }
        Ok(())
    }

    /// Restores `found` from its JSON twin when there is one that reads; whether it did.
    fn restore(&mut self, found: &Interrupted, paths: &ReportPaths) -> Result<bool, RecordError> {
        let Ok(bytes) = crate::regular::read(&paths.json(), 1 << 30) else {
            return Ok(false);
        };
        let text = String::from_utf8_lossy(&bytes);
        let iteration = match crate::report::reread::iteration(&text, self.plan, found.at) {
            Ok(iteration) => iteration,
            Err(why) => {
                tracing::warn!(
                    "the report of {} of loop {} does not read back ({why}): recording it as interrupted",
                    found.at,
                    self.plan.name
                );
                return Ok(false);
            }
        };
        self.store
            .finish_iteration(&iteration, &paths.stem, self.plan.max_iterations)?;
        tracing::info!(
            loop_name = %self.plan.name,
            "restored {} from its report: it finished {} before greenloop stopped",
            found.at,
            iteration.verdict
        );
        self.write_index(paths)?;
        Ok(true)
    }

    /// Concludes the iteration `at`, which this process began but cannot run, as `error` with
    /// `why`; no report can be written (that is usually why).
    pub(super) fn abandon(
        &mut self,
        at: crate::model::IterationRef,
        why: &str,
    ) -> Result<(), RecordError> {
        let why = self.plan.redactor().text(why);
        Ok(self
            .store
            .finish_lost(&self.plan.name, at, Verdict::Error, &why, None)?)
    }

    /// The report of an iteration that ended without results.
    fn lost_iteration(&self, found: &Interrupted, lost: &Lost) -> Iteration {
        Iteration {
            loop_name: self.plan.name.clone(),
            title: self.plan.title.clone(),
            focus: self.plan.focus.clone(),
            environment: self.plan.environment.clone(),
            loop_number: found.at.loop_number,
            number: found.at.iteration,
            trigger: found.trigger.clone(),
            started_at: found.started_at,
            finished_at: Utc::now(),
            suites: Vec::new(),
            verdict: lost.verdict(),
            error: Some(lost.why()),
            totals: Totals::default(),
            diff: Default::default(),
            clusters: Vec::new(),
            resolved_clusters: Vec::new(),
            root_causes: Vec::new(),
            resolved_root_causes: Vec::new(),
            previous_fix: None,
            deployed: None,
            targets: Vec::new(),
            runners: Vec::new(),
            integrity: Vec::new(),
            probes: Vec::new(),
            host: Host::current(),
            deploy: None,
            collected: Vec::new(),
        }
    }
}
