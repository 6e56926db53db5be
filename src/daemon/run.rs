//! One iteration run by the daemon: its loop file re-read, the iteration (and fix step) run,
//! its events forwarded to the feed, and its outcome reported back to the coordinator.

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::activity::Accepted;
use super::coordinator::{Message, Refused};
use super::feed::Feed;
use crate::config::{self, DaemonConfig};
use crate::model::{LoopName, Verdict};
use crate::runner::{Event, Events, IterationError, Request, run_cycle};

/// Everything an iteration task needs.
#[derive(Debug)]
pub struct Start {
    pub config: DaemonConfig,
    pub name: LoopName,
    pub trigger_id: u64,
    pub trigger: String,
    pub new_loop: bool,
    /// The trigger's caller, answered once the iteration has its numbers.
    pub reply: Option<oneshot::Sender<Result<Accepted, Refused>>>,
    pub feed: Feed,
    pub coordinator: mpsc::UnboundedSender<Message>,
    pub cancel: CancellationToken,
}

/// How an iteration ended, for the coordinator.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Its verdict, when it was recorded.
    pub verdict: Option<Verdict>,
    /// Its pass rate.
    pub pass_rate: Option<f64>,
    /// How long it took.
    pub duration: Duration,
    /// The trigger text of the iteration to start next (the fix step succeeded and the loop
    /// has `auto_continue`).
    pub continue_with: Option<String>,
}

/// Runs the iteration and tells the coordinator how it ended.
pub async fn run(start: Start) {
    let name = start.name.clone();
    let coordinator = start.coordinator.clone();
    let outcome = iterate(start).await;
    let _ = coordinator.send(Message::Finished { name, outcome });
}

async fn iterate(start: Start) -> Outcome {
    let clock = Instant::now();
    let Start {
        config,
        name,
        trigger_id,
        trigger,
        new_loop,
        reply,
        feed,
        coordinator,
        cancel,
    } = start;
    let plan = match config::loop_plan(&config, name.as_str()) {
        Ok(plan) => plan,
        Err(diagnostics) => {
            tracing::error!(loop_name = %name, "the loop file does not validate:\n{diagnostics}");
            feed.publish_error(&name, trigger_id, &diagnostics.to_string());
            let request = Request { trigger, new_loop };
            let bare = crate::config::LoopPlan::bare(name.clone());
            let recorded = tokio::task::spawn_blocking({
                let message = diagnostics.to_string();
                move || crate::runner::record_config_error(&config, &bare, &request, &message)
            })
            .await;
            let verdict = match recorded {
                Ok(Ok(finished)) => Some(finished.iteration.verdict),
                Ok(Err(e)) => {
                    tracing::error!(loop_name = %name, "failed to record the config error: {:#}", anyhow::Error::new(e));
                    None
                }
                Err(e) => {
                    tracing::error!(loop_name = %name, "failed to record the config error: {e}");
                    None
                }
            };
            if let Some(reply) = reply {
                let _ = reply.send(Err(Refused::Invalid {
                    name: name.clone(),
                    diagnostics: diagnostics.to_string(),
                }));
            }
            return Outcome {
                verdict,
                duration: clock.elapsed(),
                ..Outcome::default()
            };
        }
    };
    let (sender, receiver) = mpsc::unbounded_channel();
    let forwarder = tokio::spawn(forward(
        receiver,
        name.clone(),
        trigger_id,
        reply,
        feed.clone(),
        coordinator,
    ));
    let request = Request { trigger, new_loop };
    let result = run_cycle(&config, &plan, request, &Events::to(sender), cancel).await;
    let reply = forwarder.await.ok().flatten();
    match result {
        Ok(cycle) => {
            let it = &cycle.finished.iteration;
            tracing::info!(loop_name = %name, verdict = %it.verdict, "{} / Iteration {} finished", format_args!("Loop {}", it.loop_number), it.number);
            Outcome {
                verdict: Some(it.verdict),
                pass_rate: it.totals.pass_rate(),
                duration: clock.elapsed(),
                continue_with: plan
                    .fix
                    .as_ref()
                    .filter(|fix| fix.auto_continue)
                    .filter(|_| cycle.fix.as_ref().is_some_and(|fix| fix.succeeded))
                    .filter(|_| !cycle.finished.loop_closed)
                    .and_then(|_| cycle.next_trigger()),
            }
        }
        Err(error) => {
            // A `greenloop run` of the same loop in another process holds its lock: that is
            // a busy loop (409), not a failure of the daemon.
            let busy = matches!(error, IterationError::Busy { .. });
            // A bug was caught and its iteration recorded as `error`: count it as one.
            let verdict = matches!(error, IterationError::Bug { .. }).then_some(Verdict::Error);
            let message = format!("{:#}", anyhow::Error::new(error));
            tracing::error!(loop_name = %name, "the iteration could not run: {message}");
            feed.publish_error(&name, trigger_id, &message);
            if let Some(reply) = reply {
                let refused = if busy {
                    Refused::Busy {
                        name: name.clone(),
                        running: "an iteration in another greenloop process".into(),
                        why: "trigger again when it has finished",
                    }
                } else {
                    Refused::Failed(message)
                };
                let _ = reply.send(Err(refused));
            }
            Outcome {
                verdict,
                duration: clock.elapsed(),
                ..Outcome::default()
            }
        }
    }
}

/// Forwards the iteration's events to the feed; answers the trigger and tells the coordinator
/// once the iteration has its numbers. Returns the answer when it was never sent.
async fn forward(
    mut events: mpsc::UnboundedReceiver<Event>,
    name: LoopName,
    trigger_id: u64,
    mut reply: Option<oneshot::Sender<Result<Accepted, Refused>>>,
    feed: Feed,
    coordinator: mpsc::UnboundedSender<Message>,
) -> Option<oneshot::Sender<Result<Accepted, Refused>>> {
    let mut at = None;
    while let Some(event) = events.recv().await {
        if let Event::IterationStarted {
            loop_number,
            iteration,
            ..
        } = event
        {
            let numbers = crate::model::IterationRef {
                loop_number,
                iteration,
            };
            at = Some(numbers);
            let _ = coordinator.send(Message::Started {
                name: name.clone(),
                at: numbers,
            });
            if let Some(reply) = reply.take() {
                let _ = reply.send(Ok(Accepted {
                    loop_name: name.clone(),
                    state: "started",
                    trigger_id,
                    coalesced: false,
                    at: numbers,
                }));
            }
        }
        feed.publish(&name, trigger_id, at, &event);
    }
    reply
}
