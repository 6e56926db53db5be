//! The schedule runtime: fires each loop's triggers at its schedule's times.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_cron_scheduler::JobScheduler;
use tokio_util::sync::CancellationToken;

use super::armer::{Armed, Armer};
use super::cron::Schedule;
use super::error::ScheduleError;
use crate::model::LoopName;

/// Fires triggers for scheduled loops, on tokio-cron-scheduler.
///
/// Each fire time is computed with [`Schedule::next_after`] and armed as a one-shot job that
/// only sends the loop's name; a trigger is a message, so runs never overlap here and the
/// receiver alone decides what a busy loop does with it. Fire times are kept to the second:
/// a trigger arrives within about a second and a half after its time.
pub struct Scheduler {
    jobs: JobScheduler,
    armer: Option<JoinHandle<()>>,
    stop: CancellationToken,
    armed: NextFires,
}

/// When each scheduled loop fires next, as armed: a cheap copy that follows re-arming.
#[derive(Debug, Clone, Default)]
pub struct NextFires(BTreeMap<LoopName, watch::Receiver<Option<Armed>>>);

impl NextFires {
    /// When `loop_name` fires next, or `None` when it has no schedule or never fires again.
    pub fn get(&self, loop_name: &LoopName) -> Option<DateTime<Utc>> {
        let armed = *self.0.get(loop_name)?.borrow();
        armed.map(|armed| armed.at)
    }
}

impl Scheduler {
    /// Starts firing: each time a loop's schedule is due, its name is sent on `fire`.
    ///
    /// One schedule per loop: a name given twice keeps its last schedule.
    pub async fn start(
        schedules: Vec<(LoopName, Schedule)>,
        fire: mpsc::UnboundedSender<LoopName>,
    ) -> Result<Scheduler, ScheduleError> {
        let jobs = JobScheduler::new().await.map_err(ScheduleError::Start)?;
        let (mut armer, due) = Armer::new(jobs.clone(), fire);
        let armed = schedules
            .into_iter()
            .map(|(loop_name, schedule)| (loop_name.clone(), armer.add(loop_name, schedule)))
            .collect();
        armer.arm_all().await?;
        jobs.start().await.map_err(ScheduleError::Start)?;
        let stop = CancellationToken::new();
        let armer = tokio::spawn(armer.run(due, stop.clone()));
        Ok(Scheduler {
            jobs,
            armer: Some(armer),
            stop,
            armed: NextFires(armed),
        })
    }

    /// When `loop_name` fires next, or `None` when it has no schedule or never fires again.
    pub fn next_fire(&self, loop_name: &LoopName) -> Option<DateTime<Utc>> {
        self.armed.get(loop_name)
    }

    /// Every scheduled loop's next fire time, kept up to date as jobs are re-armed.
    pub fn next_fires(&self) -> NextFires {
        self.armed.clone()
    }

    /// Stops firing: once this returns, `fire` gets no more messages (the sender is dropped).
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(armer) = self.armer.take()
            && let Err(e) = armer.await
        {
            tracing::error!(error = %e, "the schedule task failed");
        }
        if let Err(e) = self.jobs.clone().shutdown().await {
            tracing::warn!(error = %e, "failed to shut tokio-cron-scheduler down");
        }
    }
}

impl Drop for Scheduler {
    /// A scheduler dropped without [`Scheduler::shutdown`] still stops sending triggers.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests;
