//! The schedule runtime on a real tokio runtime and tokio-cron-scheduler.

use std::time::Duration;

use greenloop::model::LoopName;
use greenloop::schedule::{Schedule, Scheduler};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_every_two_seconds_schedule_fires_until_shutdown() {
    let name = LoopName::new("smoke").unwrap();
    let schedule = Schedule::parse("*/2 * * * * *", None).unwrap();
    let (fire, mut fired) = mpsc::unbounded_channel();
    let scheduler = Scheduler::start(vec![(name.clone(), schedule)], fire)
        .await
        .unwrap();
    let first_armed = scheduler.next_fire(&name).expect("armed");

    // Due within 2 s, then every 2 s, each within about 1.5 s of its time: two by ~5 s.
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut arrivals = Vec::new();
    while arrivals.len() < 2 {
        let got = tokio::time::timeout_at(deadline, fired.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} triggers within 6 s", arrivals.len()));
        assert_eq!(got.as_ref(), Some(&name));
        arrivals.push(Instant::now());
    }
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_millis(500),
        "two triggers for one fire time: {:?}",
        arrivals[1] - arrivals[0]
    );
    let now_armed = scheduler.next_fire(&name).expect("still armed");
    assert!(now_armed >= first_armed + chrono::Duration::seconds(4));

    scheduler.shutdown().await;
    // Whatever was sent before shutdown may still be queued; after it, the sender is gone.
    let closed = timeout(Duration::from_secs(5), async {
        while fired.recv().await.is_some() {}
    })
    .await;
    assert!(closed.is_ok(), "triggers kept coming after shutdown");
}
