//! What happened around the battery: the deploy (or service) that brought the system under
//! test up, and the diagnostics collected for a failing iteration.

use std::path::PathBuf;
use std::time::Duration;

use super::process::ProcessEnd;

/// How `[deploy]` brought the system under test up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployKind {
    /// A command that ran to its end before the battery.
    Command,
    /// A process kept up while the battery ran.
    Service,
}

impl DeployKind {
    /// `command` or `service`, as in the loop file and the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Service => "service",
        }
    }
}

/// The deploy step of one iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployOutcome {
    /// Command or service.
    pub kind: DeployKind,
    /// The argv that ran, secrets masked.
    pub command: Vec<String>,
    /// Whether the battery could run after it, and if not why.
    pub status: DeployStatus,
    /// From the start of the deploy until it was ready (or failed).
    pub duration: Duration,
    /// How waiting for `ready_url` went, when one is set and it was reached.
    pub readiness: Option<Readiness>,
    /// What was deployed, from the `revision` command.
    pub revision: Option<Revision>,
    /// For a service that came up: how it ended after the battery.
    pub service_end: Option<ServiceEnd>,
    /// Its log, relative to the loop's report directory.
    pub log: Option<PathBuf>,
    /// The last lines of its output, secrets masked.
    pub tail: String,
}

/// Whether a deploy let the battery run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployStatus {
    /// Deployed, and ready when `ready_url` is set: the battery ran.
    Ready,
    /// The command or service could not be started.
    NotStarted {
        /// Why, e.g. "failed to start `./deploy.sh`: no such file".
        reason: String,
    },
    /// The deploy command ended without success, or the service exited before it was ready.
    Failed {
        /// How it ended.
        end: ProcessEnd,
    },
    /// `ready_url` did not answer 2xx within `ready_timeout`.
    NotReady {
        /// The `ready_timeout`.
        after: Duration,
    },
    /// greenloop was stopped during the deploy.
    Interrupted,
}

/// Waiting for `ready_url` to answer 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// The url, secrets masked.
    pub url: String,
    /// Requests sent.
    pub attempts: u32,
    /// From the first request until it answered 2xx or greenloop gave up.
    pub waited: Duration,
    /// The last answer, e.g. "200 OK" or "Connection refused (os error 111)".
    pub last: String,
}

/// What the `revision` command said was deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// The first line of its output, trimmed and capped.
    Known(String),
    /// It failed or printed nothing.
    Unknown {
        /// Why, e.g. "exited with code 128".
        reason: String,
    },
}

/// How a service that came up ended once the battery was over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceEnd {
    /// It ran until greenloop stopped it after the battery.
    Stopped,
    /// It exited by itself while the battery ran, so later tests may have hit nothing.
    ExitedEarly {
        /// How it ended.
        end: ProcessEnd,
        /// How long after its start.
        after: Duration,
    },
    /// Its process could not be supervised to its end.
    Lost {
        /// What went wrong.
        reason: String,
    },
}

impl DeployOutcome {
    /// Whether the battery could run.
    pub fn ok(&self) -> bool {
        self.status == DeployStatus::Ready
    }

    /// One line: how the deploy went, e.g. "command succeeded in 3.21 s" or, when it failed,
    /// its [`Self::failure`].
    pub fn summary(&self) -> String {
        let mut text = match (self.failure(), &self.readiness) {
            (Some(failure), _) => failure,
            (None, Some(ready)) => format!(
                "{} ready in {} ({} answered {} after {})",
                self.kind.as_str(),
                seconds(self.duration),
                ready.url,
                ready.last,
                attempts(ready.attempts)
            ),
            (None, None) if self.kind == DeployKind::Service => {
                format!("service up after {}", seconds(self.duration))
            }
            (None, None) => format!("command succeeded in {}", seconds(self.duration)),
        };
        if let Some(ServiceEnd::ExitedEarly { end, after }) = &self.service_end {
            text.push_str(&format!(
                "; the service {} {} after it started, while the battery ran",
                end.describe(),
                seconds(*after)
            ));
        }
        text
    }

    /// Why the battery could not run, as a sentence fragment: "the deploy command exited with
    /// code 1 after 0.52 s". `None` when the deploy succeeded.
    pub fn failure(&self) -> Option<String> {
        let what = match self.kind {
            DeployKind::Command => "the deploy command",
            DeployKind::Service => "the service",
        };
        let took = seconds(self.duration);
        Some(match &self.status {
            DeployStatus::Ready => return None,
            DeployStatus::NotStarted { reason } => format!("{what} could not start: {reason}"),
            DeployStatus::Failed { end } if self.kind == DeployKind::Service => {
                format!(
                    "the service {} after {took}, before it was ready",
                    end.describe()
                )
            }
            DeployStatus::Failed { end } => format!("{what} {} after {took}", end.describe()),
            DeployStatus::NotReady { after } => match &self.readiness {
                Some(ready) => format!(
                    "{} never answered 2xx within {} ({}; last answer: {})",
                    ready.url,
                    humantime::format_duration(*after),
                    attempts(ready.attempts),
                    ready.last
                ),
                None => format!(
                    "{what} was not ready within {}",
                    humantime::format_duration(*after)
                ),
            },
            DeployStatus::Interrupted => "greenloop was stopped during the deploy".to_owned(),
        })
    }
}

/// "1 attempt", "3 attempts".
fn attempts(n: u32) -> String {
    format!("{n} attempt{}", if n == 1 { "" } else { "s" })
}

/// Seconds with two decimals, e.g. "3.21 s".
fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// One `[[collect]]` command's output, attached to a failing iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// The collect's name.
    pub name: String,
    /// The argv that ran, secrets masked.
    pub command: Vec<String>,
    /// How it went.
    pub run: StepRun,
    /// The end of its output, secrets masked.
    pub output: String,
    /// Whether earlier output was left out of `output` (the log has more).
    pub output_cut: bool,
    /// Its log, relative to the loop's report directory.
    pub log: Option<PathBuf>,
}

/// How a command around the battery (collect, fix) ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRun {
    /// It ran and ended like this.
    Ran {
        /// How it ended.
        end: ProcessEnd,
        /// Wall time.
        duration: Duration,
    },
    /// It could not be started.
    NotStarted {
        /// Why.
        reason: String,
    },
}

impl StepRun {
    /// Whether it exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Ran { end, .. } if end.succeeded())
    }

    /// "exit 0 in 3.21 s", "timed out after 2m in 120.00 s", "could not start: …".
    pub fn summary(&self) -> String {
        match self {
            Self::Ran {
                end: ProcessEnd::Exited(code),
                duration,
            } => format!("exit {code} in {}", seconds(*duration)),
            Self::Ran { end, duration } => format!("{} in {}", end.describe(), seconds(*duration)),
            Self::NotStarted { reason } => format!("could not start: {reason}"),
        }
    }
}
