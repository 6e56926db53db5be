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

/// The url a WebSocket probe's handshake sends: parsed by the url crate as `check` parses it
/// (which percent-encodes what a secret may hold: spaces, quotes, brackets), with anything that
/// crate leaves but the handshake's stricter parser refuses (`{`, `|`, `^`, …) encoded too.
/// `check` calls this as well, so a url it accepts is one the probe can use. The error never
/// quotes the url, which may hold a secret.
pub fn handshake_url(url: &str) -> Result<String, String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let strict: String = parsed
        .as_str()
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    strict
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    Ok(strict)
}

#[cfg(test)]
mod tests {
    use super::handshake_url;

    #[test]
    fn handshake_urls_encode_what_the_handshake_refuses() {
        assert_eq!(
            handshake_url("ws://h:1/ws?token=S3cr3t Val\"ue<42>/+=&x").unwrap(),
            "ws://h:1/ws?token=S3cr3t%20Val%22ue%3C42%3E/+=&x"
        );
        assert_eq!(
            handshake_url("wss://h/a{b}|c^d`e").unwrap(),
            "wss://h/a%7Bb%7D%7Cc%5Ed%60e"
        );
        assert!(handshake_url("ws://").is_err());
    }
}
