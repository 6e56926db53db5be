//! What an HTTP probe found, and the checks (tests) it turns into.

use std::fmt::Write as _;
use std::time::Duration;

use crate::model::Outcome;
use crate::probe::ProbeCheck;

/// How many bytes of an unexpected body a report keeps.
pub const BODY_HEAD_BYTES: usize = 512;

/// Latency percentiles need enough samples to mean anything: below this, only min/avg/max.
const P95_MIN_SAMPLES: usize = 20;

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The TCP connection failed: refused, unreachable, name not resolved.
    Connect,
    /// No complete response within the probe's timeout.
    Timeout,
    /// The TLS handshake failed, e.g. an untrusted certificate.
    Tls,
    /// Anything else: an invalid method or url, a connection reset mid-response, ….
    Other,
}

/// One request of a probe.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// The server answered; `elapsed` runs from sending to the end of the body.
    Answered { status: u16, elapsed: Duration },
    /// No usable response; `message` is redacted and says what happened.
    Failed {
        kind: FailureKind,
        message: String,
        elapsed: Duration,
    },
}

/// Latency over the answered samples, whatever their status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// The fastest answer.
    pub min: Duration,
    /// The mean of all answers.
    pub avg: Duration,
    /// The slowest answer.
    pub max: Duration,
    /// The 95th percentile (nearest rank), only with at least 20 answers.
    pub p95: Option<Duration>,
}

impl Latency {
    /// The summary of `elapsed`; `None` when it is empty.
    pub fn over(elapsed: &[Duration]) -> Option<Self> {
        let mut sorted = elapsed.to_vec();
        sorted.sort();
        let (min, max) = (*sorted.first()?, *sorted.last()?);
        let count = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
        let avg = sorted.iter().sum::<Duration>() / count;
        let p95 = (sorted.len() >= P95_MIN_SAMPLES).then(|| {
            let rank = (sorted.len() * 95).div_ceil(100);
            sorted[rank - 1]
        });
        Some(Self { min, avg, max, p95 })
    }
}

/// The verdict of a `body_contains` check.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyVerdict {
    /// Every answered body contained the text.
    Found,
    /// The body of sample `sample` (1-based) did not.
    NotFound { sample: usize },
    /// No sample got a response, so there was no body to check.
    NoResponse,
}

/// The verdict of a JSON field check.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonVerdict {
    /// Every answered body had the field with the expected value.
    Equal,
    /// Sample `sample` (1-based) had `actual` (compact JSON, redacted) instead.
    Differs { sample: usize, actual: String },
    /// Sample `sample`'s body had no such field.
    Absent { sample: usize },
    /// Sample `sample`'s body was not JSON; `error` is the parser's message.
    NotJson { sample: usize, error: String },
    /// No sample got a response, so there was no body to check.
    NoResponse,
}

/// A configured `body_contains` check and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyCheck {
    /// The text looked for (redacted).
    pub expected: String,
    /// What was found.
    pub verdict: BodyVerdict,
}

/// A configured JSON field check and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonCheck {
    /// The dotted path, e.g. `data.status`.
    pub path: String,
    /// The expected value as compact JSON (redacted).
    pub expected: String,
    /// What was found.
    pub verdict: JsonVerdict,
}

/// Everything an HTTP probe found. Every text field is already redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpReport {
    /// The probe's name.
    pub name: String,
    /// The method as configured, upper-cased.
    pub method: String,
    /// The full url, redacted.
    pub url: String,
    /// `METHOD /path` without the query, as messages name the request.
    pub target: String,
    /// The statuses accepted; empty means any 2xx.
    pub expect_status: Vec<u16>,
    /// The per-request timeout.
    pub timeout: Duration,
    /// Each request, in order.
    pub samples: Vec<Sample>,
    /// The first bytes (≤ [`BODY_HEAD_BYTES`], lossy UTF-8) of the first unexpected body: one
    /// with an unexpected status or that failed a body or JSON check.
    pub body_head: Option<String>,
    /// Latency over answered samples; `None` when none answered.
    pub latency: Option<Latency>,
    /// The `body_contains` check, when configured.
    pub body: Option<BodyCheck>,
    /// The JSON field check, when configured.
    pub json: Option<JsonCheck>,
}

impl HttpReport {
    /// Whether `status` is one the probe accepts.
    pub fn accepts(&self, status: u16) -> bool {
        accepts(&self.expect_status, status)
    }

    /// The probe's checks, in a stable order: `status`, then `body` and `json <path>` when
    /// configured. Each lasts the average latency.
    pub fn checks(&self) -> Vec<ProbeCheck> {
        let duration_s = self.latency.map(|l| l.avg.as_secs_f64());
        let mut checks = vec![ProbeCheck {
            check: "status".to_owned(),
            outcome: self.status_outcome(),
            duration_s,
        }];
        if let Some(body) = &self.body {
            checks.push(ProbeCheck {
                check: "body".to_owned(),
                outcome: self.body_outcome(body),
                duration_s,
            });
        }
        if let Some(json) = &self.json {
            checks.push(ProbeCheck {
                check: format!("json {}", json.path),
                outcome: self.json_outcome(json),
                duration_s,
            });
        }
        checks
    }

