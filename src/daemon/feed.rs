//! The live feed behind `/api/v1/events`: every running iteration's events as JSON objects,
//! broadcast to whoever listens. A slow listener loses events, never slows an iteration.
//!
//! The feed also keeps each loop's latest cycle (its events since the last `iteration_started`)
//! so a listener that arrives mid-iteration — a dashboard opened late — can be shown what it
//! missed before the live events, with no gap and no repeat between the two.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::model::{IterationRef, LoopName};
use crate::runner::Event;

/// How many events a listener may fall behind before it misses some.
const BACKLOG: usize = 1024;
/// How many of a loop's latest events are kept for replay (the newest).
const REPLAY_PER_LOOP: usize = 256;

/// A cheap handle to the feed.
#[derive(Debug, Clone, Default)]
pub struct Feed(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    sender: broadcast::Sender<Arc<str>>,
    /// Each loop's events since its latest `iteration_started`; the lock also orders sending
    /// against [`Feed::subscribe_replaying`].
    latest: Mutex<BTreeMap<LoopName, VecDeque<Value>>>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            latest: Mutex::default(),
        }
    }
}

impl Feed {
    /// A new listener, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.0.sender.subscribe()
    }

    /// A new listener, with each loop's latest cycle so far (oldest first, each marked
    /// `"replayed": true`) to show before what it receives.
    pub fn subscribe_replaying(&self) -> (Vec<String>, broadcast::Receiver<Arc<str>>) {
        let latest = self.0.latest.lock().unwrap_or_else(PoisonError::into_inner);
        let receiver = self.0.sender.subscribe();
        let mut replay: Vec<&Value> = latest.values().flatten().collect();
        replay.sort_by(|a, b| a["time"].as_str().cmp(&b["time"].as_str()));
        let replay = replay
            .into_iter()
            .map(|event| {
                let mut event = event.clone();
                event["replayed"] = json!(true);
                event.to_string()
            })
            .collect();
        (replay, receiver)
    }

    /// Publishes `event` of the iteration `at` of loop `name`.
    pub fn publish(
        &self,
        name: &LoopName,
        trigger_id: u64,
        at: Option<IterationRef>,
        event: &Event,
    ) {
        let mut message = describe(event);
        let fields = message.as_object_mut().expect("events are objects");
        fields.insert("loop_name".into(), json!(name));
        fields.insert("trigger_id".into(), json!(trigger_id));
        if let Some(at) = at {
            fields.insert("loop".into(), json!(at.loop_number));
            fields.insert("iteration".into(), json!(at.iteration));
        }
        self.send(name, message);
    }

    /// Publishes that an iteration of `name` could not run.
    pub fn publish_error(&self, name: &LoopName, trigger_id: u64, message: &str) {
        let message = json!({
            "type": "iteration_failed_to_start",
            "loop_name": name,
            "trigger_id": trigger_id,
            "message": message,
        });
        self.send(name, message);
    }

    /// Stamps `message` with the time, keeps it for replay and sends it.
    fn send(&self, name: &LoopName, mut message: Value) {
        message["time"] = json!(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true));
        let text: Arc<str> = Arc::from(message.to_string());
        let mut latest = self.0.latest.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = latest.entry(name.clone()).or_default();
        if matches!(
            message["type"].as_str(),
            Some("iteration_started" | "iteration_failed_to_start")
        ) {
            kept.clear();
        }
        if kept.len() == REPLAY_PER_LOOP {
            kept.pop_front();
        }
        kept.push_back(message);
        // No listener is not an error.
        let _ = self.0.sender.send(text);
    }
}

/// The event as a JSON object with a `type`.
fn describe(event: &Event) -> Value {
    match event {
        Event::IterationStarted { suites, probes, .. } => json!({
            "type": "iteration_started", "suites": suites, "probes": probes,
        }),
        Event::SuiteStarted { name } => json!({ "type": "suite_started", "suite": name }),
        Event::SuiteFinished {
            name,
            status,
            totals,
            duration,
        } => json!({
            "type": "suite_finished", "suite": name, "status": status.as_str(),
            "totals": totals, "duration_s": duration.as_secs_f64(),
        }),
        Event::ProbeFinished {
            name,
            checks,
            passed,
        } => json!({
            "type": "probe_finished", "probe": name, "checks": checks, "passed": passed,
        }),
        Event::DeployStarted => json!({ "type": "deploy_started" }),
        Event::DeployFinished { ok, summary } => json!({
            "type": "deploy_finished", "ok": ok, "summary": summary,
        }),
        Event::FixStarted => json!({ "type": "fix_started" }),
        Event::FixFinished { ok, summary, said } => json!({
            "type": "fix_finished", "ok": ok, "summary": summary, "said": said,
        }),
        Event::IterationFinished { verdict, totals } => json!({
            "type": "iteration_finished", "verdict": verdict, "totals": totals,
            "pass_rate": totals.pass_rate(),
        }),
    }
}
