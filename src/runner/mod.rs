//! Running an iteration: the battery's suites as supervised processes, their results ingested.

pub mod battery;
pub mod events;
pub mod ingest;
pub mod iteration;
pub mod suite;

pub use events::{Event, Events};
pub use iteration::{Finished, IterationError, Request, run_iteration};
