//! `[deploy] service`: the system under test as a process greenloop keeps up for the
//! iteration.
//!
//! The service runs under the ordinary process supervisor (own process group, capped and
//! redacted log) on a task of its own, with no timeout; a cancellation token of its own stops
//! it after the battery — SIGTERM to its group, `kill_grace`, SIGKILL — and greenloop being
//! interrupted stops it too. It counts as up when `ready_url` answers 2xx, or, without one,
//! once it has run [`defaults::SERVICE_SETTLE`] without exiting.

use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::deploy::{Deployed, readiness_status};
use super::process::{self, ProcessError, ProcessOutcome};
use super::ready::{Waited, wait_ready};
use super::step;
use super::suite::SuiteContext;
use crate::config::{DeployPlan, defaults};
use crate::model::{DeployKind, DeployOutcome, DeployStatus, ProcessEnd, ServiceEnd};
use crate::redact::Redactor;

/// Log of a service, in the iteration's logs directory.
pub(crate) const SERVICE_LOG: &str = "service.log";
/// How long a `ready_url` request in flight may still finish once the service has exited.
const EXIT_RACE_GRACE: Duration = Duration::from_secs(1);

type Supervised = JoinHandle<Result<ProcessOutcome, ProcessError>>;

/// A service that came up and runs while the battery does.
pub(crate) struct Service {
    supervised: Supervised,
    stop: CancellationToken,
    redactor: Redactor,
}

/// How the wait for a starting service ended.
enum Start {
    /// It is up (ready, or settled).
    Up,
    /// `ready_url` never answered 2xx, or greenloop was interrupted.
    Waited(Waited),
    /// Its supervisor finished: it could not start, or it exited.
    Ended(Result<ProcessOutcome, ProcessError>),
}

/// Starts the service and waits until it is up; a service that does not come up is stopped.
pub(crate) async fn start_service(
    plan: &DeployPlan,
    ctx: &SuiteContext,
    client: &reqwest::Client,
) -> Deployed {
    let started = Instant::now();
    let stop = ctx.cancel.child_token();
    let mut spec = step::spec(ctx, &plan.command, None, SERVICE_LOG, Vec::new());
    spec.cancel = stop.clone();
    let command = step::shown_argv(&spec);
    // Fires when the supervisor finishes, without consuming its result.
    let ended = CancellationToken::new();
    let ended_guard = ended.clone().drop_guard();
    let mut supervised: Supervised = tokio::spawn(async move {
        let _ended = ended_guard;
        process::run(spec).await
    });
    let mut readiness = None;
    let start = match &plan.ready_url {
        Some(url) => {
            let url = url.render(&ctx.values);
            let waiting = wait_ready(&url, plan.ready_timeout, client, &ctx.cancel, &ctx.redactor);
            tokio::pin!(waiting);
            let (exited, waited) = tokio::select! {
                () = ended.cancelled() => {
                    // A service that answers `ready_url` and exits at once raced its own
                    // answer: let the request in flight finish before calling it not ready.
                    (true, tokio::time::timeout(EXIT_RACE_GRACE, &mut waiting).await.ok())
                }
                waited = &mut waiting => (false, Some(waited)),
            };
            match waited {
                Some((Waited::Ready, ready)) => {
                    readiness = Some(ready);
                    Start::Up
                }
                Some((waited, ready)) if !exited => {
                    readiness = Some(ready);
                    Start::Waited(waited)
                }
                _ => Start::Ended(joined_result((&mut supervised).await)),
            }
        }
        None => tokio::select! {
            () = ended.cancelled() => Start::Ended(joined_result((&mut supervised).await)),
            () = tokio::time::sleep(defaults::SERVICE_SETTLE) => Start::Up,
            () = ctx.cancel.cancelled() => Start::Waited(Waited::Cancelled),
        },
    };
    let mut outcome = DeployOutcome {
        kind: DeployKind::Service,
        command,
        status: DeployStatus::Ready,
        duration: started.elapsed(),
        readiness,
        revision: None,
        service_end: None,
        log: None,
        tail: String::new(),
    };
    let service = match start {
        Start::Up => Some(Service {
            supervised,
            stop,
            redactor: ctx.redactor.clone(),
        }),
        Start::Waited(waited) => {
            outcome.status = readiness_status(waited, plan);
            stop.cancel();
            if let Ok(run) = joined_result(supervised.await) {
                outcome.tail = run.tail;
            }
            None
        }
        Start::Ended(result) => {
            outcome.status = match result {
                Ok(run) => {
                    outcome.tail = run.tail;
                    match run.end {
                        ProcessEnd::Cancelled => DeployStatus::Interrupted,
                        end => DeployStatus::Failed { end },
                    }
                }
                Err(error) => DeployStatus::NotStarted {
                    reason: ctx.redactor.text(&error.to_string()),
                },
            };
            None
        }
    };
    outcome.log = step::log_link(ctx, SERVICE_LOG);
    Deployed { outcome, service }
}

impl Service {
    /// Stops the service after the battery and records how it ended: stopped by greenloop, or
    /// exited by itself while the battery ran.
    pub(crate) async fn stop(self, outcome: &mut DeployOutcome) {
        self.stop.cancel();
        outcome.service_end = Some(match joined_result(self.supervised.await) {
            Ok(run) => {
                outcome.tail = run.tail;
                match run.end {
                    // The supervisor ends a run as cancelled only when it stopped the process:
                    // after the battery, or because greenloop was interrupted.
                    ProcessEnd::Cancelled => ServiceEnd::Stopped,
                    end => ServiceEnd::ExitedEarly {
                        end,
                        after: run.duration,
                    },
                }
            }
            Err(error) => ServiceEnd::Lost {
                reason: self.redactor.text(&error.to_string()),
            },
        });
    }
}

/// The supervisor's result, with a panicked supervisor task as an error.
fn joined_result(
    joined: Result<Result<ProcessOutcome, ProcessError>, tokio::task::JoinError>,
) -> Result<ProcessOutcome, ProcessError> {
    joined.unwrap_or_else(|panic| {
        Err(ProcessError::Supervise {
            program: "the service".to_owned(),
            source: std::io::Error::other(panic.to_string()),
        })
    })
}
