//! The facts a line of text states: a WebSocket close code, an HTTP status with its endpoint, a
//! refused or reset address, a name that did not resolve, a TLS failure, an endpoint that never
//! answered, an event stream that stalled, and the exception type.
//!
//! The rules are deliberately narrow: a fact is only taken where the words around it say what
//! it is (`received 1011`, `HTTP Error 404`, `status code 503`, `404 Not Found`), because two
//! failures sharing a fact are told as one cause. A number alone is never a status.

use super::scan::{self, Url};
use crate::model::{Fact, FactKind};

#[cfg(test)]
mod tests;

/// Words after which a 4xx/5xx number is an HTTP status.
const STATUS_WORDS: &[&str] = &[
    "answered",
    "answering",
    "answers",
    "code",
    "error",
    "http",
    "http/1.0",
    "http/1.1",
    "http/2",
    "httperror",
    "responded",
    "response",
    "return",
    "returned",
    "returns",
    "status",
    "statuscode",
    "status_code",
];

/// Words after which a 4xx/5xx number is a status only when the line is about HTTP.
const STATUS_WORDS_IN_HTTP: &[&str] = &["got", "received", "was", "with"];

/// Reason phrases that make the number before them a status: `404 Not Found`.
const REASONS: &[&str] = &[
    "bad",
    "client",
    "conflict",
    "forbidden",
    "gateway",
    "gone",
    "internal",
    "method",
    "not",
    "payload",
    "server",
    "service",
    "too",
    "unauthorized",
    "unprocessable",
    "unsupported",
];

/// Words after which a close-range number is a WebSocket close code.
const CLOSE_WORDS: &[&str] = &["close", "closed", "code", "received", "sent", "with"];

/// Markers of each connection-level fact, lowercase.
const REFUSED: &[&str] = &["connection refused", "econnrefused", "actively refused"];
const RESET: &[&str] = &[
    "connection reset",
    "econnreset",
    "reset by peer",
    "broken pipe",
];
const DNS: &[&str] = &[
    "name or service not known",
    "nodename nor servname",
    " enotfound",
    "no such host",
    "temporary failure in name resolution",
    "could not resolve host",
    "failed to resolve",
    "eai_again",
    "unknownhostexception",
];
const TLS: &[&str] = &[
    "certificate verify failed",
    "certificate_verify_failed",
    "x509:",
    "sslerror",
    "ssl error",
    "sslhandshakeexception",
    "tls handshake",
    "handshake failure",
    "self signed certificate",
    "self-signed certificate",
    "unable_to_verify_leaf_signature",
    "cert_has_expired",
    "certificate has expired",
    "invalid peer certificate",
    "wrong version number",
];
const TIMEOUT: &[&str] = &[
    "timed out",
    "timeout",
    "etimedout",
    "deadline exceeded",
    "never answered",
    "never answer",
    "did not answer",
    "no response within",
];
/// Phrases followed by the last event a stream sent before it went silent.
const STALLED: &[&str] = &[
    "stalled after ",
    "stops after ",
    "stopped after ",
    "no event after ",
    "last event: ",
];

/// Exception names too general to say anything about a cause: they label, never match logs.
pub const GENERIC_EXCEPTIONS: &[&str] = &[
    "AssertionError",
    "Error",
    "Exception",
    "Failure",
    "Failed",
    "RuntimeError",
    "RuntimeException",
    "ValueError",
    "TypeError",
];

/// Every fact in `text`, line by line, each once, in the order found.
pub fn from_text(text: &str) -> Vec<Fact> {
    let mut facts = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for fact in from_line(line, index == 0) {
            if !facts.contains(&fact) {
                facts.push(fact);
            }
        }
    }
    facts
}

