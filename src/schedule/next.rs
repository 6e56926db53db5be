//! Fire times in a loop's zone, right across daylight-saving changes.
//!
//! A cron expression names wall-clock times; a zone with daylight saving skips some of them
//! (spring forward) and repeats others (fall back). The rules, close to Vixie cron's:
//!
//! - a wall-clock time that occurs once fires at that instant;
//! - a schedule naming times of day (second, minute and hour are numbers or lists, as in
//!   `0 30 2 * * *`; see [`Schedule::is_fixed_time`]) fires once per matching day: a skipped
//!   time at the end of the gap (`02:30` on the spring-forward day in Berlin fires at
//!   03:00 CEST), a repeated time at its first occurrence;
//! - an interval schedule (`*`, `/` or `-` in second, minute or hour, as in `0 */15 * * * *`)
//!   follows real time: a skipped time does not fire, a repeated time fires at both
//!   occurrences, so it keeps firing every 15 minutes through the repeated hour.
//!
//! croner's `find_next_occurrence` alone is not enough: inside a repeated hour it can return
//! the first occurrence of a time although the second one is asked for, a time before the
//! start. So wall-clock candidates are enumerated with croner on a zone-less clock and mapped
//! to instants here.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

use super::cron::Schedule;

/// The largest backward jump of a zone's clock looked for. Daylight-saving folds are one hour
/// (Lord Howe: 30 minutes); historical double summer time folded two.
const MAX_FOLD: Duration = Duration::hours(3);

/// A bound on wall-clock candidates looked at per call, far above what a real gap or fold
/// needs even for a schedule that fires every second.
const MAX_CANDIDATES: u32 = 100_000;

impl Schedule {
    /// The first fire time strictly after `t`, or `None` when the schedule never fires again.
    ///
    /// Computed in the schedule's zone with the rules in this module's documentation, so
    /// `0 0 9 * * *` in Europe/Berlin fires at 08:00 UTC in winter and 07:00 UTC in summer.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Fire times are whole seconds; searching from a fraction would keep it in results.
        let local_t = t.with_timezone(&self.zone).naive_local().trunc_subsecs(0);
        // Inside the first pass of a repeated hour, wall-clock times at or before `t`'s own
        // come round again after `t`: start far enough back to meet them.
        let start = match self.fold_ahead(t) {
            Some(fold) if !self.is_fixed_time() => local_t - fold,
            _ => local_t,
        };
        let mut best: Option<DateTime<Utc>> = None;
        let mut wall = start;
        for _ in 0..MAX_CANDIDATES {
            wall = self.next_wall_time(wall)?;
            for instant in self.instants(wall) {
                if instant > t && best.is_none_or(|b| instant < b) {
                    best = Some(instant);
                }
            }
            // Past `t`'s wall time, instants grow with wall times, so the first candidate
            // that lands after `t` is the earliest one still to come.
            if wall > local_t && best.is_some() {
                return best;
            }
        }
        best
    }

    /// The first wall-clock time after `wall` that the expression matches, ignoring zones.
    fn next_wall_time(&self, wall: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron
            .find_next_occurrence(&wall.and_utc(), false)
            .ok()
            .map(|t| t.naive_utc())
    }

    /// The instants at which wall-clock time `wall` fires in the schedule's zone.
    fn instants(&self, wall: NaiveDateTime) -> Vec<DateTime<Utc>> {
        match self.zone.from_local_datetime(&wall) {
            LocalResult::Single(t) => vec![t.to_utc()],
            LocalResult::Ambiguous(first, _) if self.is_fixed_time() => vec![first.to_utc()],
            LocalResult::Ambiguous(first, second) => vec![first.to_utc(), second.to_utc()],
            LocalResult::None if self.is_fixed_time() => vec![end_of_gap(self.zone, wall)],
            LocalResult::None => Vec::new(),
        }
    }

    /// How far the zone's clock jumps back within [`MAX_FOLD`] after `t`, if it does.
    fn fold_ahead(&self, t: DateTime<Utc>) -> Option<Duration> {
        let offset = |t: DateTime<Utc>| {
            self.zone
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc()
        };
        let back = offset(t) - offset(t + MAX_FOLD);
        (back > 0).then(|| Duration::seconds(i64::from(back)))
    }
}

/// The first instant whose wall-clock time in `zone` is at or after `wall`, a time the zone
/// skips: the instant the clock jumped forward.
fn end_of_gap(zone: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    let reached = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_some_and(|t| t.with_timezone(&zone).naive_local() >= wall)
    };
    // No zone is a day away from UTC, so the answer lies within a day of `wall` read as UTC;
    // bisect over whole seconds.
    const DAY: i64 = 24 * 60 * 60;
    let mut before = wall.and_utc().timestamp() - DAY;
    let mut after = wall.and_utc().timestamp() + DAY;
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if reached(mid) {
            after = mid;
        } else {
            before = mid;
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests;
