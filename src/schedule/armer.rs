//! The task that owns every loop's next fire time: it turns due jobs into triggers and arms the
//! next fire time.
//!
//! tokio-cron-scheduler's zone jobs keep the UTC offset they were created with (its issues #87
//! and #107), so after a daylight-saving change they fire an hour off. Instead, each fire time
//! is computed here with [`Schedule::next_after`] in the loop's zone and handed to the library
//! as a one-shot async job. The job only reports that it is due; this task sends the trigger
//! and arms the following fire time.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio_cron_scheduler::job::JobId;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;

use super::cron::Schedule;
use super::error::ScheduleError;
use crate::model::LoopName;

/// A one-shot job reporting that a loop's armed fire time has come.
pub(super) struct Due {
    loop_name: LoopName,
    job: JobId,
}

/// What is armed for one loop: when, and the tokio-cron-scheduler job that will fire then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Armed {
    /// The fire time, from [`Schedule::next_after`].
    pub at: DateTime<Utc>,
    /// The one-shot job armed for it.
    pub job: JobId,
}

struct Entry {
    schedule: Schedule,
    armed: watch::Sender<Option<Armed>>,
}

/// Owns the schedules and what is armed for each; runs as one task.
pub(super) struct Armer {
    jobs: JobScheduler,
    entries: BTreeMap<LoopName, Entry>,
    due: mpsc::UnboundedSender<Due>,
    fire: mpsc::UnboundedSender<LoopName>,
}

impl Armer {
    /// An armer adding jobs to `jobs` and sending triggers to `fire`, and the receiver its
    /// jobs report to (for [`Armer::run`]).
    pub(super) fn new(
        jobs: JobScheduler,
        fire: mpsc::UnboundedSender<LoopName>,
    ) -> (Self, mpsc::UnboundedReceiver<Due>) {
        let (due, due_rx) = mpsc::unbounded_channel();
        let armer = Self {
            jobs,
            entries: BTreeMap::new(),
            due,
            fire,
        };
        (armer, due_rx)
    }

    /// Takes `schedule` for `loop_name` (replacing an earlier one); the receiver shows what is
    /// armed for it.
    pub(super) fn add(
        &mut self,
        loop_name: LoopName,
        schedule: Schedule,
    ) -> watch::Receiver<Option<Armed>> {
        let (armed, receiver) = watch::channel(None);
        self.entries.insert(loop_name, Entry { schedule, armed });
        receiver
    }

    /// Arms every loop's first fire time after now.
    pub(super) async fn arm_all(&self) -> Result<(), ScheduleError> {
        let now = Utc::now();
        for loop_name in self.entries.keys() {
            self.arm(loop_name, now).await?;
        }
        Ok(())
    }

    /// Forwards due jobs as triggers and re-arms, until `stop` is cancelled.
    pub(super) async fn run(self, mut due: mpsc::UnboundedReceiver<Due>, stop: CancellationToken) {
        loop {
            tokio::select! {
                biased;
                () = stop.cancelled() => break,
                Some(due) = due.recv() => self.on_due(due).await,
            }
        }
    }

    async fn on_due(&self, due: Due) {
        let Some(entry) = self.entries.get(&due.loop_name) else {
            return;
        };
        // Only the job armed last counts: tokio-cron-scheduler can run a one-shot twice when
        // its next poll comes before it recorded the first run.
        let armed = *entry.armed.borrow();
        let Some(armed) = armed.filter(|armed| armed.job == due.job) else {
            tracing::debug!(loop_name = %due.loop_name, "ignored a stale schedule job");
            return;
        };
        tracing::info!(loop_name = %due.loop_name, at = %armed.at, "schedule fired");
        // Armed before the trigger goes out, so whoever receives it sees the next fire time.
        // From the later of the fire time and now: a job that ran late (a suspended VM) must
        // not fire again for every time it missed.
        if let Err(e) = self.arm(&due.loop_name, armed.at.max(Utc::now())).await {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "schedule stopped");
            entry.armed.send_replace(None);
        }
        if self.fire.send(due.loop_name).is_err() {
            tracing::debug!("no one takes triggers any more");
        }
    }

    /// Arms the first fire time of `loop_name` after `after`.
    async fn arm(&self, loop_name: &LoopName, after: DateTime<Utc>) -> Result<(), ScheduleError> {
        let Some(entry) = self.entries.get(loop_name) else {
            return Ok(());
        };
        // A time too far away for the monotonic clock (centuries) is as good as never.
        let armable = entry.schedule.next_after(after).and_then(|at| {
            instant_for(at, Utc::now(), Instant::now()).map(|instant| (at, instant))
        });
        let Some((at, instant)) = armable else {
            tracing::info!(%loop_name, schedule = %entry.schedule, "the schedule never fires again");
            entry.armed.send_replace(None);
            return Ok(());
        };
        let arm_error = |source| ScheduleError::Arm {
            loop_name: loop_name.clone(),
            source,
        };
        let job = one_shot(loop_name.clone(), instant, self.due.clone()).map_err(arm_error)?;
        let job = self.jobs.add(job).await.map_err(arm_error)?;
        entry.armed.send_replace(Some(Armed { at, job }));
        tracing::debug!(%loop_name, %at, "schedule armed");
        Ok(())
    }
}

