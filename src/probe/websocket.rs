//! WebSocket probes: connect, send, and check the flow of events that comes back.
