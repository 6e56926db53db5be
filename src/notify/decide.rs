//! Deciding what changed: a pure function from an iteration's outcome, the verdict before it and
//! the last message a webhook got, to the events that webhook should be told about.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::Event;
use crate::model::Verdict;

/// What the decision needs to know about the iteration that just finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// Its verdict.
    pub verdict: Verdict,
    /// How many tests fail now that did not fail in the iteration it was diffed against.
    pub new_failures: usize,
    /// It closed its loop (green, or `max_iterations` reached).
    pub loop_closed: bool,
}

/// The last message one webhook got (delivered, not merely attempted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSent {
    /// What it said.
    pub event: Event,
    /// When it was decided.
    pub at: DateTime<Utc>,
}

/// The events one webhook should get for `observed`, in the order to send them (before its
/// `on` filter). `previous` is the verdict of the newest earlier iteration that was not
/// interrupted; `last` the last message this webhook got; `remind_every` its reminder interval.
///
/// - An interrupted iteration says nothing about the system under test: no events.
/// - `green` when the verdict became green; `failing` when it became failing or error (also
///   between those two, so "the deploy now fails" is news); with no previous verdict, the
///   first one is a change.
/// - `new_failures` when it stays failing and tests fail that did not before.
/// - `exhausted` when the iteration closed its loop without going green.
/// - `reminder` when none of the above fired, the loop is failing (or error), and
///   `remind_every` has passed since `last` — or at once when this webhook has not been told
///   it is failing at all (no message yet, or the last one said green: the one that said
///   failing was lost).
pub fn decide(
    observed: Observed,
    previous: Option<Verdict>,
    last: Option<&LastSent>,
    remind_every: Option<Duration>,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let verdict = observed.verdict;
    let bad = matches!(verdict, Verdict::Failing | Verdict::Error);
    let mut events = Vec::new();
    match verdict {
        Verdict::Interrupted => return events,
        Verdict::Green if previous != Some(Verdict::Green) => events.push(Event::Green),
        Verdict::Failing | Verdict::Error if previous != Some(verdict) => {
            events.push(Event::Failing);
        }
        Verdict::Failing if observed.new_failures > 0 => events.push(Event::NewFailures),
        _ => {}
    }
    if observed.loop_closed && bad {
        events.push(Event::Exhausted);
    }
    if events.is_empty() && bad && reminder_due(last, remind_every, now) {
        events.push(Event::Reminder);
    }
    events
}

