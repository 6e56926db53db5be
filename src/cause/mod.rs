//! Root causes: every failure of an iteration — JUnit tests, suite stand-ins, probe checks —
//! grouped by the specific facts it states (close code, status and endpoint, refused address,
//! hung suite, …), told in one plain line each, and matched with the backend's own log lines.

mod identity;

pub use identity::keys;
