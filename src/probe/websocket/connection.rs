//! One probe connection: handshake, send, then read events until the flow is complete, the
//! server closes, something breaks, or the deadline passes.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, timeout_at};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, http};

use super::spec::{WsProbeSpec, handshake_url};
use crate::redact::Redactor;

/// How many events one connection remembers; a server flooding unexpected events cannot grow
/// the report past this.
const MAX_SEEN: usize = 256;
/// How many unusable messages are described; the rest are only counted.
const MAX_UNUSABLE: usize = 5;
/// How an unusable message that is not JSON is described.
const NOT_JSON: &str = "not JSON: ";
/// How many bytes of a body or message are quoted in a report.
const SNIPPET_BYTES: usize = 120;

/// How the opening handshake went.
#[derive(Debug, Clone, PartialEq)]
pub enum Handshake {
    /// Upgraded after `ms` milliseconds.
    Ok { ms: u64 },
    /// The server answered HTTP without upgrading; `body` is its first bytes.
    Refused { status: u16, body: String },
    /// No upgrade: DNS, TCP, TLS, a bad header or a malformed answer.
    Failed { message: String },
    /// The deadline passed before the server answered.
    TimedOut,
}

/// One event a connection received.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenEvent {
    /// The value of `event_field`.
    pub name: String,
    /// Milliseconds since the connection started (handshake included).
    pub at_ms: u64,
}

/// Why a connection stopped reading.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowEnd {
    /// Every expected event arrived.
    Complete,
    /// The handshake did not succeed.
    NotConnected,
    /// The server sent a close frame before every expected event arrived.
    Closed { code: Option<u16>, reason: String },
    /// The connection ended without a close frame.
    Dropped { message: String },
    /// A message exceeded `max_message_size`; tungstenite sends no close frame for it.
    TooLarge { size: usize, max: usize },
    /// A send failed or the server broke the protocol.
    Failed { message: String },
    /// The deadline passed while waiting for events.
    TimedOut,
}

/// What one connection saw.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionReport {
    /// How the handshake went.
    pub handshake: Handshake,
    /// Events in arrival order (at most [`MAX_SEEN`]).
    pub events: Vec<SeenEvent>,
    /// Messages received, events or not.
    pub messages: usize,
    /// Descriptions of the first messages that carried no event name (invalid JSON, no field).
    pub unusable: Vec<String>,
    /// How many messages carried no event name.
    pub unusable_count: usize,
    /// How many of those were not JSON at all.
    pub not_json: usize,
    /// Why reading stopped.
    pub end: FlowEnd,
}

impl ConnectionReport {
    fn new(handshake: Handshake) -> Self {
        Self {
            handshake,
            events: Vec::new(),
            messages: 0,
            unusable: Vec::new(),
            unusable_count: 0,
            not_json: 0,
            end: FlowEnd::NotConnected,
        }
    }

    /// When `name` first arrived, in milliseconds since the connection started.
    pub fn arrival_ms(&self, name: &str) -> Option<u64> {
        self.events.iter().find(|e| e.name == name).map(|e| e.at_ms)
    }

    /// Milliseconds from the start of the connection to its first event.
    pub fn first_event_ms(&self) -> Option<u64> {
        self.events.first().map(|e| e.at_ms)
    }

    /// The expected events, in the order they first arrived.
    pub fn expected_order<'a>(&self, expected: &'a [String]) -> Vec<&'a str> {
        let mut arrived: Vec<(u64, usize, &str)> = expected
            .iter()
            .filter_map(|name| {
                let index = self.events.iter().position(|e| &e.name == name)?;
                Some((self.events[index].at_ms, index, name.as_str()))
            })
            .collect();
        arrived.sort_unstable();
        arrived.dedup_by_key(|a| a.1);
        arrived.into_iter().map(|(_, _, name)| name).collect()
    }

    fn all_seen(&self, expected: &[String]) -> bool {
        expected.iter().all(|name| self.arrival_ms(name).is_some())
    }
}

