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

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use super::blocking::blocking;
use super::events::{Event, Events};
use super::fix::run_fix;
use super::iteration::{Finished, IterationError, Request, run_locked};
use super::notifying::{notify, previous_verdict};
use super::record::Recorder;
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
pub async fn run_cycle(
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
