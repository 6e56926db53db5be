//! `[[probe]]` validated into a plan: HTTP endpoint checks and WebSocket event flows.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use super::raw::{ExpectStatus, RawProbe};
use super::template::Template;

/// A validated `[[probe]]`.
#[derive(Debug, Clone)]
pub struct ProbePlan {
    /// Unique among the loop's probes; part of test ids `probe::<name>::<check>`.
    pub name: String,
    /// Where it connects (`http(s)://` or `ws(s)://`).
    pub url: Template,
    /// Request or handshake headers.
    pub headers: Vec<(String, Template)>,
    /// Per request (HTTP) or per flow (WebSocket).
    pub timeout: Duration,
    /// What kind of probe, with its own settings.
    pub kind: ProbeKind,
}

/// The settings of each kind of probe.
#[derive(Debug, Clone)]
pub enum ProbeKind {
    /// `kind = "http"`.
    Http {
        /// `method`, default GET.
        method: String,
        /// `body`.
        body: Option<Template>,
        /// `expect_status`: any of these, default 200.
        expect_status: Vec<u16>,
        /// `body_contains`.
        body_contains: Option<String>,
        /// `json_field = { path, equals }`.
        json_field: Option<(String, serde_json::Value)>,
        /// `samples`: requests made, for latency figures; default 1.
        samples: u32,
    },
    /// `kind = "websocket"`.
    WebSocket {
        /// `send`: messages sent after connecting.
        send: Vec<Template>,
        /// `event_field`: dotted path of the event name in each JSON message, default `type`.
        event_field: String,
        /// `expect_events`.
        expect_events: Vec<String>,
        /// `in_order`: the events must arrive in the listed order.
        in_order: bool,
        /// `connections`: concurrent connections, each must see the flow; default 1.
        connections: u32,
        /// `max_message_size`: larger messages fail the flow; default 1 MiB.
        max_message_size: usize,
    },
}

const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
const WEBSOCKET_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_MESSAGE_SIZE: usize = 1 << 20;
const HTTP_ONLY: [&str; 5] = [
    "method",
    "body",
    "expect_status",
    "body_contains",
    "json_field",
];
const WEBSOCKET_ONLY: [&str; 6] = [
    "send",
    "event_field",
    "expect_events",
    "in_order",
    "connections",
    "max_message_size",
];

/// Validates every probe; `known` says which `${…}` names exist and `samples` gives a value for
/// each, so urls can be checked with their templates filled in.
pub fn probe_plans(
    raw: &[RawProbe],
    known: &dyn Fn(&str) -> bool,
    samples: &BTreeMap<String, String>,
    check: &mut Checker,
) -> Vec<ProbePlan> {
    let mut names = BTreeSet::new();
    let mut plans = Vec::new();
    for probe in raw {
        let name = probe.name.get_ref().trim();
        if name.is_empty() || name.contains("::") {
            check.error(
                probe.name.span(),
                "a probe name must be non-empty and must not contain `::` (it is part of test ids)",
            );
        } else if !names.insert(name.to_owned()) {
            check.error(
                probe.name.span(),
                format!("probe `{name}` is defined twice"),
            );
        }
        if let Some(plan) = probe_plan(probe, known, samples, check) {
            plans.push(plan);
        }
    }
    plans
}

fn probe_plan(
    raw: &RawProbe,
    known: &dyn Fn(&str) -> bool,
    samples: &BTreeMap<String, String>,
    check: &mut Checker,
) -> Option<ProbePlan> {
    let errors_before = check.diagnostics.len();
    let kind = raw.kind.get_ref().as_str();
    let (schemes, foreign): (&[&str], &[&str]) = match kind {
        "http" => (&["http", "https"], &WEBSOCKET_ONLY),
        "websocket" => (&["ws", "wss"], &HTTP_ONLY),
        other => {
            check.error(
                raw.kind.span(),
                format!("unknown probe kind `{other}`: use \"http\" or \"websocket\""),
            );
            return None;
        }
    };
    for (key, span) in present_keys(raw) {
        if foreign.contains(&key) {
            check.error(
                span,
                format!(
                    "`{key}` does not apply to {} {kind} probe",
                    if kind == "http" { "an" } else { "a" }
                ),
            );
        }
    }
    let url = check.template(&raw.url, known);
    if let Some(url) = &url {
        let errors = check.diagnostics.len();
        check_url(&raw.url, url, samples, schemes, check);
        // The handshake's own parser is stricter than the url crate: ask it too, with the
        // real secrets filled in, so `check` passes only what the probe can connect to.
        if kind == "websocket"
            && check.diagnostics.len() == errors
            && let Err(e) = crate::probe::websocket::handshake_url(&url.render(samples))
        {
            check.error(raw.url.span(), format!("not a valid WebSocket url ({e})"));
        }
    }
    let headers: Vec<(String, Template)> = raw
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.get_ref().clone(), check.template(v, known)?)))
        .collect();
    let default_timeout = if kind == "http" {
        HTTP_TIMEOUT
    } else {
        WEBSOCKET_TIMEOUT
    };
    let timeout = raw
        .timeout
        .as_ref()
        .map_or(Some(default_timeout), |t| check.duration(t, "timeout"));
    let kind = if kind == "http" {
        http(raw, known, check)
    } else {
        websocket(raw, known, check)
    };
    if check.diagnostics.len() > errors_before {
        return None;
    }
    Some(ProbePlan {
        name: raw.name.get_ref().trim().to_owned(),
        url: url?,
        headers,
        timeout: timeout?,
        kind: kind?,
    })
}

