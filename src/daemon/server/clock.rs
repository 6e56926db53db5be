//! One connection's clock: when it must be closed for not sending a request. A new connection
//! has `header_timeout` to deliver its first request head; after each answer it has
//! `idle_timeout` to deliver the next; while a request is in flight, or once the connection
//! has become a WebSocket, no clock runs.
//!
//! hyper's own `header_read_timeout` cannot do this: it starts when hyper begins waiting for
//! a head, which after an answer is the keep-alive wait too, so idle connections would get
//! the header timeout and there could be no separate idle timeout.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::config::server::ConnectionLimits;

/// What a connection is doing.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Waiting for a request head since `since`; `Wait` says which limit applies.
    Waiting { since: Instant, wait: Wait },
    /// Requests in flight (HTTP/1 serves one at a time; counted so a late drop cannot
    /// restart the clock under a newer request).
    Busy(usize),
    /// Handed over to a WebSocket, which lives by its own rules.
    Upgraded,
}

/// Why the connection is waiting, and so which timeout applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// For its first request.
    First,
    /// For the next request after an answer.
    Next,
}

/// A connection's clock, shared by its task and its requests.
#[derive(Debug)]
pub struct Clock {
    state: Mutex<State>,
    changed: Notify,
    limits: ConnectionLimits,
}

impl Clock {
    /// A clock for a connection accepted now.
    pub fn start(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::Waiting {
                since: Instant::now(),
                wait: Wait::First,
            }),
            changed: Notify::new(),
            limits,
        })
    }

    /// A request head arrived: the clock stops until the returned guard (kept until its
    /// answer has been sent) is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.update(|state| match state {
            State::Busy(n) => State::Busy(n + 1),
            State::Waiting { .. } => State::Busy(1),
            State::Upgraded => State::Upgraded,
        });
        InFlight(self.clone())
    }

    /// The connection became a WebSocket: it is never closed for idling.
    pub fn upgraded(&self) {
        self.update(|_| State::Upgraded);
    }

    /// When the connection must be closed if nothing changes, and why.
    pub fn deadline(&self) -> Option<(Instant, Wait)> {
        match *self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Waiting { since, wait } => Some((since + self.limit(wait), wait)),
            State::Busy(_) | State::Upgraded => None,
        }
    }

    /// The timeout that applies to `wait`.
    pub fn limit(&self, wait: Wait) -> Duration {
        match wait {
            Wait::First => self.limits.header_timeout,
            Wait::Next => self.limits.idle_timeout,
        }
    }

    /// Resolves after the next change of state (at once if one happened since the last call).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    fn update(&self, change: impl FnOnce(State) -> State) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *state = change(*state);
        drop(state);
        // One waiter, the connection's task: `notify_one` keeps the wake-up for it if it is
        // not listening at this instant, so no change is missed.
        self.changed.notify_one();
    }
}

/// A request in flight; dropping it (the answer sent, or abandoned) restarts the clock.
#[derive(Debug)]
pub struct InFlight(Arc<Clock>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.update(|state| match state {
            State::Busy(1) => State::Waiting {
                since: Instant::now(),
                wait: Wait::Next,
            },
            State::Busy(n) => State::Busy(n.saturating_sub(1)),
            other => other,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1,
        }
    }

    /// The deadline lies `limit` after some instant between `before` and now.
    fn within(deadline: Option<(Instant, Wait)>, before: Instant, limit: u64, wait: Wait) {
        let (at, why) = deadline.expect("a deadline");
        let limit = Duration::from_secs(limit);
        assert_eq!(why, wait);
        assert!(
            at >= before + limit && at <= Instant::now() + limit,
            "{at:?}"
        );
    }

    #[test]
    fn the_first_request_gets_the_header_timeout_later_ones_the_idle_timeout() {
        let before = Instant::now();
        let clock = Clock::start(limits());
        within(clock.deadline(), before, 10, Wait::First);
        let request = clock.begin();
        assert_eq!(clock.deadline(), None, "no clock while a request is served");
        let before = Instant::now();
        drop(request);
        within(clock.deadline(), before, 60, Wait::Next);
        let first = clock.begin();
        let second = clock.begin();
        drop(first);
        assert_eq!(clock.deadline(), None, "one request still in flight");
        drop(second);
        assert!(clock.deadline().is_some());
    }

    #[test]
    fn an_upgraded_connection_has_no_deadline_even_after_its_answer() {
        let clock = Clock::start(limits());
        let request = clock.begin();
        clock.upgraded();
        drop(request);
        assert_eq!(clock.deadline(), None);
    }

    #[tokio::test]
    async fn a_change_made_before_anyone_listens_still_wakes_the_listener() {
        let clock = Clock::start(limits());
        drop(clock.begin());
        tokio::time::timeout(Duration::from_secs(5), clock.changed())
            .await
            .expect("the change was kept for the listener");
    }
}
