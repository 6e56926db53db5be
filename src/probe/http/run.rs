//! Sending a probe's requests and judging what comes back.

use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde_json::Value;

use super::json_path::lookup;
use super::report::{
    BODY_HEAD_BYTES, BodyCheck, BodyVerdict, FailureKind, HttpReport, JsonCheck, JsonVerdict,
    Latency, Sample, accepts,
};
use crate::redact::Redactor;

/// Bodies are read up to this many bytes; the rest is dropped, so a probe of a huge download
/// checks its beginning only.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// One HTTP probe, with everything already rendered (templates expanded) by the caller.
#[derive(Debug, Clone)]
pub struct HttpProbeSpec {
    /// The probe's name, the middle part of its test ids.
    pub name: String,
    /// `GET`, `POST`, …; case does not matter.
    pub method: String,
    /// The full url, query included.
    pub url: String,
    /// Request headers, in order.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Option<String>,
    /// The statuses accepted (any of them); empty accepts any 2xx.
    pub expect_status: Vec<u16>,
    /// Text every response body must contain.
    pub body_contains: Option<String>,
    /// A dotted path (`data.status`, `items.0.id`) and the JSON value it must hold.
    pub json_field: Option<(String, Value)>,
    /// The limit on each request, from sending to the end of the body.
    pub timeout: Duration,
    /// How many requests to send, one after another; 0 counts as 1.
    pub samples: u32,
    /// Masks secrets in everything the report says.
    pub redactor: Redactor,
}

/// Sends `spec`'s request `samples` times through `client` and reports what happened. Never
/// fails: every problem is part of the report.
pub async fn run_http(spec: &HttpProbeSpec, client: &reqwest::Client) -> HttpReport {
    let redactor = &spec.redactor;
    let method = spec.method.to_ascii_uppercase();
    let target = redactor.text(&format!("{method} {}", path_of(&spec.url)));
    let mut judge = Judge::new(spec);
    let mut samples = Vec::new();
    let mut elapsed_answered = Vec::new();
    for n in 1..=spec.samples.max(1) as usize {
        let started = Instant::now();
        let result = tokio::time::timeout(spec.timeout, send(spec, client, &method)).await;
        let elapsed = started.elapsed();
        let sample = match result {
            Ok(Ok((status, body))) => {
                judge.response(n, status, &body);
                elapsed_answered.push(elapsed);
                Sample::Answered { status, elapsed }
            }
            Ok(Err(failure)) => {
                let (kind, message) = describe(failure, spec, &target);
                Sample::Failed {
                    kind,
                    message: redactor.text(&message),
                    elapsed,
                }
            }
            Err(_) => Sample::Failed {
                kind: FailureKind::Timeout,
                message: timed_out(spec, &target),
                elapsed,
            },
        };
        samples.push(sample);
    }
    HttpReport {
        name: spec.name.clone(),
        method,
        url: redactor.text(&spec.url),
        target,
        expect_status: spec.expect_status.clone(),
        timeout: spec.timeout,
        samples,
        latency: Latency::over(&elapsed_answered),
        body_head: judge.body_head,
        body: judge.body,
        json: judge.json,
    }
}

/// Why one request got no response.
enum SendFailure {
    /// The configured method is not a valid HTTP method.
    Method,
    /// reqwest failed: connect, TLS, protocol, invalid url, ….
    Request(reqwest::Error),
}

/// One request: the status and the body (up to [`MAX_BODY_BYTES`]).
async fn send(
    spec: &HttpProbeSpec,
    client: &reqwest::Client,
    method: &str,
) -> Result<(u16, Vec<u8>), SendFailure> {
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| SendFailure::Method)?;
    let mut request = client.request(method, &spec.url);
    for (name, value) in &spec.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &spec.body {
        request = request.body(body.clone());
    }
    let mut response = request.send().await.map_err(SendFailure::Request)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(SendFailure::Request)? {
        let room = MAX_BODY_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_BODY_BYTES {
            break;
        }
    }
    Ok((status, body))
}

/// The failure's kind and a one-line message (not yet redacted).
fn describe(failure: SendFailure, spec: &HttpProbeSpec, target: &str) -> (FailureKind, String) {
    let err = match failure {
        SendFailure::Method => {
            let message = format!("{target}: invalid HTTP method {:?}", spec.method);
            return (FailureKind::Other, message);
        }
        // The url is in the spec already; reqwest would repeat it, query secrets and all.
        SendFailure::Request(err) => err.without_url(),
    };
    if err.is_timeout() {
        return (FailureKind::Timeout, timed_out(spec, target));
    }
    let authority = authority_of(&spec.url);
    if let Some(tls) = tls_cause(&err) {
        let message = format!("{target}: TLS with {authority} failed: {tls}");
        return (FailureKind::Tls, message);
    }
    if err.is_connect() {
        let io = causes(&err).find_map(|e| e.downcast_ref::<std::io::Error>());
        let message = match io {
            Some(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                format!("{target}: connection refused to {authority}")
            }
            _ => format!(
                "{target}: could not connect to {authority}: {}",
                chain(&err)
            ),
        };
        return (FailureKind::Connect, message);
    }
    (
        FailureKind::Other,
        format!("{target} failed: {}", chain(&err)),
    )
}

