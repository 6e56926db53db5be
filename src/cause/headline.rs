//! A root cause in plain words: a one-line headline from its most telling fact, and a next
//! action that says what to look at and where.

use super::failure::Failure;
use super::scan;
use crate::model::{Fact, FactKind, RootCause};

/// The longest message quoted in a headline or action, in characters.
const QUOTE_CHARS: usize = 120;

/// What a headline needs besides the facts.
pub struct Context {
    /// Full URLs greenloop knows (probe URLs), to show instead of bare paths.
    urls: Vec<String>,
    /// A WebSocket closed before any event arrived.
    before_any_event: bool,
    /// How a hung suite was stopped: "no output for 4s".
    hang: Option<String>,
    /// The first member's message, first line.
    example: String,
}

impl Context {
    /// What the failures of one root cause say beyond their facts.
    pub fn new(members: &[&Failure<'_>]) -> Self {
        let mut urls: Vec<String> = members
            .iter()
            .filter_map(|f| f.url.map(str::to_owned))
            .collect();
        urls.sort();
        urls.dedup();
        let messages = || members.iter().map(|f| f.test.outcome.message());
        let hang = members
            .iter()
            .filter(|f| f.facts.iter().any(|x| x.kind == FactKind::Hang))
            .find_map(|f| {
                let first = f.test.outcome.message().lines().next()?;
                let how = first.strip_prefix("hung: ").unwrap_or(first);
                Some(how.split(';').next().unwrap_or(how).trim().to_owned())
            });
        Self {
            urls,
            before_any_event: messages().any(|m| m.contains("before any event")),
            hang,
            example: messages()
                .map(|m| m.lines().next().unwrap_or("").trim().to_owned())
                .next()
                .unwrap_or_default(),
        }
    }

    /// The full URL whose path is `path`, or `path` itself.
    fn shown(&self, path: &str) -> String {
        self.urls
            .iter()
            .find(|url| scan::urls(url).first().is_some_and(|u| u.path == path))
            .cloned()
            .unwrap_or_else(|| path.to_owned())
    }
}

/// The order in which facts make a headline: the most telling first.
fn rank(kind: FactKind) -> u8 {
    match kind {
        FactKind::Hang => 0,
        FactKind::SuiteFailed => 1,
        FactKind::WsClose => 2,
        FactKind::Stalled => 3,
        FactKind::HttpStatus => 4,
        FactKind::Refused => 5,
        FactKind::Dns => 6,
        FactKind::Tls => 7,
        FactKind::Reset => 8,
        FactKind::Timeout => 9,
        FactKind::Exception => 10,
    }
}

/// The fact a root cause is named after.
pub fn primary(facts: &[Fact]) -> Option<&Fact> {
    facts
        .iter()
        .min_by_key(|f| (rank(f.kind), f.target.is_none()))
}

/// One line: "`ws://…/ws` closes with 1011 (internal error) before any event".
pub fn headline(facts: &[Fact], context: &Context) -> String {
    let Some(fact) = primary(facts) else {
        return code(&cut(&context.example));
    };
    let target = fact.target.as_deref();
    match fact.kind {
        FactKind::Hang => {
            let mut line = format!("`{}` hangs", fact.value);
            if let Some(how) = &context.hang {
                line.push_str(&format!(" ({how})"));
            }
            let waiting = facts
                .iter()
                .find(|f| f.kind == FactKind::Timeout)
                .and_then(|f| f.target.as_deref());
            if let Some(endpoint) = waiting {
                line.push_str(&format!(", waiting on `{endpoint}`"));
            }
            line
        }
        FactKind::SuiteFailed => format!(
            "`{}` failed as a whole: {}",
            fact.value,
            code(&cut(&context.example))
        ),
        FactKind::WsClose => {
            let code = fact.value.parse().unwrap_or(0);
            let what = match target {
                Some(path) => format!("`{}`", context.shown(path)),
                None => "The WebSocket".to_owned(),
            };
            let mut line = format!("{what} closes with {} ({})", fact.value, close_name(code));
            if context.before_any_event {
                line.push_str(" before any event");
            }
            line
        }
        FactKind::Stalled => {
            let on = target.map_or(String::new(), |p| format!(" on `{}`", context.shown(p)));
            if fact.value == "start" {
                format!("The event stream{on} sends no event")
            } else {
                format!("The event stream{on} stops after `{}`", fact.value)
            }
        }
        FactKind::HttpStatus => {
            let status = fact.value.parse().unwrap_or(0);
            let what = target.map_or("Requests".to_owned(), |t| format!("`{t}`"));
            let verb = if target.is_some() {
                "answers"
            } else {
                "answer"
            };
            format!("{what} {verb} {} ({})", fact.value, reason(status))
        }
        FactKind::Refused => match target {
            Some(address) => format!("Connections to `{address}` are refused"),
            None => "Connections are refused".to_owned(),
        },
        FactKind::Reset => match target {
            Some(address) => format!("Connections to `{address}` are reset"),
            None => "Connections are reset".to_owned(),
        },
        FactKind::Dns => match target {
            Some(host) => format!("`{host}` does not resolve (DNS)"),
            None => "A host name does not resolve (DNS)".to_owned(),
        },
        FactKind::Tls => match target {
            Some(host) => format!("The TLS handshake with `{host}` fails"),
            None => "A TLS handshake fails".to_owned(),
        },
        FactKind::Timeout => match target {
            Some(endpoint) => format!("`{endpoint}` never answers (timeout)"),
            None => "A request times out".to_owned(),
        },
        FactKind::Exception => code(&cut(&context.example)),
    }
}

/// A fact as words, for "why grouped": "WebSocket close 1011 on `/ws`".
pub fn describe(fact: &Fact) -> String {
    let what = match fact.kind {
        FactKind::WsClose => format!("WebSocket close {}", fact.value),
        FactKind::HttpStatus => format!("HTTP {}", fact.value),
        FactKind::Refused => "connection refused".to_owned(),
        FactKind::Reset => "connection reset".to_owned(),
        FactKind::Dns => "name not resolved".to_owned(),
        FactKind::Tls => "TLS failure".to_owned(),
        FactKind::Timeout => "no answer".to_owned(),
        FactKind::Hang => format!("`{}` hung", fact.value),
        FactKind::SuiteFailed => format!("`{}` failed as a whole", fact.value),
        FactKind::Stalled if fact.value == "start" => "no event at all".to_owned(),
        FactKind::Stalled => format!("events stop after `{}`", fact.value),
        FactKind::Exception => format!("`{}`", fact.value),
    };
    match &fact.target {
        Some(target) => format!("{what} on `{target}`"),
        None => what,
    }
}

/// What a fact's target is called: "path", "address", "host".
pub fn target_word(kind: FactKind) -> &'static str {
    match kind {
        FactKind::WsClose | FactKind::Stalled => "path",
        FactKind::HttpStatus | FactKind::Timeout => "endpoint",
        FactKind::Refused | FactKind::Reset => "address",
        FactKind::Dns | FactKind::Tls => "host",
        FactKind::Hang | FactKind::SuiteFailed | FactKind::Exception => "target",
    }
}

