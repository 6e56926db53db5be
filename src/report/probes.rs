//! The report's Probes section and the JSON's `probes[]`: endpoints and event flows at a glance.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use super::ids::code;
use super::text::cell;
use crate::probe::ProbeReport;
use crate::probe::http::{FailureKind, HttpReport, Sample};
use crate::probe::websocket::WsReport;

/// Renders the Probes section: the tables, then each probe's failing checks grouped by
/// message (the Failures section leaves probes to this one); nothing when the loop has no
/// probes.
pub fn section(out: &mut String, probes: &[(String, ProbeReport)]) {
    tables(out, probes);
    failing_checks(out, probes);
}

/// Each probe's failing checks, one line per message, and the start of an unexpected body.
fn failing_checks(out: &mut String, probes: &[(String, ProbeReport)]) {
    let mut said = false;
    for (name, report) in probes {
        let mut by_message: Vec<(String, Vec<String>)> = Vec::new();
        for check in report.checks() {
            if !check.outcome.status().is_failure() {
                continue;
            }
            let message = check
                .outcome
                .message()
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            match by_message.iter_mut().find(|(m, _)| *m == message) {
                Some((_, checks)) => checks.push(check.check),
                None => by_message.push((message, vec![check.check])),
            }
        }
        if by_message.is_empty() {
            continue;
        }
        said = true;
        for (message, checks) in by_message {
            let checks: Vec<String> = checks.iter().map(|c| code(c)).collect();
            let _ = writeln!(
                out,
                "- ✘ `{}` {}: {}",
                cell(name),
                checks.join(", "),
                code(&message)
            );
        }
        if let ProbeReport::Http(http) = report
            && let Some(body) = &http.body_head
        {
            let line = body.lines().next().unwrap_or("");
            let _ = writeln!(out, "  - body: {}", code(line));
        }
    }
    if said {
        out.push('\n');
    }
}

fn tables(out: &mut String, probes: &[(String, ProbeReport)]) {
    if probes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Probes\n");
    let http: Vec<&HttpReport> = probes
        .iter()
        .filter_map(|(_, r)| match r {
            ProbeReport::Http(h) => Some(h.as_ref()),
            ProbeReport::WebSocket(_) => None,
        })
        .collect();
    if !http.is_empty() {
        let _ = writeln!(
            out,
            "| Probe | Endpoint | Got | Expected | Latency min / avg / max |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | ---: |");
        for report in http {
            let latency = report.latency.as_ref().map_or_else(
                || "n/a".to_owned(),
                |l| format!("{} / {} / {}", ms(l.min), ms(l.avg), ms(l.max)),
            );
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {latency} |",
                cell(&report.name),
                cell(&report.target),
                cell(&got(report)),
                expected(report)
            );
        }
        out.push('\n');
    }
    let websockets: Vec<&WsReport> = probes
        .iter()
        .filter_map(|(_, r)| match r {
            ProbeReport::WebSocket(w) => Some(w),
            ProbeReport::Http(_) => None,
        })
        .collect();
    if !websockets.is_empty() {
        super::probes_ws::table(out, &websockets);
    }
}

/// What the endpoint answered: the distinct statuses, or how the request failed.
fn got(report: &HttpReport) -> String {
    let mut seen: Vec<String> = Vec::new();
    for sample in &report.samples {
        let text = match sample {
            Sample::Answered { status, .. } => status.to_string(),
            Sample::Failed { kind, .. } => match kind {
                FailureKind::Connect => "connection failed",
                FailureKind::Timeout => "timed out",
                FailureKind::Tls => "TLS failed",
                FailureKind::Other => "error",
            }
            .to_owned(),
        };
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen.join(", ")
}

fn expected(report: &HttpReport) -> String {
    if report.expect_status.is_empty() {
        return "2xx".to_owned();
    }
    report
        .expect_status
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `12.3 ms`.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One entry of the JSON's `probes[]`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ProbeJson<'a> {
    /// An HTTP probe.
    Http {
        name: &'a str,
        method: &'a str,
        url: &'a str,
        expect_status: &'a [u16],
        statuses: Vec<Option<u16>>,
        failures: Vec<String>,
        latency_ms: Option<LatencyJson>,
    },
    /// A WebSocket probe.
    Websocket(super::probes_ws::WsJson<'a>),
}

/// Latency figures in milliseconds.
#[derive(Serialize)]
pub struct LatencyJson {
    min: f64,
    avg: f64,
    max: f64,
    p95: Option<f64>,
}

/// The JSON entries of every probe.
pub fn json(probes: &[(String, ProbeReport)]) -> Vec<ProbeJson<'_>> {
    probes
        .iter()
        .map(|(_, report)| match report {
            ProbeReport::Http(h) => ProbeJson::Http {
                name: &h.name,
                method: &h.method,
                url: &h.url,
                expect_status: &h.expect_status,
                statuses: h
                    .samples
                    .iter()
                    .map(|s| match s {
                        Sample::Answered { status, .. } => Some(*status),
                        Sample::Failed { .. } => None,
                    })
                    .collect(),
                failures: h
                    .samples
                    .iter()
                    .filter_map(|s| match s {
                        Sample::Failed { message, .. } => Some(message.clone()),
                        Sample::Answered { .. } => None,
                    })
                    .collect(),
                latency_ms: h.latency.as_ref().map(|l| {
                    let ms = |d: Duration| super::json::round_ms(d.as_secs_f64() * 1000.0);
                    LatencyJson {
                        min: ms(l.min),
                        avg: ms(l.avg),
                        max: ms(l.max),
                        p95: l.p95.map(ms),
                    }
                }),
            },
            ProbeReport::WebSocket(w) => ProbeJson::Websocket(super::probes_ws::json(w)),
        })
        .collect()
}