/// The facts of one line; `first` says whether it opens a message (where an exception type
/// is read).
pub fn from_line(line: &str, first: bool) -> Vec<Fact> {
    let lower = line.to_ascii_lowercase();
    let urls = scan::urls(line);
    let mut facts = Vec::new();
    let fact = |kind, value: &str, target: Option<String>| Fact {
        kind,
        value: value.to_owned(),
        target,
    };
    let websocket_path = || {
        urls.iter()
            .find(|u| u.is_websocket())
            .map(|u| u.path.clone())
    };
    let http_context = lower.contains("http")
        || lower.contains("status")
        || lower.contains("request")
        || lower.contains("response")
        || urls.iter().any(|u| !u.is_websocket());
    let close_context = lower.contains("close")
        || lower.contains("closing")
        || lower.contains("websocket")
        || urls.iter().any(Url::is_websocket);
    for (at, number) in scan::numbers(line) {
        let end = at + number.to_string().len();
        let before = scan::word_before(line, at);
        let after = scan::word_after(line, end);
        // `requests.exceptions.HTTPError: 404` reads as `httperror 404`; `HTTP/1.1 503` stays.
        let before = match before.rsplit_once('.') {
            Some((_, last)) if last.starts_with(|c: char| c.is_ascii_alphabetic()) => last,
            _ => &before,
        };
        if before.starts_with("exit") || before == "errno" || is_quantity(&after) {
            continue;
        }
        if (400..=599).contains(&number)
            && is_status(line, before, &after, end, http_context)
            && !facts.iter().any(|f: &Fact| f.kind == FactKind::HttpStatus)
        {
            let target = scan::endpoint(line).map(|e| e.key());
            facts.push(fact(FactKind::HttpStatus, &number.to_string(), target));
        } else if is_close_code(number)
            && close_context
            && is_close(line, before, end)
            && !facts.iter().any(|f: &Fact| f.kind == FactKind::WsClose)
        {
            facts.push(fact(
                FactKind::WsClose,
                &number.to_string(),
                websocket_path(),
            ));
        }
    }
    let has = |markers: &[&str]| markers.iter().any(|m| lower.contains(m));
    if has(REFUSED) {
        facts.push(fact(FactKind::Refused, "", scan::address(line)));
    }
    if has(RESET) {
        facts.push(fact(FactKind::Reset, "", scan::address(line)));
    }
    if has(DNS) {
        facts.push(fact(FactKind::Dns, "", scan::host(line)));
    }
    if has(TLS) {
        facts.push(fact(FactKind::Tls, "", scan::host(line)));
    }
    if let Some(event) = stalled_after(line, &lower) {
        facts.push(fact(FactKind::Stalled, &event, websocket_path()));
    } else if has(TIMEOUT)
        && let Some(target) = scan::endpoint(line)
            .map(|e| e.key())
            .or_else(|| scan::address(line))
    {
        facts.push(fact(FactKind::Timeout, "", Some(target)));
    }
    if first && let Some(name) = exception(line) {
        facts.push(fact(FactKind::Exception, &name, None));
    }
    facts
}

/// Whether the number ending at `end`, after the word `before` and before the word `after`, is
/// an HTTP status.
fn is_status(line: &str, before: &str, after: &str, end: usize, http_context: bool) -> bool {
    if STATUS_WORDS.contains(&before) || before.ends_with("status") || before.ends_with("code") {
        return true;
    }
    if http_context && STATUS_WORDS_IN_HTTP.contains(&before) {
        return true;
    }
    if REASONS.contains(&after) {
        return true;
    }
    // pytest's rewritten `assert response.status_code == 200`: `assert 404 == 200`.
    before == "assert"
        && line[end..]
            .trim_start()
            .strip_prefix("==")
            .map(str::trim_start)
            .is_some_and(|rest| rest.starts_with('2'))
}

/// The codes a WebSocket close frame carries: the protocol's and the application range.
fn is_close_code(number: u32) -> bool {
    (1000..=1015).contains(&number) || (3000..=4999).contains(&number)
}

/// Whether the close-range number ending at `end` after the word `before` is a close code:
/// it follows a word that reports one, or a close reason follows it, `1011 (internal error)`,
/// or it stands in parentheses, `(1006)`.
fn is_close(line: &str, before: &str, end: usize) -> bool {
    let tail = &line[end..];
    CLOSE_WORDS.contains(&before)
        || before.ends_with("code")
        || tail.starts_with(" (")
        || (tail.starts_with(')')
            && line[..end]
                .trim_end_matches(char::is_numeric)
                .ends_with('('))
}

/// A unit after a number makes it a quantity: `500 ms`, `404 bytes`.
fn is_quantity(word: &str) -> bool {
    matches!(
        word,
        "b" | "bytes"
            | "h"
            | "hours"
            | "items"
            | "messages"
            | "min"
            | "minutes"
            | "ms"
            | "requests"
            | "s"
            | "sec"
            | "seconds"
            | "tests"
            | "times"
    )
}

/// The last event before a stream went silent, `start` when none arrived.
fn stalled_after(line: &str, lower: &str) -> Option<String> {
    if lower.contains("(no event at all)") {
        return Some("start".to_owned());
    }
    let event = STALLED
        .iter()
        .find_map(|marker| scan::identifier_after(line, lower, marker))?;
    Some(match event.as_str() {
        "the" | "connect" | "handshake" => "start".to_owned(),
        _ => event,
    })
}

/// The exception type a message opens with: `harness.ConnectionClosedError: …` →
/// `ConnectionClosedError`, `java.lang.NullPointerException at …` → `NullPointerException`.
pub fn exception(line: &str) -> Option<String> {
    let line = line.trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$')))
        .unwrap_or(line.len());
    let dotted = &line[..end];
    let name = dotted.rsplit(['.', '$']).next().unwrap_or(dotted);
    let next = line[end..].chars().next();
    if name == "Error" || name == "Exception" {
        return None;
    }
    let named = name.ends_with("Error") || name.ends_with("Exception");
    let camel = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase());
    let ok = match next {
        Some(':') => named || camel,
        None | Some(' ') => named && name.len() > "Error".len(),
        _ => false,
    };
    ok.then(|| name.to_owned())
}
