//! The WebSocket part of the Probes section: handshake, close, events seen and missing.

use std::fmt::Write;

use serde::Serialize;

use super::text::cell;
use crate::probe::websocket::{ConnectionReport, FlowEnd, Handshake, WsReport};

/// The WebSocket probes table. With several connections, the first one's flow is shown and
/// the missing events are those any connection missed.
pub fn table(out: &mut String, reports: &[&WsReport]) {
    let _ = writeln!(
        out,
        "| Probe | URL | Handshake | Close | Events seen | Missing | First event |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | ---: |");
    for report in reports {
        let first = report.connections.first();
        let seen = first.map_or_else(String::new, |c| {
            c.events
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let missing = report.missing_events();
        let _ = writeln!(
            out,
            "| {}{} | `{}` | {} | {} | {} | {} | {} |",
            cell(&report.name),
            if report.connections.len() > 1 {
                format!(" (×{})", report.connections.len())
            } else {
                String::new()
            },
            cell(&report.url),
            first.map_or_else(|| "n/a".to_owned(), |c| cell(&handshake(c))),
            first.map_or_else(|| "n/a".to_owned(), |c| cell(&end(&c.end))),
            if seen.is_empty() {
                "none".to_owned()
            } else {
                cell(&seen)
            },
            if missing.is_empty() {
                "none".to_owned()
            } else {
                cell(&missing.join(", "))
            },
            report
                .first_event_ms()
                .map_or_else(|| "n/a".to_owned(), |ms| format!("{ms} ms")),
        );
    }
    out.push('\n');
}

fn handshake(connection: &ConnectionReport) -> String {
    match &connection.handshake {
        Handshake::Ok { ms } => format!("ok in {ms} ms"),
        Handshake::Refused { status, .. } => format!("refused: HTTP {status}"),
        Handshake::Failed { message } => format!("failed: {message}"),
        Handshake::TimedOut => "timed out".to_owned(),
    }
}

fn end(end: &FlowEnd) -> String {
    match end {
        FlowEnd::Complete => "complete".to_owned(),
        FlowEnd::NotConnected => "not connected".to_owned(),
        FlowEnd::Closed {
            code: Some(code),
            reason,
        } if reason.is_empty() => format!("{code}"),
        FlowEnd::Closed {
            code: Some(code),
            reason,
        } => format!("{code} ({reason})"),
        FlowEnd::Closed { code: None, .. } => "closed without a code".to_owned(),
        FlowEnd::Dropped { .. } => "dropped without a close frame".to_owned(),
        FlowEnd::TooLarge { size, max } => {
            format!("message of {size} bytes over the {max}-byte limit")
        }
        FlowEnd::Failed { message } => format!("failed: {message}"),
        FlowEnd::TimedOut => "still open at the timeout".to_owned(),
    }
}

/// A WebSocket probe in the JSON's `probes[]`.
#[derive(Serialize)]
pub struct WsJson<'a> {
    name: &'a str,
    url: &'a str,
    connections: usize,
    handshake: Option<String>,
    close: Option<String>,
    events_seen: Vec<EventJson<'a>>,
    events_missing: Vec<&'a str>,
    first_event_ms: Option<u64>,
}

/// One event seen on the first connection.
#[derive(Serialize)]
pub struct EventJson<'a> {
    name: &'a str,
    at_ms: u64,
}

/// The JSON entry of `report`.
pub fn json(report: &WsReport) -> WsJson<'_> {
    let first = report.connections.first();
    WsJson {
        name: &report.name,
        url: &report.url,
        connections: report.connections.len(),
        handshake: first.map(handshake),
        close: first.map(|c| end(&c.end)),
        events_seen: first
            .map(|c| {
                c.events
                    .iter()
                    .map(|e| EventJson {
                        name: &e.name,
                        at_ms: e.at_ms,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        events_missing: report.missing_events(),
        first_event_ms: report.first_event_ms(),
    }
}
