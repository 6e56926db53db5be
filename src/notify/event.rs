//! What a webhook is told about: the state changes (and the reminder) a loop can go through.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One kind of notification, as named in `on = [...]` and in the plain JSON's `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The verdict became `failing` or `error`: from green, from the other of the two, or on
    /// the first iteration ever.
    Failing,
    /// Still failing, and tests fail that did not fail in the previous iteration.
    NewFailures,
    /// The verdict became green (from anything else, or on the first iteration ever).
    Green,
    /// The iteration reached `max_iterations` and closed its loop without going green.
    Exhausted,
    /// Still failing (or error) with nothing new, and `remind_every` has passed since the
    /// last message this webhook got.
    Reminder,
}

impl Event {
    /// Every event, in the order a single iteration would send them.
    pub const ALL: [Event; 5] = [
        Event::Failing,
        Event::NewFailures,
        Event::Green,
        Event::Exhausted,
        Event::Reminder,
    ];

    /// The name used in `on = [...]`, the JSON body and the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failing => "failing",
            Self::NewFailures => "new_failures",
            Self::Green => "green",
            Self::Exhausted => "exhausted",
            Self::Reminder => "reminder",
        }
    }

    /// The event called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == name)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for event in Event::ALL {
            assert_eq!(Event::parse(event.as_str()), Some(event));
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(json, format!("\"{event}\""));
        }
        assert_eq!(Event::parse("Failing"), None);
        assert_eq!(Event::parse("new-failures"), None);
    }
}