    /// Follows the first sample that went wrong: a wrong status fails, a timeout times out,
    /// any other failure to get a response is an error.
    fn status_outcome(&self) -> Outcome {
        let bad = |s: &&Sample| match s {
            Sample::Answered { status, .. } => !self.accepts(*status),
            Sample::Failed { .. } => true,
        };
        let Some(first) = self.samples.iter().find(bad) else {
            return Outcome::Passed;
        };
        let bad_count = self.samples.iter().filter(bad).count();
        let share = if self.samples.len() > 1 {
            format!(" ({bad_count} of {} samples)", self.samples.len())
        } else {
            String::new()
        };
        let detail = self.detail();
        match first {
            Sample::Answered { status, .. } => Outcome::Failed {
                message: format!(
                    "{} answered {status}, expected {}{share}",
                    self.target,
                    expected_statuses(&self.expect_status)
                ),
                detail,
            },
            Sample::Failed {
                kind: FailureKind::Timeout,
                message,
                ..
            } => Outcome::Timeout {
                message: format!("{message}{share}"),
            },
            Sample::Failed { message, .. } => Outcome::Error {
                message: format!("{message}{share}"),
                detail,
            },
        }
    }

    fn body_outcome(&self, body: &BodyCheck) -> Outcome {
        match body.verdict {
            BodyVerdict::Found => Outcome::Passed,
            BodyVerdict::NotFound { sample } => Outcome::Failed {
                message: format!(
                    "{} body does not contain {:?}{}",
                    self.target,
                    body.expected,
                    self.which(sample)
                ),
                detail: self.detail(),
            },
            BodyVerdict::NoResponse => self.no_response(),
        }
    }

    fn json_outcome(&self, json: &JsonCheck) -> Outcome {
        let message = match &json.verdict {
            JsonVerdict::Equal => return Outcome::Passed,
            JsonVerdict::NoResponse => return self.no_response(),
            JsonVerdict::Differs { sample, actual } => format!(
                "{} is {actual}, expected {}{}",
                json.path,
                json.expected,
                self.which(*sample)
            ),
            JsonVerdict::Absent { sample } => format!(
                "{} is missing, expected {}{}",
                json.path,
                json.expected,
                self.which(*sample)
            ),
            JsonVerdict::NotJson { sample, error } => format!(
                "{} body is not JSON ({error}){}",
                self.target,
                self.which(*sample)
            ),
        };
        Outcome::Failed {
            message,
            detail: self.detail(),
        }
    }

    /// A body check with no body: skipped rather than failed, as `status` already reports
    /// why nothing answered and one cause should not count as several failures.
    fn no_response(&self) -> Outcome {
        Outcome::Skipped {
            message: format!("not checked: {} got no response", self.target),
            kind: None,
        }
    }

    /// " (sample 2 of 5)" when there were several samples.
    fn which(&self, sample: usize) -> String {
        if self.samples.len() > 1 {
            format!(" (sample {sample} of {})", self.samples.len())
        } else {
            String::new()
        }
    }

    /// One line per sample, then the head of the unexpected body.
    fn detail(&self) -> String {
        let mut detail = format!("{} {}\n", self.method, self.url);
        for (i, sample) in self.samples.iter().enumerate() {
            let n = i + 1;
            let _ = match sample {
                Sample::Answered { status, elapsed } => {
                    writeln!(detail, "sample {n}: {status} in {}", millis(*elapsed))
                }
                Sample::Failed {
                    message, elapsed, ..
                } => writeln!(detail, "sample {n}: {message} after {}", millis(*elapsed)),
            };
        }
        if let Some(head) = &self.body_head {
            let _ = write!(detail, "body (first {BODY_HEAD_BYTES} bytes):\n{head}");
        }
        detail
    }
}

/// Whether `status` is in `expected`, or is a 2xx when `expected` is empty.
pub(super) fn accepts(expected: &[u16], status: u16) -> bool {
    if expected.is_empty() {
        (200..300).contains(&status)
    } else {
        expected.contains(&status)
    }
}

/// "200", "200 or 201", "200, 201 or 204", "2xx".
fn expected_statuses(expected: &[u16]) -> String {
    match expected {
        [] => "2xx".to_owned(),
        [only] => only.to_string(),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(u16::to_string).collect();
            format!("{} or {last}", rest.join(", "))
        }
    }
}

fn millis(elapsed: Duration) -> String {
    format!("{:.1}ms", elapsed.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn latency_has_p95_only_from_twenty_samples() {
        let few: Vec<Duration> = (1..=19).map(ms).collect();
        let few = Latency::over(&few).unwrap();
        assert_eq!(
            (few.min, few.avg, few.max, few.p95),
            (ms(1), ms(10), ms(19), None)
        );
        let many: Vec<Duration> = (1..=20).rev().map(ms).collect();
        assert_eq!(Latency::over(&many).unwrap().p95, Some(ms(19)));
        assert_eq!(Latency::over(&[]), None);
    }

    #[test]
    fn expected_statuses_read_as_a_list() {
        assert_eq!(expected_statuses(&[]), "2xx");
        assert_eq!(expected_statuses(&[200]), "200");
        assert_eq!(expected_statuses(&[200, 201]), "200 or 201");
        assert_eq!(expected_statuses(&[200, 201, 204]), "200, 201 or 204");
        assert!(accepts(&[], 204) && !accepts(&[], 301) && accepts(&[301], 301));
    }
}
