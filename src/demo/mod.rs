//! The built-in demo: a small agent-style backend with switchable faults, started by
//! `loops/demo.toml` as its service (`greenloop demo-backend`), so the demo loop has a real
//! system to fail against and mend.

mod agent;
mod faults;
mod server;

pub use agent::AGENT_EVENTS;
pub use faults::{Faults, FaultsError, seed};
pub use server::{DemoError, router, serve};
