//! `[[notify]]` webhooks: told when a loop's state changes (it turns failing, new failures
//! appear, it turns green, a loop closes exhausted), reminded while it stays failing.
//!
//! `event` names what can be said, `decide` (pure) works out what to say, `message` renders it
//! as Slack or plain JSON, `deliver` POSTs it with retries, `state` remembers what each webhook
//! was last told, and `notifier` ties them together after each recorded iteration.

mod decide;
mod deliver;
mod event;
mod message;
mod notifier;
mod state;

pub use decide::{LastSent, Observed, decide};
pub use deliver::{DeliveryError, Retry, masked_url, post};
pub use event::Event;
pub use message::{Format, Message, new_failures};
pub use notifier::{Concluded, notify};
pub use state::{NotifyState, state_path};
