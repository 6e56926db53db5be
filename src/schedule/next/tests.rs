//! Fire times across the 2026 daylight-saving changes.
//!
//! Europe/Berlin: 29 March 01:00 UTC the clock jumps 02:00 CET → 03:00 CEST; 25 October
//! 01:00 UTC it falls back 03:00 CEST → 02:00 CET. America/New_York: 8 March 07:00 UTC
//! 02:00 EST → 03:00 EDT; 1 November 06:00 UTC 02:00 EDT → 01:00 EST.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use proptest::prelude::*;

use crate::schedule::Schedule;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .to_utc()
}

fn schedule(expr: &str, zone: &str) -> Schedule {
    Schedule::parse(expr, Some(zone)).unwrap()
}

/// The first `n` fire times after `start`, as RFC 3339 UTC text.
fn fires(schedule: &Schedule, start: &str, n: usize) -> Vec<String> {
    let mut t = utc(start);
    (0..n)
        .map(|_| {
            t = schedule.next_after(t).expect("fires");
            t.to_rfc3339()
        })
        .collect()
}

#[test]
fn nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer() {
    let nine = schedule("0 0 9 * * *", "Europe/Berlin");
    assert_eq!(
        fires(&nine, "2026-03-27T12:00:00Z", 3),
        [
            "2026-03-28T08:00:00+00:00",
            // The day of the change, armed right after Saturday's run: tokio-cron-scheduler's
            // own zone jobs would keep +01:00 here and fire at 08:00 UTC (10:00 CEST).
            "2026-03-29T07:00:00+00:00",
            "2026-03-30T07:00:00+00:00",
        ]
    );
    assert_eq!(
        fires(&nine, "2026-10-23T12:00:00Z", 3),
        [
            "2026-10-24T07:00:00+00:00",
            "2026-10-25T08:00:00+00:00",
            "2026-10-26T08:00:00+00:00",
        ]
    );
}

#[test]
fn nine_in_new_york_follows_its_own_changes() {
    let nine = schedule("0 0 9 * * *", "America/New_York");
    assert_eq!(
        fires(&nine, "2026-03-07T00:00:00Z", 2),
        ["2026-03-07T14:00:00+00:00", "2026-03-08T13:00:00+00:00"]
    );
    assert_eq!(
        fires(&nine, "2026-10-31T00:00:00Z", 2),
        ["2026-10-31T13:00:00+00:00", "2026-11-01T14:00:00+00:00"]
    );
}

#[test]
fn a_time_of_day_in_the_skipped_hour_fires_once_at_the_end_of_the_gap() {
    let half_past_two = schedule("0 30 2 * * *", "Europe/Berlin");
    assert_eq!(
        fires(&half_past_two, "2026-03-28T12:00:00Z", 2),
        [
            // 03:00 CEST, the first wall-clock time after 02:00 CET.
            "2026-03-29T01:00:00+00:00",
            "2026-03-30T00:30:00+00:00",
        ]
    );
    let new_york = schedule("0 30 2 * * *", "America/New_York");
    assert_eq!(
        fires(&new_york, "2026-03-07T12:00:00Z", 2),
        ["2026-03-08T07:00:00+00:00", "2026-03-09T06:30:00+00:00"]
    );
}

#[test]
fn a_time_of_day_in_the_repeated_hour_fires_once_at_its_first_occurrence() {
    let half_past_two = schedule("0 30 2 * * *", "Europe/Berlin");
    assert_eq!(
        fires(&half_past_two, "2026-10-24T12:00:00Z", 2),
        ["2026-10-25T00:30:00+00:00", "2026-10-26T01:30:00+00:00"]
    );
    // Started during the second pass through 02:xx, after the first 02:30 went by: the next
    // fire is the next day, never the one already past.
    assert_eq!(
        fires(&half_past_two, "2026-10-25T01:10:00Z", 1),
        ["2026-10-26T01:30:00+00:00"]
    );
    let new_york = schedule("0 30 1 * * *", "America/New_York");
    assert_eq!(
        fires(&new_york, "2026-10-31T12:00:00Z", 2),
        ["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]
    );
}

#[test]
fn an_interval_keeps_real_time_through_both_changes() {
    let half_hourly = schedule("0 */30 * * * *", "Europe/Berlin");
    assert_eq!(
        fires(&half_hourly, "2026-03-29T00:00:00Z", 3),
        [
            "2026-03-29T00:30:00+00:00",
            // 02:00 and 02:30 CET do not exist; 03:00 CEST comes half an hour after 01:30 CET.
            "2026-03-29T01:00:00+00:00",
            "2026-03-29T01:30:00+00:00",
        ]
    );
    assert_eq!(
        fires(&half_hourly, "2026-10-25T00:00:00Z", 5),
        [
            "2026-10-25T00:30:00+00:00", // 02:30 CEST
            "2026-10-25T01:00:00+00:00", // 02:00 CET
            "2026-10-25T01:30:00+00:00", // 02:30 CET
            "2026-10-25T02:00:00+00:00", // 03:00 CET
            "2026-10-25T02:30:00+00:00",
        ]
    );
    // From late in the first pass, the second pass's 02:00 comes next, although its wall
    // time is earlier than the start's.
    assert_eq!(
        fires(&half_hourly, "2026-10-25T00:45:00Z", 1),
        ["2026-10-25T01:00:00+00:00"]
    );
}

#[test]
fn an_interval_limited_to_the_skipped_hour_skips_that_day() {
    let in_hour_two = schedule("0 */15 2 * * *", "Europe/Berlin");
    assert_eq!(
        fires(&in_hour_two, "2026-03-28T23:00:00Z", 1),
        ["2026-03-30T00:00:00+00:00"]
    );
}

#[test]
fn day_of_month_and_day_of_week_must_both_match() {
    // 1 June 2026 is the first 1st that is a Monday after 1 January 2026.
    let first_monday = schedule("0 0 0 1 * MON", "UTC");
    assert_eq!(
        fires(&first_monday, "2026-01-01T00:00:00Z", 1),
        ["2026-06-01T00:00:00+00:00"]
    );
}

#[test]
fn a_five_field_line_fires_at_second_zero_in_its_zone() {
    let five = schedule("30 6 * * 1-5", "Europe/Berlin");
    assert_eq!(
        fires(&five, "2026-03-28T00:00:00Z", 1),
        ["2026-03-30T04:30:00+00:00"]
    );
}

#[test]
fn the_next_fire_is_strictly_after() {
    let every_two = schedule("*/2 * * * * *", "UTC");
    let at = utc("2026-01-01T12:00:00Z");
    assert_eq!(every_two.next_after(at), Some(at + Duration::seconds(2)));
    assert_eq!(
        every_two.next_after(at + Duration::milliseconds(500)),
        Some(at + Duration::seconds(2))
    );
}

#[test]
fn a_schedule_with_a_last_year_stops() {
    let once = Schedule::parse("0 0 0 1 1 * 2999", None).unwrap();
    let last = once.next_after(utc("2026-01-01T00:00:00Z")).unwrap();
    assert_eq!(last, utc("2999-01-01T00:00:00Z"));
    assert_eq!(once.next_after(last), None);
}

const ZONES: [&str; 6] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "UTC",
];

