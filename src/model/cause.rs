//! Root causes: failures from every source (JUnit tests, suite stand-ins, probe checks) grouped
//! by the facts they share, with the backend log lines that match them.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::history::IterationRef;
use super::test::TestId;

/// What kind of fact a failure states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A WebSocket closed with a code (value), on a path (target) when known.
    WsClose,
    /// An HTTP answer with a status (value), for `METHOD /path` (target) when known.
    HttpStatus,
    /// A connection refused by `host:port` (target).
    Refused,
    /// A connection reset by `host:port` (target).
    Reset,
    /// A host name (target) that did not resolve.
    Dns,
    /// A TLS handshake or certificate failure with a host (target).
    Tls,
    /// An endpoint (target: `METHOD /path`, a URL path, or `host:port`) that never answered.
    Timeout,
    /// A suite (value) that hung and was killed.
    Hang,
    /// A suite (value) that failed as a whole: it crashed, could not start, or gave no results
    /// of its own (its stand-in test fails).
    SuiteFailed,
    /// An event stream (target: its path) that stopped after an event (value; `start` when
    /// no event arrived at all).
    Stalled,
    /// The exception type (value): a label, never a reason to merge.
    Exception,
}

impl FactKind {
    /// The name used in JSON and in root-cause ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WsClose => "ws_close",
            Self::HttpStatus => "http_status",
            Self::Refused => "refused",
            Self::Reset => "reset",
            Self::Dns => "dns",
            Self::Tls => "tls",
            Self::Timeout => "timeout",
            Self::Hang => "hang",
            Self::SuiteFailed => "suite_failed",
            Self::Stalled => "stalled",
            Self::Exception => "exception",
        }
    }
}

/// One specific thing a failure says: "the WebSocket on `/ws` closed with 1011".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fact {
    /// What kind of fact.
    pub kind: FactKind,
    /// The code, status, suite, event or exception type; empty when the kind says it all.
    pub value: String,
    /// What it is about (normalised path, `METHOD /path`, `host:port`, host), when known.
    pub target: Option<String>,
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if !self.value.is_empty() {
            write!(f, " {}", self.value)?;
        }
        if let Some(target) = &self.target {
            write!(f, " on {target}")?;
        }
        Ok(())
    }
}

/// How many failures of one suite (or one probe) a root cause holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The suite (`probe` for probe checks).
    pub suite: String,
    /// The probe, for probe checks.
    pub probe: Option<String>,
    /// Failing tests (or checks).
    pub count: usize,
    /// Whether the suite is critical.
    pub critical: bool,
}

/// A line of a backend log that shares a fact with a root cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// The log's name: `service`, `deploy`, a `[[collect]]` or `[[log]]` name.
    pub source: String,
    /// The log, relative to the loop's report directory, when greenloop kept it.
    pub link: Option<PathBuf>,
    /// The line's number in that log, from 1.
    pub line: usize,
    /// The line, secrets masked and cut to a readable length.
    pub text: String,
    /// Further lines of the same shape (same text once times and ids are masked).
    pub more: usize,
}

/// Failures from every source that share a specific fact, told as one cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RootCause {
    /// Stable across iterations while the cause lasts, e.g. `ws_close-1011-ws`.
    pub id: String,
    /// One plain-language line: "`ws://…/ws` closes with 1011 (internal error)".
    pub headline: String,
    /// The facts its failures share (and the labels they carry).
    pub facts: Vec<Fact>,
    /// Why its failures were grouped, one sentence per merge.
    pub why: Vec<String>,
    /// Whether any of its failures is in a critical suite.
    pub critical: bool,
    /// The iteration it first appeared in (in its current unbroken run).
    pub first_seen: IterationRef,
    /// It was not there in the previous iteration.
    pub new: bool,
    /// Every failing test it holds, sorted.
    pub tests: Vec<TestId>,
    /// Its failures counted per suite and probe.
    pub evidence: Vec<Evidence>,
    /// The signatures of the clusters its tests are in.
    pub clusters: Vec<String>,
    /// Backend log lines that share one of its facts.
    pub log_lines: Vec<LogLine>,
    /// For a new cause that came with a new revision: "first seen after deploying `b` (was
    /// `a`)", and the commits in that range when the loop names its repository.
    pub arrived_with: Option<String>,
    /// What to do about it.
    pub next_action: String,
}

/// A root cause of the previous iteration with no failure now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedRootCause {
    /// Its id.
    pub id: String,
    /// Its headline.
    pub headline: String,
    /// When it had first appeared.
    pub first_seen: IterationRef,
    /// How many tests it held last time.
    pub count: u32,
}

/// A root cause as the previous iteration recorded it: enough to say whether a cause now is the
/// same one, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorRootCause {
    /// Its id.
    pub id: String,
    /// Its headline.
    pub headline: String,
    /// The keys it can be recognised by: its mergeable facts and its cluster signatures.
    pub keys: Vec<String>,
    /// When it first appeared.
    pub first_seen: IterationRef,
    /// How many tests it held.
    pub count: u32,
}

/// A log greenloop reads for evidence: the service's, the deploy command's, a `[[collect]]`'s
/// or a `[[log]]` source's output, already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogText {
    /// Its name as reports show it.
    pub name: String,
    /// The log, relative to the loop's report directory, when greenloop kept it.
    pub link: Option<PathBuf>,
    /// Its text (at most what the reader's cap allows, the end of the log when cut).
    pub text: String,
    /// The line number in the log of `text`'s first line, from 1 (more than 1 when the start
    /// was cut).
    pub first_line: usize,
}
