//! Schedules: a loop's cron `schedule` in its `timezone`, and the runtime that fires triggers.
//!
//! [`Schedule`] is pure: it parses and validates an expression and computes fire times in the
//! loop's zone ([`Schedule::next_after`]), correct across daylight-saving changes. The
//! [`Scheduler`] turns those times into one-shot tokio-cron-scheduler jobs that only send the
//! loop's name to the coordinator, which alone decides what a trigger does.

mod armer;
mod cron;
mod error;
mod next;
mod scheduler;

pub use cron::{Schedule, parse_zone};
pub use error::ScheduleError;
pub use scheduler::{NextFires, Scheduler};
