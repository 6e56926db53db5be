//! The notifier: after an iteration is recorded, decide for each `[[notify]]` webhook what to
//! say, say it within [`defaults::NOTIFY_BUDGET`], and remember what was said.
//!
//! Nothing here can fail an iteration: every problem is logged (with the url masked) and the
//! iteration's result stands. The reminder is only evaluated here, when an iteration finishes:
//! a loop that stays failing gets one reminder per `remind_every` as long as iterations keep
//! coming (a schedule, triggers), not on a timer of its own.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;
use futures_util::future::join_all;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::decide::{LastSent, Observed, decide};
use super::deliver::{Retry, masked_url, post};
use super::event::Event;
use super::message::{Message, new_failures};
use super::state::{NotifyState, state_path};
use crate::config::{LoopPlan, NotifyPlan, defaults};
use crate::model::{Iteration, Verdict};
use crate::redact::Redactor;

/// A recorded iteration, as the notifier needs it.
#[derive(Debug, Clone, Copy)]
pub struct Concluded<'a> {
    /// The iteration.
    pub iteration: &'a Iteration,
    /// It closed its loop.
    pub loop_closed: bool,
    /// The verdict of the newest earlier iteration that was not interrupted.
    pub previous: Option<Verdict>,
    /// Its Markdown report, as shown to people (relative to the root).
    pub report: &'a str,
}

/// What every delivery of one iteration shares.
struct Shared<'a> {
    client: reqwest::Client,
    concluded: Concluded<'a>,
    values: &'a BTreeMap<String, String>,
    redactor: Redactor,
    deadline: Instant,
}

/// Tells each of `plan`'s webhooks what changed with `concluded`, remembering what was sent in
/// `state/notify/<loop>.json` under `state_dir`. `values` fills the urls' `${…}`. Gives up
/// (logged) when `cancel` fires or the budget runs out.
pub async fn notify(
    plan: &LoopPlan,
    concluded: Concluded<'_>,
    values: &BTreeMap<String, String>,
    state_dir: &Path,
    cancel: &CancellationToken,
) {
    if plan.notify.is_empty() {
        return;
    }
    let path = state_path(state_dir, &plan.name);
    let mut state = NotifyState::load(&path);
    let now = Utc::now();
    let observed = Observed {
        verdict: concluded.iteration.verdict,
        new_failures: new_failures(concluded.iteration).len(),
        loop_closed: concluded.loop_closed,
    };
    let due: Vec<(usize, &NotifyPlan, Vec<Event>)> = plan
        .notify
        .iter()
        .enumerate()
        .map(|(index, webhook)| {
            let position = index + 1;
            let last = state.last(position);
            let events = decide(
                observed,
                concluded.previous,
                last,
                webhook.remind_every,
                now,
            );
            let wanted = events.into_iter().filter(|e| webhook.wants(*e)).collect();
            (position, webhook, wanted)
        })
        .filter(|(_, _, events): &(_, _, Vec<Event>)| !events.is_empty())
        .collect();
    if due.is_empty() {
        return;
    }
    let client = match crate::probe::http::client() {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(loop_name = %plan.name, "not notifying: {:#}", anyhow::Error::new(e));
            return;
        }
    };
    let shared = Shared {
        client,
        concluded,
        values,
        redactor: plan.redactor(),
        deadline: Instant::now() + defaults::NOTIFY_BUDGET,
    };
    let deliveries = due
        .iter()
        .map(|(position, webhook, events)| deliver(&shared, *position, webhook, events));
    let delivered = tokio::select! {
        delivered = join_all(deliveries) => delivered,
        () = cancel.cancelled() => {
            tracing::warn!(loop_name = %plan.name, "greenloop is stopping: webhook messages not delivered");
            return;
        }
    };
    let mut changed = false;
    for (position, event) in delivered.into_iter().flatten() {
        state.record(position, LastSent { event, at: now });
        changed = true;
    }
    if changed && let Err(e) = state.save(&path) {
        tracing::warn!(loop_name = %plan.name, "failed to write {}: {e}", path.display());
    }
}

/// Sends `events` to one webhook, in order; returns the last one delivered.
async fn deliver(
    shared: &Shared<'_>,
    position: usize,
    webhook: &NotifyPlan,
    events: &[Event],
) -> Option<(usize, Event)> {
    let it = shared.concluded.iteration;
    let url = webhook.url.render(shared.values);
    let shown = masked_url(&url);
    let mut delivered = None;
    for &event in events {
        let body =
            Message::new(event, it, shared.concluded.report).body(webhook.format, &shared.redactor);
        let sending = post(
            &shared.client,
            &url,
            body,
            webhook.timeout,
            Retry::default(),
            &shared.redactor,
        );
        match tokio::time::timeout_at(shared.deadline, sending).await {
            Ok(Ok(attempts)) => {
                tracing::info!(
                    loop_name = %it.loop_name, loop_number = it.loop_number, iteration = it.number,
                    webhook = %shown, %event, attempts, "notified"
                );
                delivered = Some((position, event));
            }
            Ok(Err(e)) => tracing::warn!(
                loop_name = %it.loop_name, loop_number = it.loop_number, iteration = it.number,
                webhook = %shown, %event, "failed to notify {shown} of {event}: {e}"
            ),
            Err(_) => tracing::warn!(
                loop_name = %it.loop_name, loop_number = it.loop_number, iteration = it.number,
                webhook = %shown, %event,
                "failed to notify {shown} of {event}: gave up after {} s on this iteration's messages",
                defaults::NOTIFY_BUDGET.as_secs()
            ),
        }
    }
    delivered
}