/// Every 2026 change of the zones above that have them (Lord Howe moves by 30 minutes).
const CHANGES: [(&str, &str); 8] = [
    ("Europe/Berlin", "2026-03-29T01:00:00Z"),
    ("Europe/Berlin", "2026-10-25T01:00:00Z"),
    ("America/New_York", "2026-03-08T07:00:00Z"),
    ("America/New_York", "2026-11-01T06:00:00Z"),
    ("Australia/Sydney", "2026-04-04T16:00:00Z"),
    ("Australia/Sydney", "2026-10-03T16:00:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T15:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
];

/// A zone and a whole-second instant: anywhere in 2026, or within four hours of one of the
/// zone's changes, where the mistakes would be.
fn moment() -> impl Strategy<Value = (&'static str, DateTime<Utc>)> {
    let anytime = (
        prop::sample::select(&ZONES[..]),
        1_767_225_600i64..1_798_761_600, // 2026
    );
    let near_a_change = (prop::sample::select(&CHANGES[..]), -4 * 3600i64..4 * 3600)
        .prop_map(|((zone, change), delta)| (zone, utc(change).timestamp() + delta));
    prop_oneof![anytime, near_a_change]
        .prop_map(|(zone, secs)| (zone, Utc.timestamp_opt(secs, 0).unwrap()))
}

#[test]
fn the_listed_changes_are_changes() {
    for (zone, change) in CHANGES {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix();
        let change = utc(change);
        assert_ne!(
            offset(change - Duration::seconds(1)),
            offset(change),
            "{zone}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Every zone here has offsets in whole quarter hours, so a quarter-hourly interval fires
    /// at every quarter hour of real time: through gaps and folds alike.
    #[test]
    fn a_quarter_hourly_interval_is_every_quarter_hour_of_real_time((zone, t) in moment()) {
        let next = schedule("0 */15 * * * *", zone).next_after(t).unwrap();
        let quarter = 15 * 60;
        let expected = Utc.timestamp_opt((t.timestamp() / quarter + 1) * quarter, 0).unwrap();
        prop_assert_eq!(next, expected);
    }

    /// A time of day fires at the first instant after `t` whose wall clock shows it; none of
    /// these zones skips or repeats 09:00.
    #[test]
    fn nine_o_clock_is_the_first_nine_after((zone, t) in moment()) {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let today = t.with_timezone(&tz).date_naive();
        let expected = (0..3)
            .map(|days| today + Duration::days(days))
            .filter_map(|day| tz.from_local_datetime(&day.and_hms_opt(9, 0, 0)?).single())
            .map(|nine| nine.to_utc())
            .find(|nine| *nine > t);
        prop_assert_eq!(schedule("0 0 9 * * *", zone).next_after(t), expected);
    }

    /// Between `t` and its next fire time nothing fires: asking again from just before the
    /// answer gives the same answer, whatever the schedule and zone.
    #[test]
    fn nothing_is_skipped_between_t_and_the_next_fire(
        (zone, t) in moment(),
        expr in prop::sample::select(
            &["0 30 2 * * *", "0 */20 * * * *", "0 0 1,2 * * *", "0 0 */3 * * *"][..],
        ),
    ) {
        let s = schedule(expr, zone);
        let next = s.next_after(t).unwrap();
        prop_assert!(next > t);
        let just_before = next - Duration::seconds(1);
        if just_before >= t {
            prop_assert_eq!(s.next_after(just_before), Some(next));
        }
    }
}