fn http(raw: &RawProbe, known: &dyn Fn(&str) -> bool, check: &mut Checker) -> Option<ProbeKind> {
    let method = raw
        .method
        .as_ref()
        .map_or_else(|| "GET".to_owned(), |m| m.get_ref().to_ascii_uppercase());
    if let Some(m) = &raw.method
        && !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(&method.as_str())
    {
        check.error(
            m.span(),
            format!("`{}` is not an HTTP method this probe sends", m.get_ref()),
        );
    }
    let expect_status = match raw.expect_status.as_ref().map(Spanned::get_ref) {
        None => vec![200],
        Some(ExpectStatus::One(code)) => vec![*code],
        Some(ExpectStatus::Any(codes)) => codes.clone(),
    };
    if let Some(span) = raw.expect_status.as_ref().map(Spanned::span)
        && (expect_status.is_empty() || expect_status.iter().any(|c| !(100..=599).contains(c)))
    {
        check.error(
            span,
            "`expect_status` must be one or more HTTP status codes (100-599)",
        );
    }
    let samples = raw.samples.as_ref().map_or(1, |s| *s.get_ref());
    if samples == 0 || samples > 1000 {
        check.error(
            raw.samples.as_ref().map_or(0..0, Spanned::span),
            "`samples` must be between 1 and 1000",
        );
    }
    let json_field = raw.json_field.as_ref().map(|f| {
        let f = f.get_ref();
        (
            f.path.clone(),
            serde_json::to_value(&f.equals).unwrap_or(serde_json::Value::Null),
        )
    });
    Some(ProbeKind::Http {
        method,
        body: raw.body.as_ref().and_then(|b| check.template(b, known)),
        expect_status,
        body_contains: raw.body_contains.as_ref().map(|b| b.get_ref().clone()),
        json_field,
        samples,
    })
}

fn websocket(
    raw: &RawProbe,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Option<ProbeKind> {
    let expect_events = raw
        .expect_events
        .as_ref()
        .map(|e| e.get_ref().clone())
        .unwrap_or_default();
    if expect_events.is_empty() {
        let span = raw
            .expect_events
            .as_ref()
            .map_or_else(|| raw.kind.span(), Spanned::span);
        check.error(
            span,
            "a websocket probe needs `expect_events`: the events the flow must deliver",
        );
    }
    let connections = raw.connections.as_ref().map_or(1, |c| *c.get_ref());
    if connections == 0 || connections > 10_000 {
        check.error(
            raw.connections.as_ref().map_or(0..0, Spanned::span),
            "`connections` must be between 1 and 10000",
        );
    }
    let max_message_size = match &raw.max_message_size {
        Some(size) => check.byte_size(size, "max_message_size")? as usize,
        None => MAX_MESSAGE_SIZE,
    };
    let send = raw
        .send
        .as_ref()
        .map(|s| {
            s.get_ref()
                .iter()
                .filter_map(|m| check.template(m, known))
                .collect()
        })
        .unwrap_or_default();
    Some(ProbeKind::WebSocket {
        send,
        event_field: raw
            .event_field
            .as_ref()
            .map_or_else(|| "type".to_owned(), |f| f.get_ref().clone()),
        expect_events,
        in_order: raw.in_order.as_ref().is_some_and(|o| *o.get_ref()),
        connections,
        max_message_size,
    })
}

/// Fills the url's template with sample values and checks that it parses with the right scheme.
pub(super) fn check_url(
    raw: &Spanned<String>,
    url: &Template,
    samples: &BTreeMap<String, String>,
    schemes: &[&str],
    check: &mut Checker,
) {
    let rendered = url.render(samples);
    match reqwest::Url::parse(&rendered) {
        Ok(parsed) if schemes.contains(&parsed.scheme()) => {}
        Ok(parsed) => check.error(
            raw.span(),
            format!(
                "`{}` is not a {} url",
                parsed.scheme(),
                schemes.join(" or ")
            ),
        ),
        Err(e) => check.error(raw.span(), format!("not a valid url ({e})")),
    }
}

/// The kind-specific keys this probe sets, with their spans.
fn present_keys(raw: &RawProbe) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let mut keys = Vec::new();
    let mut add = |key, span: Option<std::ops::Range<usize>>| {
        if let Some(span) = span {
            keys.push((key, span));
        }
    };
    add("method", raw.method.as_ref().map(Spanned::span));
    add("body", raw.body.as_ref().map(Spanned::span));
    add(
        "expect_status",
        raw.expect_status.as_ref().map(Spanned::span),
    );
    add(
        "body_contains",
        raw.body_contains.as_ref().map(Spanned::span),
    );
    add("json_field", raw.json_field.as_ref().map(Spanned::span));
    add("send", raw.send.as_ref().map(Spanned::span));
    add("event_field", raw.event_field.as_ref().map(Spanned::span));
    add(
        "expect_events",
        raw.expect_events.as_ref().map(Spanned::span),
    );
    add("in_order", raw.in_order.as_ref().map(Spanned::span));
    add("connections", raw.connections.as_ref().map(Spanned::span));
    add(
        "max_message_size",
        raw.max_message_size.as_ref().map(Spanned::span),
    );
    keys
}
