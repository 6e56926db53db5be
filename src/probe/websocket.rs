//! WebSocket probes: connect, send, and check the flow of events that comes back.
//!
//! [`run_websocket`] opens `connections` concurrent connections, each bounded by the spec's
//! timeout from the first byte of the handshake to the last expected event, and returns a
//! [`WsReport`] whose [`WsReport::checks`] become the tests `probe::<name>::<check>`.

mod checks;
mod connection;
mod spec;

pub use checks::{WsReport, run_websocket};
pub use connection::{ConnectionReport, FlowEnd, Handshake, SeenEvent};
pub use spec::{WsProbeSpec, handshake_url};
