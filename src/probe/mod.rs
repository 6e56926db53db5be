//! Built-in probes: HTTP endpoints and WebSocket event flows, checked natively.

pub mod check;
pub mod http;
pub mod report;
pub mod websocket;

pub use check::ProbeCheck;
pub use report::{ProbeReport, probe_suite};
