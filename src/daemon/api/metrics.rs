//! `GET /metrics`: Prometheus text format, written by hand (a few gauges and counters).

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::ApiState;
use crate::daemon::activity::Activity;

/// The metrics page.
pub async fn render(State(state): State<ApiState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text(&state.coordinator.activity()),
    )
}

/// The exposition text. Loop names are `[a-z0-9_-]`, so labels need no escaping.
pub fn text(activity: &Activity) -> String {
    let counters = &activity.counters;
    let mut out = String::new();
    let section = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    section(
        &mut out,
        "greenloop_iterations_total",
        "counter",
        "Iterations finished since the daemon started, by loop and verdict.",
    );
    for ((name, verdict), n) in &counters.finished {
        let _ = writeln!(
            out,
            "greenloop_iterations_total{{loop=\"{name}\",verdict=\"{verdict}\"}} {n}"
        );
    }
    section(
        &mut out,
        "greenloop_iteration_duration_seconds",
        "summary",
        "Wall time of finished iterations, by loop.",
    );
    for (name, (sum, count)) in &counters.durations {
        let _ = writeln!(
            out,
            "greenloop_iteration_duration_seconds_sum{{loop=\"{name}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "greenloop_iteration_duration_seconds_count{{loop=\"{name}\"}} {count}"
        );
    }
    section(
        &mut out,
        "greenloop_pass_rate",
        "gauge",
        "Pass rate (0 to 1) of each loop's latest iteration.",
    );
    for (name, rate) in &counters.pass_rate {
        let _ = writeln!(out, "greenloop_pass_rate{{loop=\"{name}\"}} {rate}");
    }
    section(
        &mut out,
        "greenloop_triggers_total",
        "counter",
        "Triggers since the daemon started, by loop and result (started, queued, coalesced, skipped).",
    );
    for ((name, result), n) in &counters.triggers {
        let _ = writeln!(
            out,
            "greenloop_triggers_total{{loop=\"{name}\",result=\"{result}\"}} {n}"
        );
    }
    section(
        &mut out,
        "greenloop_running_iterations",
        "gauge",
        "Iterations running now.",
    );
    let _ = writeln!(out, "greenloop_running_iterations {}", activity.running());
    section(
        &mut out,
        "greenloop_queued_triggers",
        "gauge",
        "Triggers waiting to start.",
    );
    let _ = writeln!(out, "greenloop_queued_triggers {}", activity.queued());
    out
}
