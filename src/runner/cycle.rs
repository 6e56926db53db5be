//! A cycle: one iteration and, when it is failing, the `[fix]` step — the unit the daemon and
//! `run --until-green` repeat.
//!
//! The fix runs after the iteration's report is written, so its outcome cannot be in that
//! report: it is recorded with the iteration in the store, and the next iteration's report says
//! what it did; it also goes into the next iteration's trigger text ([`Cycle::next_trigger`])
//! and the log.
//! The fix runs only while the loop is still open: an iteration that closed its loop as
//! exhausted gets no fix, since no iteration of that loop would test it.
//!
//! Webhooks (`[[notify]]`) hear about the recorded iteration beside the fix, so both `run` and
//! the daemon notify, and a slow webhook holds up neither the fix nor the verdict.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use super::blocking::blocking;
use super::events::{Event, Events};
use super::fix::run_fix;
use super::iteration::{Finished, IterationError, Request, run_locked};
use super::notifying::{notify, previous_verdict};
use super::record::{Recorder, record_bug};
use super::suite::SuiteContext;
use crate::config::{DaemonConfig, LoopPlan};
use crate::model::{PriorFix, Verdict};

/// One iteration plus, when it is failing, the fix step.
#[derive(Debug)]
pub struct Cycle {
    /// The iteration, recorded and reported.
    pub finished: Finished,
    /// The fix, when the iteration was failing, its loop still open, and `[fix]` is set.
    pub fix: Option<FixOutcome>,
}

/// How the fix step went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOutcome {
    /// It exited by itself with code 0.
    pub succeeded: bool,
    /// e.g. "exit 0 in 3.21 s", "timed out after 30m in 1800.00 s", "could not start: …".
    pub summary: String,
    /// Its log, `fix.log` in the iteration's logs directory.
    pub log: PathBuf,
    /// The last line it printed (secrets masked, at most [`SAID_MAX_CHARS`] characters): what a
    /// fix says it did, e.g. "mended ws_1011 …".
    pub said: Option<String>,
}

/// The longest [`FixOutcome::said`] kept, in characters.
pub const SAID_MAX_CHARS: usize = 200;

impl Cycle {
    /// The trigger text for the iteration that follows this cycle's fix, e.g.
    /// "fix (after Loop 1 / Iteration 2: exit 0 in 3.21 s)"; `None` when no fix ran.
    pub fn next_trigger(&self) -> Option<String> {
        let fix = self.fix.as_ref()?;
        let it = &self.finished.iteration;
        Some(format!(
            "fix (after Loop {} / Iteration {}: {})",
            it.loop_number, it.number, fix.summary
        ))
    }
}

/// Runs one iteration of `plan` and, when it is failing and its loop still open, `[fix]` —
/// holding the loop's lock throughout, so no other iteration starts between the two. The
/// loop's `[[notify]]` webhooks are told what changed while the fix runs; that never fails the
/// cycle, and takes at most [`crate::config::defaults::NOTIFY_BUDGET`].
///
/// A bug that panics anywhere in the cycle is caught here: the iteration it stopped is recorded
/// as `error` with the panic's message (its report written, its slot freed), and the cycle
/// returns [`IterationError::Bug`], so neither the daemon nor `run` goes down with it.
pub async fn run_cycle(
    config: &DaemonConfig,
    plan: &LoopPlan,
    request: Request,
    events: &Events,
    cancel: CancellationToken,
) -> Result<Cycle, IterationError> {
    caught(config, plan, cycle(config, plan, request, events, cancel)).await
}

/// Runs `cycle`, turning a panic into a recorded `error` iteration and [`IterationError::Bug`].
async fn caught(
    config: &DaemonConfig,
    plan: &LoopPlan,
    cycle: impl Future<Output = Result<Cycle, IterationError>>,
) -> Result<Cycle, IterationError> {
    match AssertUnwindSafe(cycle).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            tracing::error!(loop_name = %plan.name, "the iteration panicked: {message}");
            // The panicked cycle's lock went with it: the iteration it left running is ours.
            if let Err(error) = blocking(|| record_bug(config, plan, &message)) {
                tracing::error!(loop_name = %plan.name, "failed to record the panicked iteration: {error}");
            }
            Err(IterationError::Bug { message })
        }
    }
}

/// A panic's payload as text.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

