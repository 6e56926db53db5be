//! Waiting for a deployed system to answer: `ready_url` polled with GET until it answers 2xx.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::config::defaults;
use crate::model::Readiness;
use crate::redact::Redactor;

/// No single request waits longer than this, so a server that accepts connections but never
/// answers still gets asked again.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How waiting ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// It answered 2xx.
    Ready,
    /// `timeout` passed first.
    TimedOut,
    /// greenloop was asked to stop.
    Cancelled,
}

/// GETs `url` every [`defaults::READY_POLL_INTERVAL`] until it answers 2xx, `timeout` passes,
/// or `cancel` fires. The url in the returned [`Readiness`] and every answer are masked.
pub(crate) async fn wait_ready(
    url: &str,
    timeout: Duration,
    client: &reqwest::Client,
    cancel: &CancellationToken,
    redactor: &Redactor,
) -> (Waited, Readiness) {
    let start = Instant::now();
    let deadline = crate::deadline::after(start, timeout);
    let mut readiness = Readiness {
        url: redactor.text(url),
        attempts: 0,
        waited: Duration::ZERO,
        last: "not asked yet".to_owned(),
    };
    let waited = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Waited::TimedOut;
        }
        readiness.attempts += 1;
        let request = client.get(url).timeout(left.min(ATTEMPT_TIMEOUT)).send();
        let answer = tokio::select! {
            answer = request => answer,
            () = cancel.cancelled() => break Waited::Cancelled,
        };
        let ready = match answer {
            Ok(response) => {
                let status = response.status();
                readiness.last = status.to_string();
                status.is_success()
            }
            Err(error) => {
                readiness.last = describe(&error);
                false
            }
        };
        if ready {
            break Waited::Ready;
        }
        let next = Instant::now() + defaults::READY_POLL_INTERVAL;
        if next >= deadline {
            break Waited::TimedOut;
        }
        tokio::select! {
            () = tokio::time::sleep_until(next.into()) => {}
            () = cancel.cancelled() => break Waited::Cancelled,
        }
    };
    readiness.waited = start.elapsed();
    readiness.last = redactor.text(&readiness.last);
    (waited, readiness)
}

/// The innermost cause of a failed request ("Connection refused (os error 111)"): the outer
/// layers only repeat the url, which may carry a secret.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".to_owned();
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