/// What to do about `cause`, in one sentence: what to look at, and where.
pub fn action(cause: &RootCause) -> String {
    let mut action = match primary(&cause.facts) {
        Some(fact) => act(fact, &cause.facts),
        None => format!(
            "Fix the failure {}",
            cause
                .clusters
                .first()
                .map_or(String::new(), |s| code(&cut(s)))
        ),
    };
    action.push('.');
    action
}

/// [`action`] followed by the backend's own line about it; `read` names the logs greenloop
/// read for this iteration, so a cause without a matching line says where it looked.
pub fn next_action(cause: &RootCause, read: &[&str]) -> String {
    let mut action = action(cause);
    let specific = cause.facts.iter().any(|f| {
        !matches!(
            f.kind,
            FactKind::Exception | FactKind::Hang | FactKind::SuiteFailed
        )
    });
    match cause.log_lines.first() {
        Some(line) => {
            let place = match &line.link {
                Some(link) => format!("[{} line {}]({})", line.source, line.line, link.display()),
                None => format!("{} line {}", line.source, line.line),
            };
            action.push_str(&format!(
                " The backend log says, at {place}: {}",
                code(&cut(&line.text))
            ));
        }
        None if !specific => {}
        None if read.is_empty() => action.push_str(
            " (greenloop read no backend log this time: a `[[log]]` source would have its matching lines quoted here.)",
        ),
        None => action.push_str(&format!(
            " No line of the logs greenloop read ({}) matches it.",
            read.join(", ")
        )),
    }
    action
}

