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
    /// Concludes every iteration of this loop left running, as `lost` says.
    pub(super) fn conclude_lost(&mut self, lost: &Lost) -> Result<(), RecordError> {
        for found in self.store.running_iterations(&self.plan.name)? {
            let paths = ReportPaths::new(
                &self.config.reports_dir,
                &self.plan.name,
                found.at,
                found.started_at,
            );
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
