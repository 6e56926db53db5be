//! The runtime arms tokio-cron-scheduler with zone-correct fire times.

use chrono::{Datelike, Offset, TimeZone, Utc};
use tokio::sync::mpsc;

use super::Scheduler;
use crate::model::LoopName;
use crate::schedule::Schedule;

/// A schedule whose next fire time lies across a daylight-saving change from now (its month
/// is in the other half of the year), so an offset frozen at arming would miss it by an hour.
#[tokio::test]
async fn a_berlin_schedule_is_armed_at_its_zone_correct_time_across_a_change() {
    let berlin = chrono_tz::Europe::Berlin;
    let now = Utc::now();
    let summer_now = berlin
        .offset_from_utc_datetime(&now.naive_utc())
        .fix()
        .local_minus_utc()
        == 2 * 3600;
    // 09:00 on the 15th: CET (UTC+1) in January, CEST (UTC+2) in July.
    let (month, utc_hour) = if summer_now { (1, 8) } else { (7, 7) };
    let year = if now.month() < month {
        now.year()
    } else {
        now.year() + 1
    };
    let expected = Utc
        .with_ymd_and_hms(year, month, 15, utc_hour, 0, 0)
        .unwrap();
    let schedule = Schedule::parse(&format!("0 0 9 15 {month} *"), Some("Europe/Berlin")).unwrap();
    let name = LoopName::new("nightly").unwrap();
    let (fire, _fired) = mpsc::unbounded_channel();

    let scheduler = Scheduler::start(vec![(name.clone(), schedule)], fire)
        .await
        .unwrap();

    assert_eq!(scheduler.next_fire(&name), Some(expected));
    // tokio-cron-scheduler itself holds that second (or the one after, see `instant_for`) for
    // the job that will fire.
    let job = scheduler.armed.0[&name].borrow().unwrap().job;
    let tick = scheduler
        .jobs
        .clone()
        .next_tick_for_job(job)
        .await
        .unwrap()
        .expect("the job is armed");
    assert!(
        tick == expected || tick == expected + chrono::Duration::seconds(1),
        "armed for {tick}, expected {expected}"
    );
    assert_eq!(scheduler.next_fire(&LoopName::new("other").unwrap()), None);
    scheduler.shutdown().await;
}