fn timed_out(spec: &HttpProbeSpec, target: &str) -> String {
    format!(
        "{target} timed out after {}",
        humantime::format_duration(spec.timeout)
    )
}

/// `err` and its causes, outermost first. An `io::Error`'s `source()` skips the error it
/// wraps (tokio-rustls wraps a `rustls::Error` in an io error, which hyper wraps again), so
/// look inside io errors instead.
fn causes<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |&e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => io
            .get_ref()
            .map(|inner| inner as &(dyn std::error::Error + 'static)),
        None => e.source(),
    })
}

/// The rustls error behind `err`, if any.
fn tls_cause(err: &reqwest::Error) -> Option<&rustls::Error> {
    causes(err).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// "error sending request: client error (Connect): …", every cause once.
fn chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(err) {
        let text = cause.to_string();
        // Some wrappers repeat their source's text; say it once.
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// The url's path without query or fragment, so messages never carry query secrets; the
/// whole text when it is not a url.
fn path_of(url: &str) -> String {
    Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.path().to_owned())
}

/// `host:port` of the url, for connection messages.
fn authority_of(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

/// Judges response bodies as samples arrive, keeping the first problem of each check.
struct Judge<'s> {
    spec: &'s HttpProbeSpec,
    body_head: Option<String>,
    body: Option<BodyCheck>,
    json: Option<JsonCheck>,
}

impl<'s> Judge<'s> {
    fn new(spec: &'s HttpProbeSpec) -> Self {
        let redactor = &spec.redactor;
        Self {
            spec,
            body_head: None,
            body: spec.body_contains.as_ref().map(|text| BodyCheck {
                expected: redactor.text(text),
                verdict: BodyVerdict::NoResponse,
            }),
            json: spec.json_field.as_ref().map(|(path, value)| JsonCheck {
                path: redactor.text(path),
                expected: redactor.text(&value.to_string()),
                verdict: JsonVerdict::NoResponse,
            }),
        }
    }

    /// Sample `n` (1-based) answered `status` with `body`.
    fn response(&mut self, n: usize, status: u16, body: &[u8]) {
        let mut unexpected = !accepts(&self.spec.expect_status, status);
        if let (Some(check), Some(text)) = (&mut self.body, &self.spec.body_contains) {
            let found = body
                .windows(text.len().max(1))
                .any(|w| w == text.as_bytes());
            let verdict = if found || text.is_empty() {
                BodyVerdict::Found
            } else {
                BodyVerdict::NotFound { sample: n }
            };
            unexpected |= verdict != BodyVerdict::Found;
            keep_first_problem(&mut check.verdict, verdict, |v| {
                matches!(v, BodyVerdict::NotFound { .. })
            });
        }
        if let (Some(check), Some((path, expected))) = (&mut self.json, &self.spec.json_field) {
            let verdict = match serde_json::from_slice::<Value>(body) {
                Err(error) => JsonVerdict::NotJson {
                    sample: n,
                    error: self.spec.redactor.text(&error.to_string()),
                },
                Ok(value) => match lookup(&value, path) {
                    None => JsonVerdict::Absent { sample: n },
                    Some(actual) if actual == expected => JsonVerdict::Equal,
                    Some(actual) => JsonVerdict::Differs {
                        sample: n,
                        actual: self.spec.redactor.text(&actual.to_string()),
                    },
                },
            };
            unexpected |= verdict != JsonVerdict::Equal;
            keep_first_problem(&mut check.verdict, verdict, |v| {
                !matches!(v, JsonVerdict::Equal | JsonVerdict::NoResponse)
            });
        }
        if unexpected && self.body_head.is_none() {
            self.body_head = Some(self.head(body));
        }
    }

    /// The redacted head of `body`. Redacting before cutting, so a secret straddling the cut
    /// cannot leave its first half behind.
    fn head(&self, body: &[u8]) -> String {
        let redacted = self.spec.redactor.bytes(body);
        let cut = redacted.len().min(BODY_HEAD_BYTES);
        String::from_utf8_lossy(&redacted[..cut]).into_owned()
    }
}

/// Replaces `current` with `new` unless `current` already records a problem.
fn keep_first_problem<V>(current: &mut V, new: V, is_problem: impl Fn(&V) -> bool) {
    if !is_problem(current) {
        *current = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_authority_without_the_query() {
        assert_eq!(path_of("http://h:81/api/x?token=s3cret"), "/api/x");
        assert_eq!(path_of("not a url"), "not a url");
        assert_eq!(authority_of("https://example.com/x"), "example.com:443");
        assert_eq!(authority_of("http://127.0.0.1:1234/"), "127.0.0.1:1234");
    }
}
