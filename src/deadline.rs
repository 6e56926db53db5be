//! Deadlines that cannot overflow: a limit too far off for the clock to represent means
//! "never", not a panic in the middle of an iteration.

use std::time::{Duration, Instant};

/// How far off "never" is: thirty years, far past any iteration and well inside the clock.
const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// `start + limit`, or thirty years from `start` when that cannot be represented.
pub fn after(start: Instant, limit: Duration) -> Instant {
    start
        .checked_add(limit)
        .or_else(|| start.checked_add(NEVER))
        .unwrap_or(start)
}

/// [`after`] for tokio's clock.
pub fn after_tokio(start: tokio::time::Instant, limit: Duration) -> tokio::time::Instant {
    tokio::time::Instant::from_std(after(start.into_std(), limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_limit_is_far_off_not_a_panic() {
        let now = Instant::now();
        assert_eq!(
            after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        let never = after(now, Duration::MAX);
        assert!(never > now + Duration::from_secs(10 * 365 * 24 * 3600));
        let now = tokio::time::Instant::now();
        assert!(after_tokio(now, Duration::MAX) > now);
    }
}
