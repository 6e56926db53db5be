//! Failures of the schedule runtime.

use tokio_cron_scheduler::JobSchedulerError;

use crate::model::LoopName;

/// The job scheduler could not start, or a loop's next fire time could not be armed.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// tokio-cron-scheduler failed to initialise or start.
    #[error("failed to start the job scheduler")]
    Start(#[source] JobSchedulerError),
    /// A loop's next fire time could not be handed to tokio-cron-scheduler.
    #[error("failed to arm the schedule of loop `{loop_name}`")]
    Arm {
        /// The loop whose schedule is not armed.
        loop_name: LoopName,
        /// What tokio-cron-scheduler said.
        #[source]
        source: JobSchedulerError,
    },
}
