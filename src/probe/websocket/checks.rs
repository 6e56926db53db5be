//! Running a WebSocket probe over its connections, and turning what they saw into checks.

use std::time::Duration;

use super::connection::{ConnectionReport, FlowEnd, Handshake, run_connection};
use super::spec::WsProbeSpec;
use crate::model::Outcome;
use crate::probe::ProbeCheck;
use crate::redact::Redactor;

/// What a WebSocket probe saw, connection by connection.
#[derive(Debug, Clone)]
pub struct WsReport {
    /// The probe's name.
    pub name: String,
    /// The URL probed, secrets masked.
    pub url: String,
    /// The dotted path the event names were read from.
    pub event_field: String,
    /// The events every connection had to see.
    pub expect_events: Vec<String>,
    /// Whether their order was checked.
    pub in_order: bool,
    /// The limit each connection had.
    pub timeout: Duration,
    /// One report per connection, in the order they were opened.
    pub connections: Vec<ConnectionReport>,
    redactor: Redactor,
}

/// Runs the probe: `spec.connections` concurrent connections, each bounded by `spec.timeout`.
pub async fn run_websocket(spec: &WsProbeSpec) -> WsReport {
    // rustls panics on `wss://` without a process-wide provider; installing twice is harmless.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let count = spec.connections.max(1) as usize;
    let connections =
        futures_util::future::join_all((0..count).map(|_| run_connection(spec))).await;
    WsReport {
        name: spec.name.clone(),
        url: spec.redactor.text(&spec.url),
        event_field: spec.event_field.clone(),
        expect_events: spec.expect_events.clone(),
        in_order: spec.in_order,
        timeout: spec.timeout,
        connections,
        redactor: spec.redactor.clone(),
    }
}

/// One connection's verdict on one check.
enum Local {
    Pass(Option<f64>),
    Fail(String),
    Skip(String),
}

impl WsReport {
    /// The checks, in a stable order: `connect`, `event <name>` per expected event, `order`
    /// (only when checked), `close` and `messages`.
    pub fn checks(&self) -> Vec<ProbeCheck> {
        let mut checks = vec![self.combine("connect", |c| self.connect(c))];
        for event in &self.expect_events {
            let check = format!("event {event}");
            checks.push(self.combine(&check, |c| self.event(c, event)));
        }
        if self.in_order {
            checks.push(self.combine("order", |c| self.order(c)));
        }
        checks.push(self.combine("close", |c| self.close(c)));
        checks.push(self.combine("messages", |c| self.messages(c)));
        checks
    }

    /// The expected events that some connection never saw.
    pub fn missing_events(&self) -> Vec<&str> {
        self.expect_events
            .iter()
            .filter(|e| self.connections.iter().any(|c| c.arrival_ms(e).is_none()))
            .map(String::as_str)
            .collect()
    }

    /// Time to first event of the slowest connection that saw one, in milliseconds.
    pub fn first_event_ms(&self) -> Option<u64> {
        self.connections
            .iter()
            .filter_map(ConnectionReport::first_event_ms)
            .max()
    }

