//! The API's HTTP server: its own accept loop around hyper, because `axum::serve` neither
//! times out clients that never finish a request nor caps how many connections are open.
//! `accept` waits for a free slot before accepting, `counted` ties the slot to the socket,
//! `clock` decides when a connection has waited too long for a request, and `connection`
//! serves one socket under that clock.

mod accept;
mod clock;
mod connection;
mod counted;

pub use accept::serve;
