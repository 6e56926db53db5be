//! Running an iteration: the battery's suites as supervised processes, their results ingested.

pub mod battery;
mod child;
pub mod events;
pub mod ingest;
pub mod iteration;
mod output;
pub mod probe;
pub mod process;
mod record;
pub mod suite;

pub use events::{Event, Events};
pub use iteration::{Finished, IterationError, Request, import_iteration, run_iteration};
pub use process::{LogLimit, ProcessError, ProcessOutcome, ProcessSpec};
pub use record::recover;