    /// Folds the per-connection verdicts into one check: it fails when any connection failed it.
    fn combine(&self, check: &str, local: impl Fn(&ConnectionReport) -> Local) -> ProbeCheck {
        let total = self.connections.len();
        let verdicts: Vec<Local> = self.connections.iter().map(local).collect();
        let mut failures: Vec<(usize, &str)> = Vec::new();
        for verdict in &verdicts {
            if let Local::Fail(message) = verdict {
                match failures.iter_mut().find(|(_, m)| *m == message.as_str()) {
                    Some((count, _)) => *count += 1,
                    None => failures.push((1, message)),
                }
            }
        }
        failures.sort_by_key(|f| std::cmp::Reverse(f.0));
        let failed: usize = failures.iter().map(|f| f.0).sum();
        let outcome = if failed > 0 {
            let (message, detail) = if total == 1 {
                (failures[0].1.to_owned(), self.flow(&self.connections[0]))
            } else {
                let detail = failures
                    .iter()
                    .map(|(count, message)| format!("{count}× {message}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                let message = format!("{failed} of {total} connections: {}", failures[0].1);
                (message, detail)
            };
            Outcome::Failed {
                message: self.redactor.mask(message),
                detail: self.redactor.mask(detail),
            }
        } else if let Some(Local::Skip(message)) = verdicts
            .iter()
            .find(|v| matches!(v, Local::Skip(_)))
            .filter(|_| verdicts.iter().all(|v| matches!(v, Local::Skip(_))))
        {
            Outcome::Skipped {
                message: self.redactor.mask(message.clone()),
                kind: None,
            }
        } else {
            Outcome::Passed
        };
        let duration_s = verdicts
            .iter()
            .filter_map(|v| match v {
                Local::Pass(seconds) => *seconds,
                _ => None,
            })
            .reduce(f64::max);
        ProbeCheck {
            check: check.to_owned(),
            outcome,
            duration_s,
        }
    }

    fn connect(&self, c: &ConnectionReport) -> Local {
        match self.connect_failure(c) {
            None => match c.handshake {
                Handshake::Ok { ms } => Local::Pass(Some(ms as f64 / 1000.0)),
                _ => Local::Pass(None),
            },
            Some(message) => Local::Fail(message),
        }
    }

    fn connect_failure(&self, c: &ConnectionReport) -> Option<String> {
        match &c.handshake {
            Handshake::Ok { .. } => None,
            Handshake::Refused { status, body } if body.is_empty() => {
                Some(format!("upgrade refused: HTTP {status}"))
            }
            Handshake::Refused { status, body } => {
                Some(format!("upgrade refused: HTTP {status}: {body}"))
            }
            Handshake::Failed { message } => Some(format!("handshake failed: {message}")),
            Handshake::TimedOut => Some(format!(
                "handshake timed out after {}",
                humantime::format_duration(self.timeout)
            )),
        }
    }

    fn event(&self, c: &ConnectionReport, event: &str) -> Local {
        if let Some(ms) = c.arrival_ms(event) {
            return Local::Pass(Some(ms as f64 / 1000.0));
        }
        if let Some(failure) = self.connect_failure(c) {
            return Local::Fail(format!("never arrived: {failure}"));
        }
        let after = match c.events.last() {
            Some(last) => format!("after {}", last.name),
            None => "before any event".to_owned(),
        };
        let mut message = match &c.end {
            FlowEnd::TimedOut => format!(
                "never arrived within {} ({})",
                humantime::format_duration(self.timeout),
                if c.events.is_empty() {
                    "no event at all".to_owned()
                } else {
                    format!("last event: {}", c.events.last().map_or("", |e| &e.name))
                }
            ),
            FlowEnd::Closed { code, reason } => format!(
                "never arrived: connection closed with {} {after}",
                close_text(*code, reason)
            ),
            FlowEnd::Dropped { message } => format!(
                "never arrived: connection dropped without a close frame ({message}) {after}"
            ),
            FlowEnd::TooLarge { size, max } => format!(
                "never arrived: a message of {size} bytes exceeded max_message_size ({max} bytes) {after}"
            ),
            FlowEnd::Failed { message } => format!("never arrived: {message} {after}"),
            FlowEnd::Complete | FlowEnd::NotConnected => "never arrived".to_owned(),
        };
        if let Some(first) = c.unusable.first() {
            let n = c.unusable_count;
            let s = if n == 1 { "" } else { "s" };
            message.push_str(&format!("; {n} message{s} without an event: {first}"));
        }
        Local::Fail(message)
    }

    fn order(&self, c: &ConnectionReport) -> Local {
        if self.connect_failure(c).is_some() {
            return Local::Skip("not connected".to_owned());
        }
        let seen = c.expected_order(&self.expect_events);
        let expected: Vec<&str> = self
            .expect_events
            .iter()
            .map(String::as_str)
            .filter(|e| seen.contains(e))
            .collect();
        if seen == expected {
            Local::Pass(None)
        } else {
            Local::Fail(format!(
                "out of order: {} (expected {})",
                seen.join(", "),
                self.expect_events.join(", ")
            ))
        }
    }

    fn close(&self, c: &ConnectionReport) -> Local {
        if self.connect_failure(c).is_some() {
            return Local::Skip("not connected".to_owned());
        }
        let before = if c.events.is_empty() {
            "before any event".to_owned()
        } else {
            format!(
                "after {} of {} events",
                c.events.len(),
                self.expect_events.len()
            )
        };
        match &c.end {
            FlowEnd::Closed {
                code: Some(1000), ..
            } => Local::Pass(None),
            FlowEnd::Closed { code, reason } => Local::Fail(format!(
                "server closed with {} {before}",
                close_text(*code, reason)
            )),
            FlowEnd::Dropped { message } => Local::Fail(format!(
                "connection dropped without a close frame ({message}) {before}"
            )),
            _ => Local::Pass(None),
        }
    }

    fn messages(&self, c: &ConnectionReport) -> Local {
        if self.connect_failure(c).is_some() {
            return Local::Skip("not connected".to_owned());
        }
        if let FlowEnd::TooLarge { size, max } = c.end {
            return Local::Fail(format!(
                "message too large: {size} bytes > max_message_size {max} bytes"
            ));
        }
        if let FlowEnd::Failed { message } = &c.end {
            return Local::Fail(message.clone());
        }
        if c.not_json > 0 {
            let first = c.unusable.iter().find_map(|u| u.strip_prefix("not JSON: "));
            let n = c.not_json;
            let s = if n == 1 { "" } else { "s" };
            return Local::Fail(format!(
                "{n} message{s} {}: {}",
                if n == 1 {
                    "was not JSON"
                } else {
                    "were not JSON"
                },
                first.unwrap_or("")
            ));
        }
        Local::Pass(None)
    }

    /// One connection's flow, for the detail of a failed check.
    fn flow(&self, c: &ConnectionReport) -> String {
        let events = c
            .events
            .iter()
            .map(|e| format!("{} (+{} ms)", e.name, e.at_ms))
            .collect::<Vec<_>>()
            .join(", ");
        let mut detail = format!("url: {}\nevents seen: {}", self.url, or_none(&events));
        let missing: Vec<&str> = self
            .expect_events
            .iter()
            .filter(|e| c.arrival_ms(e).is_none())
            .map(String::as_str)
            .collect();
        detail.push_str(&format!("\nmissing: {}", or_none(&missing.join(", "))));
        for problem in &c.unusable {
            detail.push_str(&format!("\nunusable message: {problem}"));
        }
        detail
    }
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "none" } else { text }
}

/// `1011 (Internal error)`: the code with the server's reason, or the standard name.
fn close_text(code: Option<u16>, reason: &str) -> String {
    let Some(code) = code else {
        return "no status code".to_owned();
    };
    let name = match code {
        _ if !reason.is_empty() => reason,
        1000 => "normal",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1007 => "invalid payload",
        1008 => "policy violation",
        1009 => "message too big",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        _ => return code.to_string(),
    };
    format!("{code} ({name})")
}
