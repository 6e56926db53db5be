//! `[[notify]]` webhooks: told when a loop's state changes (it turns failing, new failures
//! appear, it turns green, a loop closes exhausted), reminded while it stays failing.
//!
//! `event` names what can be said, `decide` (pure) works out what to say, and `message`
//! renders it as Slack or plain JSON.

mod decide;
mod event;
mod message;

pub use decide::{LastSent, Observed, decide};
pub use event::Event;
pub use message::{Format, Message, new_failures};
