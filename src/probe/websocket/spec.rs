//! What a WebSocket probe is asked to do.

use std::time::Duration;

use crate::redact::Redactor;

/// A validated `[[probe]] kind = "websocket"` entry.
#[derive(Debug, Clone)]
pub struct WsProbeSpec {
    /// The probe's name: its tests are `probe::<name>::<check>`.
    pub name: String,
    /// `ws://` or `wss://` address.
    pub url: String,
    /// Extra request headers for the upgrade request, e.g. `Authorization`.
    pub headers: Vec<(String, String)>,
    /// Text messages sent, in order, right after the handshake.
    pub send: Vec<String>,
    /// Dotted path to the event name in each JSON message, e.g. `type` or `event.name`.
    pub event_field: String,
    /// Event names every connection must see.
    pub expect_events: Vec<String>,
    /// Whether the expected events must first arrive in the order listed.
    pub in_order: bool,
    /// Limit for the whole flow of one connection, handshake included.
    pub timeout: Duration,
    /// How many concurrent connections to open; each must see the whole flow. 0 counts as 1.
    pub connections: u32,
    /// Largest message (and frame) accepted, in bytes; a larger one ends the connection.
    pub max_message_size: usize,
    /// Masks secrets in every URL and message the report holds.
    pub redactor: Redactor,
}
