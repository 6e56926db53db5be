//! Progress events the runner emits while an iteration runs; reporters consume them.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::model::{SuiteStatus, Totals, Verdict};

/// Something that happened in a running iteration.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The iteration got its numbers and is about to run its battery.
    IterationStarted {
        loop_number: u32,
        iteration: u32,
        suites: usize,
        probes: usize,
    },
    /// A suite's process is starting.
    SuiteStarted { name: String },
    /// A suite finished and its results were read.
    SuiteFinished {
        name: String,
        status: SuiteStatus,
        totals: Totals,
        duration: Duration,
    },
    /// A probe finished all its checks.
    ProbeFinished {
        name: String,
        checks: usize,
        passed: usize,
    },
    /// The iteration's reports are written.
    IterationFinished { verdict: Verdict, totals: Totals },
    /// `[deploy]` is starting (before the battery).
    DeployStarted,
    /// `[deploy]` finished; the battery runs only when `ok`.
    DeployFinished {
        /// The system under test is up (and ready).
        ok: bool,
        /// How it went, e.g. "ready in 3.21 s (…)" or "the deploy command exited with code 1 after 0.52 s".
        summary: String,
    },
    /// `[fix]` is starting, after a failing iteration's report was written.
    FixStarted,
    /// `[fix]` finished.
    FixFinished {
        /// It exited with code 0.
        ok: bool,
        /// How it went, e.g. "exit 0 in 3.21 s".
        summary: String,
        /// The last line it printed: what it says it did.
        said: Option<String>,
    },
}

/// Where events go; sending never blocks and never fails the iteration.
#[derive(Debug, Clone, Default)]
pub struct Events(Option<UnboundedSender<Event>>);

impl Events {
    /// Events sent to `sender`.
    pub fn to(sender: UnboundedSender<Event>) -> Self {
        Self(Some(sender))
    }

    /// Emits `event`; a listener that went away is not an error.
    pub fn emit(&self, event: Event) {
        if let Some(sender) = &self.0 {
            let _ = sender.send(event);
        }
    }
}
