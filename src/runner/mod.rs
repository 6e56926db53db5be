//! Running units of a battery.

mod child;
mod output;
pub mod process;

pub use process::{LogLimit, ProcessError, ProcessOutcome, ProcessSpec};
