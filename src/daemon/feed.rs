//! The live feed behind `/api/v1/events`: every running iteration's events as JSON lines,
//! broadcast to whoever listens. A slow listener loses events, never slows an iteration.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::model::{IterationRef, LoopName};
use crate::runner::Event;

/// How many events a listener may fall behind before it misses some.
const BACKLOG: usize = 1024;

/// A cheap handle to the feed.
#[derive(Debug, Clone)]
pub struct Feed(broadcast::Sender<Arc<str>>);

impl Default for Feed {
    fn default() -> Self {
        Self(broadcast::channel(BACKLOG).0)
    }
}

impl Feed {
    /// A new listener, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.0.subscribe()
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
        self.send(message);
    }

    /// Publishes that an iteration of `name` could not run.
    pub fn publish_error(&self, name: &LoopName, trigger_id: u64, message: &str) {
        self.send(json!({
            "type": "iteration_failed_to_start",
            "loop_name": name,
            "trigger_id": trigger_id,
            "message": message,
        }));
    }

    fn send(&self, message: Value) {
        // No listener is not an error.
        let _ = self.0.send(Arc::from(message.to_string()));
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