/// An async one-shot job that reports to `due` at `instant`.
fn one_shot(
    loop_name: LoopName,
    instant: Instant,
    due: mpsc::UnboundedSender<Due>,
) -> Result<Job, JobSchedulerError> {
    Job::new_one_shot_at_instant_async(instant, move |job, _| {
        // After shutdown no one listens, and there is nothing to tell.
        let _ = due.send(Due {
            loop_name: loop_name.clone(),
            job,
        });
        Box::pin(async {})
    })
}

/// The `Instant` to give tokio-cron-scheduler for fire time `at`, given the clocks now.
///
/// It stores a one-shot's time as whole seconds: `now + (instant - now)` with the delay
/// truncated to seconds and the sum truncated again, so an exact delay of 3.7 s would fire up
/// to a second early. Rounding the delay up and adding half a second (more than the library
/// takes to read its clocks) stores a second at or just after `at`. `None` when `at` is too
/// far away for the monotonic clock.
pub(super) fn instant_for(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    now_instant: Instant,
) -> Option<Instant> {
    let delay = (at - now).to_std().unwrap_or_default();
    let whole = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
    now_instant.checked_add(Duration::from_secs(whole) + Duration::from_millis(500))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What tokio-cron-scheduler 0.15 stores for `instant`, read `elapsed` after we read the
    /// clocks (its `make_new_one_shot_at_an_instant`).
    fn stored_second(
        instant: Instant,
        now: DateTime<Utc>,
        now_instant: Instant,
        elapsed: Duration,
    ) -> i64 {
        let delay = instant.duration_since(now_instant + elapsed).as_secs();
        (now + elapsed + Duration::from_secs(delay)).timestamp()
    }

    #[test]
    fn the_stored_second_is_never_before_the_fire_time() {
        let at = DateTime::parse_from_rfc3339("2026-03-29T07:00:00Z")
            .unwrap()
            .to_utc();
        let now_instant = Instant::now();
        for before_ms in [0, 1, 300, 999, 1000, 1001, 3700, 86_400_000] {
            let now = at - chrono::Duration::milliseconds(before_ms);
            for elapsed_ms in [0, 1, 50, 400] {
                let elapsed = Duration::from_millis(elapsed_ms);
                let instant = instant_for(at, now, now_instant).unwrap();
                let stored = stored_second(instant, now, now_instant, elapsed);
                assert!(
                    (at.timestamp()..=at.timestamp() + 1).contains(&stored),
                    "{before_ms} ms before, {elapsed_ms} ms to read: stored {stored}, fire at {}",
                    at.timestamp()
                );
            }
        }
    }

    #[tokio::test]
    async fn a_due_job_fires_once_and_arms_the_next_time() {
        let jobs = JobScheduler::new().await.unwrap();
        let (fire, mut fired) = mpsc::unbounded_channel();
        let (mut armer, _due) = Armer::new(jobs, fire);
        let name = LoopName::new("hourly").unwrap();
        let armed = armer.add(name.clone(), Schedule::parse("0 0 * * * *", None).unwrap());
        armer.arm_all().await.unwrap();
        let first = armed.borrow().unwrap();

        armer
            .on_due(Due {
                loop_name: name.clone(),
                job: JobId::nil(),
            })
            .await;
        assert!(fired.try_recv().is_err(), "a job not armed is no trigger");

        armer
            .on_due(Due {
                loop_name: name.clone(),
                job: first.job,
            })
            .await;
        assert_eq!(fired.try_recv().ok(), Some(name.clone()));
        let second = armed.borrow().unwrap();
        assert_eq!(second.at, first.at + chrono::Duration::hours(1));
        assert_ne!(second.job, first.job);

        armer
            .on_due(Due {
                loop_name: name.clone(),
                job: first.job,
            })
            .await;
        assert!(fired.try_recv().is_err(), "a job run twice is one trigger");
    }

    #[test]
    fn a_fire_time_already_past_fires_at_once() {
        let now = Utc::now();
        let now_instant = Instant::now();
        let instant = instant_for(now - chrono::Duration::seconds(5), now, now_instant);
        assert_eq!(instant, Some(now_instant + Duration::from_millis(500)));
    }
}
