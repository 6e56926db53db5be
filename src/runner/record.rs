//! Recording iterations: the history store around a run, and everything derived from it —
//! diff, clusters, verdict, integrity, reports, the index, retention, and crash recovery.

use std::fs::File;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use nix::fcntl::{Flock, FlockArg};

use super::commits::{Baselines, Listed, deploy_change};
use super::lost::Lost;
use super::targets::targets;
use crate::config::{DaemonConfig, LoopPlan};
use crate::model::{
    DeployOutcome, DeployStatus, Host, Iteration, IterationRef, Previous, PriorFix, RunnerVersion,
    SuiteResult, Totals, Verdict,
};
use crate::probe::ProbeReport;
use crate::report::files::write_atomic;
use crate::report::{ReportPaths, chart, index, write_iteration};
use crate::store::{Store, StoreError};
use crate::{cause, cluster, diff, integrity, verdict};

/// A finished iteration and where its reports are.
#[derive(Debug)]
pub struct Finished {
    /// The iteration.
    pub iteration: Iteration,
    /// Its files.
    pub paths: ReportPaths,
    /// This iteration closed its loop: it was green, or it reached `max_iterations`.
    pub loop_closed: bool,
}

/// A judged iteration that is not recorded yet: collects may still add to it.
#[derive(Debug)]
pub struct Judged {
    /// The iteration as it will be recorded.
    pub iteration: Iteration,
    paths: ReportPaths,
}

