//! `greenloop run <loop> --until-green`: cycles (iteration, then the fix when it fails) in the
//! foreground until the loop is green, exhausted, the fix fails, or an iteration cannot run.

use std::path::Path;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use super::commands::{cancel_on_signal, load, print_summary};
use super::{exit, progress};
use crate::config::defaults;
use crate::model::Verdict;
use crate::runner::{Cycle, Events, Request, run_cycle};

/// Runs cycles of `name` until one of the ends above; exits like `run` (0 green, 1 failing,
/// 3 error, 130 interrupted).
pub async fn run(root: &Path, name: &str, new_loop: bool) -> anyhow::Result<ExitCode> {
    let (config, plan) = match load(root, name) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let cancel = CancellationToken::new();
    tokio::spawn(cancel_on_signal(cancel.clone()));
    // A loop with max_iterations stops by itself; one without would go on for ever.
    let cap = plan
        .max_iterations
        .is_none()
        .then_some(defaults::UNTIL_GREEN_CAP);
    let mut request = Request {
        trigger: "manual (cli --until-green)".into(),
        new_loop,
    };
    let mut ran = 0;
    loop {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let printer = tokio::spawn(progress::print_progress(plan.name.to_string(), receiver));
        let cycle = run_cycle(&config, &plan, request, &Events::to(sender), cancel.clone()).await;
        let _ = printer.await;
        let cycle = cycle?;
        ran += 1;
        print_summary(root, &cycle.finished);
        match next(
            &cycle,
            cancel.is_cancelled(),
            cap.is_some_and(|cap| ran >= cap),
        ) {
            Next::Stop(verdict, why) => {
                if let Some(why) = why {
                    eprintln!("greenloop: {why}");
                }
                return Ok(exit::for_verdict(verdict));
            }
            Next::Continue(trigger) => {
                request = Request {
                    trigger,
                    new_loop: false,
                };
            }
        }
    }
}

/// What follows a cycle.
enum Next {
    /// Stop and exit as for this verdict, saying why when the verdict alone does not.
    Stop(Verdict, Option<String>),
    /// Start the next iteration with this trigger text.
    Continue(String),
}

fn next(cycle: &Cycle, cancelled: bool, capped: bool) -> Next {
    let finished = &cycle.finished;
    let it = &finished.iteration;
    let at = format!("Loop {} / Iteration {}", it.loop_number, it.number);
    match it.verdict {
        Verdict::Failing if cancelled => return Next::Stop(Verdict::Interrupted, None),
        Verdict::Failing => {}
        Verdict::Error => {
            return Next::Stop(
                Verdict::Error,
                Some(format!("{at} could not run; stopping")),
            );
        }
        verdict => return Next::Stop(verdict, None),
    }
    if finished.loop_closed {
        return Next::Stop(
            Verdict::Failing,
            Some(format!(
                "Loop {} is exhausted: it reached max_iterations without going green",
                it.loop_number
            )),
        );
    }
    if let Some(fix) = cycle.fix.as_ref().filter(|fix| !fix.succeeded) {
        return Next::Stop(
            Verdict::Failing,
            Some(format!(
                "the fix after {at} failed ({}); stopping — its log: {}",
                fix.summary,
                fix.log.display()
            )),
        );
    }
    if capped {
        return Next::Stop(
            Verdict::Failing,
            Some(format!(
                "still failing after {} iterations: --until-green stops there when the loop sets no max_iterations",
                defaults::UNTIL_GREEN_CAP
            )),
        );
    }
    Next::Continue(
        cycle
            .next_trigger()
            .unwrap_or_else(|| format!("repeat (cli --until-green, after {at})")),
    )
}