fn reminder_due(
    last: Option<&LastSent>,
    remind_every: Option<Duration>,
    now: DateTime<Utc>,
) -> bool {
    let Some(every) = remind_every else {
        return false;
    };
    match last {
        None => true,
        Some(last) if last.event == Event::Green => true,
        Some(last) => chrono::Duration::from_std(every)
            .ok()
            .and_then(|every| last.at.checked_add_signed(every))
            .is_some_and(|due| now >= due),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Event::*;
    use Verdict::{Error as Err, Failing as F, Green as G, Interrupted as I};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn sent(event: Event, seconds: i64) -> Option<LastSent> {
        Some(LastSent {
            event,
            at: at(seconds),
        })
    }

    fn observed(verdict: Verdict, new_failures: usize, loop_closed: bool) -> Observed {
        Observed {
            verdict,
            new_failures,
            loop_closed,
        }
    }

    const HOUR: Option<Duration> = Some(Duration::from_secs(3600));

    /// (what, this iteration, previous verdict, last message, remind_every, now, expected).
    type Case = (
        &'static str,
        Observed,
        Option<Verdict>,
        Option<LastSent>,
        Option<Duration>,
        i64,
        Vec<Event>,
    );

    #[test]
    fn decision_table() {
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            ("first iteration failing", observed(F, 0, false), None, None, None, 0, vec![Failing]),
            ("first iteration green", observed(G, 0, true), None, None, None, 0, vec![Green]),
            ("first iteration error", observed(Err, 0, false), None, None, None, 0, vec![Failing]),
            ("turns failing", observed(F, 3, false), Some(G), sent(Green, 0), None, 10, vec![Failing]),
            ("turns failing: one message, not also new_failures", observed(F, 3, false), Some(G), None, HOUR, 10, vec![Failing]),
            ("still failing, same failures", observed(F, 0, false), Some(F), sent(Failing, 0), None, 10, vec![]),
            ("still failing, new failures", observed(F, 2, false), Some(F), sent(Failing, 0), None, 10, vec![NewFailures]),
            ("failing after error is a change", observed(F, 0, false), Some(Err), sent(Failing, 0), None, 10, vec![Failing]),
            ("error after failing is a change", observed(Err, 0, false), Some(F), sent(Failing, 0), None, 10, vec![Failing]),
            ("still error", observed(Err, 0, false), Some(Err), sent(Failing, 0), None, 10, vec![]),
            ("turns green", observed(G, 0, true), Some(F), sent(Failing, 0), None, 10, vec![Green]),
            ("green after error", observed(G, 0, true), Some(Err), sent(Failing, 0), None, 10, vec![Green]),
            ("still green", observed(G, 0, true), Some(G), sent(Green, 0), HOUR, 99_999, vec![]),
            ("exhausted, same failures", observed(F, 0, true), Some(F), sent(Failing, 0), None, 10, vec![Exhausted]),
            ("exhausted with new failures", observed(F, 1, true), Some(F), sent(Failing, 0), None, 10, vec![NewFailures, Exhausted]),
            ("exhausted on its first failing iteration", observed(F, 0, true), Some(G), sent(Green, 0), None, 10, vec![Failing, Exhausted]),
            ("exhausted in error", observed(Err, 0, true), Some(Err), sent(Failing, 0), HOUR, 99_999, vec![Exhausted]),
            ("green on the last iteration is not exhausted", observed(G, 0, true), Some(F), sent(Failing, 0), None, 10, vec![Green]),
            ("reminder not yet due", observed(F, 0, false), Some(F), sent(Failing, 0), HOUR, 3599, vec![]),
            ("reminder due", observed(F, 0, false), Some(F), sent(Failing, 0), HOUR, 3600, vec![Reminder]),
            ("reminder counts from the last reminder", observed(F, 0, false), Some(F), sent(Reminder, 3600), HOUR, 7000, vec![]),
            ("reminder after a reminder", observed(F, 0, false), Some(F), sent(Reminder, 3600), HOUR, 7200, vec![Reminder]),
            ("reminder counts from new_failures", observed(F, 0, false), Some(F), sent(NewFailures, 3000), HOUR, 3600, vec![]),
            ("reminder for a stuck error", observed(Err, 0, false), Some(Err), sent(Failing, 0), HOUR, 3600, vec![Reminder]),
            ("no reminder without remind_every", observed(F, 0, false), Some(F), sent(Failing, 0), None, 99_999, vec![]),
            ("new failures instead of a due reminder", observed(F, 1, false), Some(F), sent(Failing, 0), HOUR, 99_999, vec![NewFailures]),
            ("never told: a reminder at once", observed(F, 0, false), Some(F), None, HOUR, 0, vec![Reminder]),
            ("last said green: a reminder at once", observed(F, 0, false), Some(F), sent(Green, 0), HOUR, 1, vec![Reminder]),
            ("a clock that went back is not a due reminder", observed(F, 0, false), Some(F), sent(Failing, 100), HOUR, 0, vec![]),
            ("interrupted says nothing", observed(I, 0, false), Some(G), sent(Green, 0), HOUR, 99_999, vec![]),
            ("interrupted says nothing, even closing", observed(I, 0, true), Some(F), sent(Failing, 0), HOUR, 99_999, vec![]),
        ];
        for (what, observed, previous, last, remind_every, now, expected) in cases {
            assert_eq!(
                decide(observed, previous, last.as_ref(), remind_every, at(now)),
                expected,
                "{what}"
            );
        }
    }

    #[test]
    fn a_huge_interval_never_overflows() {
        let events = decide(
            observed(F, 0, false),
            Some(F),
            sent(Failing, 0).as_ref(),
            Some(Duration::from_secs(u64::MAX)),
            at(10),
        );
        assert_eq!(events, vec![]);
    }
}
