//! Running an iteration: the deploy, the battery's suites as supervised processes and probes,
//! their results ingested, collects on failure; and the cycle: an iteration plus its fix.

pub mod battery;
mod blocking;
mod capture;
mod child;
mod collect;
mod commits;
pub mod cycle;
mod deploy;
pub mod events;
mod fix;
pub mod ingest;
pub mod iteration;
mod log_tail;
mod logs;
mod lost;
mod notifying;
mod output;
pub mod probe;
pub mod process;
mod ready;
mod record;
mod revision;
mod rewrite;
mod service;
mod step;
pub mod suite;
mod targets;

pub use cycle::{Cycle, FixOutcome, run_cycle};
pub use events::{Event, Events};
pub use iteration::{Finished, IterationError, Request, import_iteration, run_iteration};
pub use process::{LogLimit, ProcessError, ProcessOutcome, ProcessSpec, TailLimit};
pub use record::{record_config_error, recover};