/// Why an iteration could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The history store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client for probes could not be built (no usable TLS configuration).
    #[error("failed to prepare the HTTP client for probes")]
    Probes(#[source] crate::probe::http::ClientError),
    /// Another greenloop process is running an iteration of this loop right now.
    #[error("loop `{loop_name}` is already running in another greenloop process (it holds {path})")]
    Busy {
        /// The loop definition.
        loop_name: crate::model::LoopName,
        /// The lock file.
        path: PathBuf,
    },
    /// The loop's lock file could not be opened.
    #[error("failed to lock {path}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A bug stopped the iteration (a panic, caught); it was recorded as `error`.
    #[error("greenloop hit a bug and stopped the iteration (please report it): {message}")]
    Bug {
        /// The panic's message.
        message: String,
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

/// An iteration that has its numbers: what `conclude` needs besides the results.
#[derive(Debug)]
pub struct Begun {
    /// Its numbers.
    pub at: IterationRef,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// What started it.
    pub trigger: String,
    /// The iteration to diff against, loaded while the battery runs (or the files are read).
    previous: Option<Previous>,
    /// The revisions of the previous and the last green iteration, for the deploy's change.
    baselines: Baselines,
}

impl Begun {
    /// The revisions of the previous and the last green iteration, which the commits listed
    /// for `[deploy] repo` start from.
    pub(crate) fn baselines(&self) -> &Baselines {
        &self.baselines
    }
}

/// The history store opened for one loop definition, holding that loop's run lock.
pub struct Recorder<'a> {
    /// Held while this process runs the loop: one iteration of a loop at a time across
    /// processes, and proof for crash recovery that nothing else is running it.
    _lock: Flock<File>,
    pub(super) store: Store,
    pub(super) config: &'a DaemonConfig,
    pub(super) plan: &'a LoopPlan,
}

impl<'a> Recorder<'a> {
    /// Takes the loop's run lock, opens the store, and first concludes any iteration of this
    /// loop a crash left running.
    pub fn open(config: &'a DaemonConfig, plan: &'a LoopPlan) -> Result<Self, RecordError> {
        Self::open_after(config, plan, &Lost::Crash)
    }

    /// [`Self::open`], concluding iterations found running as `lost` says.
    pub(super) fn open_after(
        config: &'a DaemonConfig,
        plan: &'a LoopPlan,
        lost: &Lost,
    ) -> Result<Self, RecordError> {
        let lock = lock_loop(config, &plan.name)?;
        let store = Store::open(&config.database())?;
        let mut recorder = Self {
            _lock: lock,
            store,
            config,
            plan,
        };
        recorder.conclude_lost(lost)?;
        recorder.rewrite_missing()?;
        Ok(recorder)
    }

    /// Reserves the next iteration's numbers and loads the iteration it will be diffed against
    /// while the battery runs.
    pub fn begin(&mut self, new_loop: bool, trigger: &str) -> Result<Begun, RecordError> {
        let started_at = Utc::now();
        let at = self
            .store
            .begin_iteration(&self.plan.name, new_loop, trigger, started_at)?;
        let previous = self.store.previous(&self.plan.name, at)?;
        let baselines = Baselines {
            previous: previous
                .as_ref()
                .and_then(|p| Some((p.at?, p.revision.clone()?))),
            last_green: self.store.last_green_revision(&self.plan.name, at)?,
        };
        Ok(Begun {
            at,
            started_at,
            trigger: trigger.to_owned(),
            previous,
            baselines,
        })
    }

    /// The verdict of the newest iteration of this definition before `at` that was not
    /// interrupted (what notifications compare with).
    pub fn verdict_before(&self, at: IterationRef) -> Result<Option<Verdict>, RecordError> {
        Ok(self.store.verdict_before(&self.plan.name, at)?)
    }

    /// The report paths of `begun`.
    pub fn paths(&self, begun: &Begun) -> ReportPaths {
        ReportPaths::new(
            &self.config.reports_dir,
            &self.plan.name,
            begun.at,
            begun.started_at,
        )
    }

    /// Judges `suites` against the previous iteration, records them in one transaction while
    /// the reports are written beside it, then refreshes the index and prunes; `runners` are
    /// the test runners their JUnit names.
    pub fn conclude(
        &mut self,
        begun: Begun,
        suites: Vec<SuiteResult>,
        probes: Vec<(String, ProbeReport)>,
        runners: Vec<RunnerVersion>,
    ) -> Result<Finished, RecordError> {
        let mut judged = self.judge(begun, suites, probes, None, Listed::default());
        judged.iteration.runners = runners;
        self.record(judged)
    }

    /// Judges `suites` against the previous iteration. A deploy that failed means the battery
    /// never ran: the verdict is `error` (`interrupted` if greenloop was stopped), and there is
    /// nothing to diff, cluster or distrust. `commits` are the commits the deploy brought, as
    /// the runner listed them.
    pub fn judge(
        &self,
        begun: Begun,
        suites: Vec<SuiteResult>,
        probes: Vec<(String, ProbeReport)>,
        deploy: Option<DeployOutcome>,
        commits: Listed,
    ) -> Judged {
        let clock = Instant::now();
        let paths = self.paths(&begun);
        let mut iteration = match deploy.as_ref().and_then(DeployOutcome::failure) {
            Some(failure) => {
                let interrupted = deploy
                    .as_ref()
                    .is_some_and(|d| d.status == DeployStatus::Interrupted);
                let mut iteration = self.assess(begun, Vec::new(), Vec::new(), deploy, commits);
                iteration.verdict = if interrupted {
                    Verdict::Interrupted
                } else {
                    Verdict::Error
                };
                iteration.error = Some(failure);
                iteration.forget_analysis();
                iteration
            }
            None => self.assess(begun, suites, probes, deploy, commits),
        };
        iteration.targets = targets(&iteration.probes, self.plan);
        tracing::debug!(elapsed = ?clock.elapsed(), "diffed, clustered and judged");
        Judged { iteration, paths }
    }

    /// Records a judged iteration in one transaction while the reports are written beside it,
    /// then refreshes the index and prunes.
    pub fn record(&mut self, judged: Judged) -> Result<Finished, RecordError> {
        let clock = Instant::now();
        let Judged { iteration, paths } = judged;
        let redactor = self.plan.redactor();
        // The reports are written while the store inserts the results (on two cores they
        // overlap), and the store commits only once the reports are on disk: the history never
        // says an iteration finished before its report exists. A crash before the commit leaves
        // the reports, from which the next start restores the iteration; a report that could
        // not be written leaves the iteration recorded with the reason, for a later run to
        // write it from the history.
        let mut written = Ok(());
        let dir = self.shown(&paths.dir);
        let stored = std::thread::scope(|scope| {
            let reports = scope.spawn(|| write_iteration(&paths, &iteration, &redactor));
            self.store.finish_iteration_after(
                &iteration,
                &paths.stem,
                self.plan.max_iterations,
                || {
                    written = match reports.join() {
                        Ok(result) => result,
                        Err(panic) => std::panic::resume_unwind(panic),
                    };
                    written
                        .as_ref()
                        .map_err(|e| format!("failed to write to {dir}: {e}"))?;
                    Ok(())
                },
            )
        });
        let loop_closed = stored?;
        written.map_err(|source| RecordError::Report {
            path: paths.dir.clone(),
            source,
        })?;
        tracing::debug!(elapsed = ?clock.elapsed(), "recorded and wrote the reports");
        self.write_index(&paths)?;
        self.prune()?;
        tracing::debug!(elapsed = ?clock.elapsed(), "wrote the index and pruned");
        Ok(Finished {
            iteration,
            paths,
            loop_closed,
        })
    }

    /// `path` relative to the root, as messages show paths.
    fn shown(&self, path: &std::path::Path) -> String {
        path.strip_prefix(&self.config.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Records how the `[fix]` step after the iteration `at` went, so the next iteration's
    /// report can say what it did.
    pub fn record_fix(&mut self, fix: &PriorFix) -> Result<(), RecordError> {
        Ok(self.store.record_fix(&self.plan.name, fix.after, fix)?)
    }

    /// The pure part: diff, clusters, root causes, verdict and integrity, assembled into the
    /// iteration.
    fn assess(
        &self,
        begun: Begun,
        suites: Vec<SuiteResult>,
        probes: Vec<(String, ProbeReport)>,
        deploy: Option<DeployOutcome>,
        commits: Listed,
    ) -> Iteration {
        let plan = self.plan;
        let Begun {
            at,
            started_at,
            trigger,
            previous,
            baselines,
        } = begun;
        let previous = previous.as_ref();
        let diff = diff::diff(previous, &suites, at);
        let (clusters, resolved_clusters) = cluster::cluster(&suites, previous, at);
        let verdict = verdict::judge(&suites, plan.pass_threshold);
        let integrity = integrity::check(&suites, &diff, previous);
        let revision = deploy.as_ref().and_then(|d| match d.revision.as_ref()? {
            crate::model::Revision::Known(revision) => Some(revision.as_str()),
            crate::model::Revision::Unknown { .. } => None,
        });
        let deployed = deploy_change(revision, baselines, commits);
        let clock = Instant::now();
        let (root_causes, resolved_root_causes) =
            cause::analyse(&suites, &probes, previous, at, deployed.as_ref());
        tracing::debug!(elapsed = ?clock.elapsed(), causes = root_causes.len(), "found the root causes");
        Iteration {
            loop_name: plan.name.clone(),
            title: plan.title.clone(),
            focus: plan.focus.clone(),
            environment: plan.environment.clone(),
            loop_number: at.loop_number,
            number: at.iteration,
            trigger,
            started_at,
            finished_at: Utc::now(),
            totals: Totals::count(suites.iter().flat_map(|s| &s.tests)),
            error: (verdict == Verdict::Error).then(|| no_suite_started(&suites)),
            suites,
            verdict,
            diff,
            clusters,
            resolved_clusters,
            root_causes,
            resolved_root_causes,
            previous_fix: previous.and_then(|p| p.fix.clone()),
            deployed,
            targets: Vec::new(),
            runners: Vec::new(),
            integrity,
            probes,
            host: Host::current(),
            deploy,
            collected: Vec::new(),
        }
    }

    /// Refreshes `index.md` and `trend.svg` from the history.
    pub(super) fn write_index(&self, paths: &ReportPaths) -> Result<(), RecordError> {
        let report_error = |source| RecordError::Report {
            path: paths.dir.clone(),
            source,
        };
        let rows = self.store.history(&self.plan.name)?;
        let index = self
            .plan
            .redactor()
            .mask(index::render(&self.plan.title, &rows));
        write_atomic(&paths.dir.join("index.md"), index.as_bytes()).map_err(report_error)?;
        write_atomic(
            &paths.dir.join(index::TREND_SVG),
            chart::trend_svg(&rows).as_bytes(),
        )
        .map_err(report_error)
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
            let logs = ReportPaths::new(
                &self.config.reports_dir,
                &self.plan.name,
                row.at,
                row.started_at,
            )
            .logs();
            match std::fs::remove_dir_all(&logs) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("failed to remove old logs {}: {e}", logs.display()),
            }
        }
        Ok(())
    }
}

/// Records an iteration of `plan` that could not run at all because its loop file does not
/// validate: verdict `error`, with `message` (the file:line:column diagnostics) as the reason,
/// so a scheduled trigger on a broken file leaves a report rather than only a log line.
pub fn record_config_error(
    config: &DaemonConfig,
    plan: &LoopPlan,
    request: &super::Request,
    message: &str,
) -> Result<Finished, RecordError> {
    let mut recorder = Recorder::open(config, plan)?;
    let begun = recorder.begin(request.new_loop, &request.trigger)?;
    let mut judged = recorder.judge(begun, Vec::new(), Vec::new(), None, Listed::default());
    judged.iteration.verdict = Verdict::Error;
    judged.iteration.error = Some(format!("the loop file does not validate:\n{message}"));
    judged.iteration.forget_analysis();
    recorder.record(judged)
}

/// Why no suite could be started, with the first suite's reason ("failed to create
/// reports/…/api.log: No space left on device"), so the history says what really happened.
fn no_suite_started(suites: &[SuiteResult]) -> String {
    let first = suites.iter().find_map(|s| match &s.run {
        crate::model::SuiteRun::NotStarted { reason } => Some(format!("`{}`: {reason}", s.name)),
        _ => None,
    });
    match first {
        Some(reason) => format!("no suite could be started ({reason})"),
        None => "no suite could be started".to_owned(),
    }
}

/// Marks iterations of `plan` a crash left running as interrupted and writes their reports
/// (what the daemon does for every loop at start).
pub fn recover(config: &DaemonConfig, plan: &LoopPlan) -> Result<(), RecordError> {
    Recorder::open(config, plan).map(drop)
}

/// Concludes the iteration of `plan` a bug stopped (a panic, caught by the cycle) as `error`
/// with `message`, and writes its report.
pub fn record_bug(
    config: &DaemonConfig,
    plan: &LoopPlan,
    message: &str,
) -> Result<(), RecordError> {
    Recorder::open_after(config, plan, &Lost::Bug(message.to_owned())).map(drop)
}

/// Takes `state/<loop>.lock` without waiting; the kernel releases it when this process ends,
/// however it ends, so a crash never leaves a loop locked.
fn lock_loop(
    config: &DaemonConfig,
    name: &crate::model::LoopName,
) -> Result<Flock<File>, RecordError> {
    let path = config.state_dir.join(format!("{name}.lock"));
    let lock_error = |source| RecordError::Lock {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&config.state_dir).map_err(lock_error)?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(lock_error)?;
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| match errno {
        nix::errno::Errno::EWOULDBLOCK => RecordError::Busy {
            loop_name: name.clone(),
            path: path.clone(),
        },
        other => lock_error(other.into()),
    })
}
