//! How a suite's process ended.

use std::time::Duration;

/// How a suite's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessEnd {
    /// The process exited by itself with this code.
    Exited(i32),
    /// The process was ended by a signal it did not get from greenloop.
    Signaled(i32),
    /// The whole-suite `timeout` passed and greenloop killed the process group.
    TimedOut { after: Duration },
    /// No output arrived for `idle_timeout` and greenloop killed the process group.
    Idle { after: Duration },
    /// greenloop was asked to stop and killed the process group.
    Cancelled,
}

impl ProcessEnd {
    /// Whether the process exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Exited(0))
    }

    /// Whether greenloop killed the process for hanging.
    pub fn is_hang(&self) -> bool {
        matches!(self, Self::TimedOut { .. } | Self::Idle { .. })
    }

    /// A short human description, e.g. "exited with code 1".
    pub fn describe(&self) -> String {
        match self {
            Self::Exited(code) => format!("exited with code {code}"),
            Self::Signaled(signal) => format!("killed by signal {signal}"),
            Self::TimedOut { after } => {
                format!("timed out after {}", humantime::format_duration(*after))
            }
            Self::Idle { after } => {
                format!("hung: no output for {}", humantime::format_duration(*after))
            }
            Self::Cancelled => "interrupted".to_owned(),
        }
    }
}