async fn cycle(
    config: &DaemonConfig,
    plan: &LoopPlan,
    request: Request,
    events: &Events,
    cancel: CancellationToken,
) -> Result<Cycle, IterationError> {
    let mut recorder = blocking(|| Recorder::open(config, plan))?;
    let (finished, ctx) = run_locked(&mut recorder, config, plan, request, events, cancel).await?;
    // The webhooks are told while the fix runs: a slow or dead webhook delays neither.
    let previous = blocking(|| previous_verdict(&recorder, plan, &finished));
    let notifying = notify(config, plan, &finished, previous, &ctx.values, &ctx.cancel);
    let fixing = fix_step(plan, &finished, &ctx, events);
    let ((), fix) = tokio::join!(notifying, fixing);
    if let Some(fix) = &fix {
        let prior = PriorFix {
            after: finished.iteration.at(),
            succeeded: fix.succeeded,
            summary: fix.summary.clone(),
            said: fix.said.clone(),
        };
        // The next report says what the fix did; losing that is worth a warning, not the cycle.
        if let Err(error) = blocking(|| recorder.record_fix(&prior)) {
            tracing::warn!("failed to record the fix's outcome: {error}");
        }
    }
    drop(recorder);
    Ok(Cycle { finished, fix })
}

/// Runs `[fix]` when the iteration is failing and its loop still open.
async fn fix_step(
    plan: &LoopPlan,
    finished: &Finished,
    ctx: &SuiteContext,
    events: &Events,
) -> Option<FixOutcome> {
    let wants_fix = finished.iteration.verdict == Verdict::Failing
        && !finished.loop_closed
        && !ctx.cancel.is_cancelled();
    let fix_plan = plan.fix.as_ref().filter(|_| wants_fix)?;
    events.emit(Event::FixStarted);
    let outcome = run_fix(fix_plan, ctx, &finished.paths).await;
    tracing::info!(
        loop_name = %plan.name,
        loop_number = finished.iteration.loop_number,
        iteration = finished.iteration.number,
        succeeded = outcome.succeeded,
        log = %outcome.log.display(),
        "fix finished: {}",
        outcome.summary
    );
    events.emit(Event::FixFinished {
        ok: outcome.succeeded,
        summary: outcome.summary.clone(),
        said: outcome.said.clone(),
    });
    Some(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The daemon spawns cycles on its runtime, so the future must be `Send`.
    /// A panic mid-iteration is caught: the iteration it left running is recorded as `error`
    /// with the panic's message and gets its report, and the loop can run again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_iteration_is_recorded_as_an_error_and_the_loop_goes_on() {
        let root = tempfile::tempdir().unwrap();
        let config = DaemonConfig::defaults(root.path());
        let plan = LoopPlan::bare(crate::model::LoopName::new("buggy").expect("valid name"));
        let result = caught(&config, &plan, async {
            let mut recorder = Recorder::open(&config, &plan)?;
            let _begun = recorder.begin(false, "test")?;
            panic!("index out of bounds: the len is 0 but the index is 3");
        })
        .await;
        let Err(IterationError::Bug { message }) = result else {
            panic!("expected a bug: {result:?}");
        };
        assert_eq!(
            message,
            "index out of bounds: the len is 0 but the index is 3"
        );
        let store = crate::store::Store::open(&config.database()).unwrap();
        let history = store.history(&plan.name).unwrap();
        assert_eq!(history[0].verdict, Some(Verdict::Error));
        let stem = history[0].report_stem.clone().expect("a report");
        let report =
            std::fs::read_to_string(config.reports_dir.join("buggy").join(format!("{stem}.md")))
                .unwrap();
        assert!(
            report.contains("greenloop hit a bug and stopped this iteration"),
            "{report}"
        );
        assert!(report.contains("index out of bounds"), "{report}");
        // Nothing is left running: the next iteration gets the next number.
        let mut recorder = Recorder::open(&config, &plan).unwrap();
        let next = recorder.begin(false, "test").unwrap();
        assert_eq!(next.at.iteration, 2);
    }

    #[test]
    fn a_cycle_can_run_on_a_spawned_task() {
        fn assert_send<T: Send>(_: &T) {}
        let config = DaemonConfig::defaults(std::path::Path::new("/nonexistent"));
        let plan = LoopPlan::bare(crate::model::LoopName::new("x").expect("valid name"));
        let request = Request {
            trigger: "test".into(),
            new_loop: false,
        };
        let events = Events::default();
        let future = run_cycle(&config, &plan, request, &events, CancellationToken::new());
        assert_send(&future);
    }
}