fn act(fact: &Fact, facts: &[Fact]) -> String {
    let target = fact.target.as_deref();
    let on = |word: &str| target.map_or(String::new(), |t| format!(" {word} `{t}`"));
    match fact.kind {
        FactKind::Hang => {
            let waiting = facts
                .iter()
                .find(|f| f.kind == FactKind::Timeout)
                .and_then(|f| f.target.as_deref())
                .map_or(String::new(), |e| {
                    format!(": it was waiting on `{e}`, which never answered")
                });
            format!(
                "Find why `{}` hangs{waiting}; the end of its output is in its log",
                fact.value
            )
        }
        FactKind::SuiteFailed => format!(
            "Read the end of `{}`'s output in its log: the suite failed as a whole, so its own tests' results are missing",
            fact.value
        ),
        FactKind::WsClose => match fact.value.as_str() {
            "1011" => format!(
                "Find the error in the WebSocket handler{} — 1011 means the server failed while handling a message",
                on("behind")
            ),
            "1006" => format!(
                "Find why the WebSocket{} drops without a close frame (1006): the server process died or a proxy cut the connection",
                on("on")
            ),
            code => format!(
                "Find why the WebSocket{} closes with {code} ({})",
                on("on"),
                close_name(code.parse().unwrap_or(0))
            ),
        },
        FactKind::Stalled => format!(
            "Find why the event stream{} stops after `{}`: the events after it are never sent",
            on("on"),
            fact.value
        ),
        FactKind::HttpStatus => {
            let status: u16 = fact.value.parse().unwrap_or(0);
            let what = target.map_or("the failing requests".to_owned(), |t| format!("`{t}`"));
            match status {
                404 => format!(
                    "Check that {what} exists in the deployed revision: it answers 404 (Not Found)"
                ),
                401 | 403 => format!(
                    "Check the credentials {what} is called with: it answers {status} ({})",
                    reason(status)
                ),
                500..=599 => format!(
                    "Find the server error behind {what} ({status} {}) in the backend's log",
                    reason(status)
                ),
                _ => format!(
                    "Check the request {what} is sent with: it answers {status} ({})",
                    reason(status)
                ),
            }
        }
        FactKind::Refused => format!(
            "Check that the service{} is up and listening: connections are refused",
            on("at")
        ),
        FactKind::Reset => format!("Find why the service{} resets connections", on("at")),
        FactKind::Dns => format!("Check the host name{}: it does not resolve", on("")),
        FactKind::Tls => format!("Check the TLS certificate and settings{}", on("of")),
        FactKind::Timeout => format!(
            "Find why{} does not answer in time",
            target.map_or(" the request".to_owned(), |t| format!(" `{t}`"))
        ),
        FactKind::Exception => format!("Fix the `{}` the tests raise", fact.value),
    }
}

/// The reason phrase of an HTTP status.
pub fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        ..=499 => "client error",
        _ => "server error",
    }
}

/// The name RFC 6455 (and the IANA registry) gives a close code.
pub fn close_name(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status",
        1006 => "abnormal closure",
        1007 => "invalid payload",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "missing extension",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake",
        3000..=3999 => "registered code",
        _ => "application code",
    }
}

/// `text` as a code span that no backtick inside can end early.
pub fn code(text: &str) -> String {
    let text = text.replace('`', "'");
    format!("`{text}`")
}

/// `text`'s first line, cut to [`QUOTE_CHARS`] characters.
pub fn cut(text: &str) -> String {
    cut_to(text, QUOTE_CHARS)
}

/// `text`'s first line, cut to `max` characters with `…`.
pub fn cut_to(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(max).collect();
    cut.push('…');
    cut
}