/// Runs one connection of `spec` to its end; never takes longer than `spec.timeout` plus the
/// time a polite close needs after a complete flow.
pub(super) async fn run_connection(spec: &WsProbeSpec) -> ConnectionReport {
    let started = Instant::now();
    let deadline = crate::deadline::after_tokio(started, spec.timeout);
    let redactor = &spec.redactor;
    let request = match build_request(spec) {
        Ok(request) => request,
        Err(message) => return ConnectionReport::new(Handshake::Failed { message }),
    };
    // Frames larger than a message cannot make a valid message, so both share the limit.
    let config = WebSocketConfig::default()
        .max_message_size(Some(spec.max_message_size))
        .max_frame_size(Some(spec.max_message_size));
    let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    let mut ws = match timeout_at(deadline, connect).await {
        Err(_) => return ConnectionReport::new(Handshake::TimedOut),
        Ok(Err(error)) => return ConnectionReport::new(handshake_error(error, redactor)),
        Ok(Ok((ws, _response))) => ws,
    };
    let mut report = ConnectionReport::new(Handshake::Ok {
        ms: millis(started.elapsed()),
    });

    for text in &spec.send {
        match timeout_at(deadline, ws.send(Message::text(text.as_str()))).await {
            Err(_) => {
                report.end = FlowEnd::TimedOut;
                return report;
            }
            Ok(Err(error)) => {
                report.end = FlowEnd::Failed {
                    message: redactor.mask(format!("send failed: {error}")),
                };
                return report;
            }
            Ok(Ok(())) => {}
        }
    }

    report.end = loop {
        if report.all_seen(&spec.expect_events) {
            break FlowEnd::Complete;
        }
        let message = match timeout_at(deadline, ws.next()).await {
            Err(_) => break FlowEnd::TimedOut,
            Ok(None) => {
                break FlowEnd::Dropped {
                    message: "stream ended".to_owned(),
                };
            }
            Ok(Some(Err(error))) => break read_error(error, redactor),
            Ok(Some(Ok(message))) => message,
        };
        let payload = match message {
            Message::Text(text) => text.as_bytes().to_vec(),
            Message::Binary(bytes) => bytes.to_vec(),
            Message::Close(frame) => {
                break match frame {
                    Some(frame) => FlowEnd::Closed {
                        code: Some(u16::from(frame.code)),
                        reason: redactor.text(frame.reason.as_str()),
                    },
                    None => FlowEnd::Closed {
                        code: None,
                        reason: String::new(),
                    },
                };
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        };
        report.messages += 1;
        match event_name(&payload, &spec.event_field) {
            Ok(name) => {
                if report.events.len() < MAX_SEEN {
                    let at_ms = millis(started.elapsed());
                    report.events.push(SeenEvent {
                        name: redactor.mask(name),
                        at_ms,
                    });
                }
            }
            Err(problem) => {
                report.unusable_count += 1;
                if problem.starts_with(NOT_JSON) {
                    report.not_json += 1;
                }
                if report.unusable.len() < MAX_UNUSABLE {
                    report.unusable.push(redactor.mask(problem));
                }
            }
        }
    };

    if report.end == FlowEnd::Complete {
        // A polite close, bounded so that a server ignoring it cannot hold the probe.
        let _ = tokio::time::timeout(Duration::from_millis(500), ws.close(None)).await;
    }
    report
}

/// The upgrade request with the spec's headers.
fn build_request(spec: &WsProbeSpec) -> Result<http::Request<()>, String> {
    let redactor = &spec.redactor;
    let invalid = |error: String| redactor.mask(format!("invalid url: {error}"));
    let mut request = handshake_url(&spec.url)
        .map_err(invalid)?
        .into_client_request()
        .map_err(|error| invalid(error.to_string()))?;
    for (name, value) in &spec.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| redactor.mask(format!("invalid header name `{name}`")))?;
        // The value is usually a secret: name the header, never quote the value.
        let value = HeaderValue::from_str(value)
            .map_err(|_| redactor.mask(format!("invalid value for header `{name}`")))?;
        request.headers_mut().insert(header, value);
    }
    Ok(request)
}

/// What a failed handshake means for the report.
fn handshake_error(error: WsError, redactor: &Redactor) -> Handshake {
    match error {
        WsError::Http(response) => Handshake::Refused {
            status: response.status().as_u16(),
            body: redactor.mask(snippet(response.body().as_deref().unwrap_or_default())),
        },
        other => Handshake::Failed {
            message: redactor.mask(other.to_string()),
        },
    }
}

/// How a read error ends the flow.
fn read_error(error: WsError, redactor: &Redactor) -> FlowEnd {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => FlowEnd::TooLarge {
            size,
            max: max_size,
        },
        WsError::ConnectionClosed | WsError::AlreadyClosed => FlowEnd::Dropped {
            message: "connection closed".to_owned(),
        },
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => FlowEnd::Dropped {
            message: "reset without a closing handshake".to_owned(),
        },
        WsError::Io(error) => FlowEnd::Dropped {
            message: redactor.mask(error.to_string()),
        },
        other => FlowEnd::Failed {
            message: redactor.mask(other.to_string()),
        },
    }
}

/// The event name at the dotted `field` of a JSON message, or why there is none.
fn event_name(payload: &[u8], field: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(|_| format!("{NOT_JSON}`{}`", snippet(payload)))?;
    let mut node = &value;
    for key in field.split('.') {
        node = node
            .get(key)
            .ok_or_else(|| format!("no `{field}`: `{}`", snippet(payload)))?;
    }
    match node {
        serde_json::Value::String(name) => Ok(name.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("`{field}` is not a string: `{}`", snippet(payload))),
    }
}

/// The first bytes of `bytes` as text, on one line.
pub(super) fn snippet(bytes: &[u8]) -> String {
    let cut = bytes.len().min(SNIPPET_BYTES);
    let mut text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    // A multi-byte character cut in half decodes to U+FFFD; that is honest enough.
    text = crate::model::collapse_whitespace(&text);
    if bytes.len() > cut {
        text.push('…');
    }
    text
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_follow_dotted_paths_and_explain_what_is_missing() {
        assert_eq!(event_name(br#"{"type":"a"}"#, "type"), Ok("a".into()));
        assert_eq!(
            event_name(br#"{"event":{"name":"b"}}"#, "event.name"),
            Ok("b".into())
        );
        assert_eq!(
            event_name(b"oops{", "type"),
            Err("not JSON: `oops{`".into())
        );
        assert_eq!(
            event_name(br#"{"kind":"a"}"#, "type"),
            Err(r#"no `type`: `{"kind":"a"}`"#.into())
        );
    }

    #[test]
    fn expected_order_is_by_first_arrival() {
        let mut report = ConnectionReport::new(Handshake::Ok { ms: 1 });
        for (name, at_ms) in [("b", 2), ("x", 3), ("a", 4), ("b", 5)] {
            report.events.push(SeenEvent {
                name: name.into(),
                at_ms,
            });
        }
        let expected = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert_eq!(report.expected_order(&expected), ["b", "a"]);
    }
}
