//! The daemon behind `greenloop serve`: the coordinator that owns what runs, the HTTP API and
//! its dashboard, and the scheduler, wired together with a clean stop.

pub mod activity;
mod api;
pub mod coordinator;
mod dashboard;
mod feed;
mod run;
mod server;
pub mod status;

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use activity::{Accepted, Activity};
pub use coordinator::{Handle, Refused, TriggerRequest};
pub use feed::Feed;

use crate::config::{self, DaemonConfig, LoopPlan};
use crate::model::LoopName;
use crate::schedule::{NextFires, Scheduler};
use crate::store::Store;

/// How long the HTTP server may take to close its connections once iterations have stopped.
const SERVER_CLOSE: Duration = Duration::from_secs(2);

/// A running daemon.
pub struct Daemon {
    addr: SocketAddr,
    coordinator: Handle,
    coordinator_task: JoinHandle<()>,
    server: JoinHandle<std::io::Result<()>>,
    stopping: CancellationToken,
    tracker: TaskTracker,
    grace: Duration,
    scheduler: Option<Scheduler>,
    /// What the API shows as each loop's `next_run`; replaced when schedules are re-armed.
    next_fires: SharedNextFires,
    config: DaemonConfig,
}

/// The armed schedules' next fire times, shared with the API.
pub(crate) type SharedNextFires = Arc<RwLock<NextFires>>;

/// Iterations were still running when the grace period ended.
#[derive(Debug, thiserror::Error)]
#[error("iterations were still running {0:?} after the stop was asked")]
pub struct StopTimedOut(pub Duration);

impl Daemon {
    /// Recovers what a crash left running, then serves the API on `listener` and accepts
    /// triggers.
    pub async fn start(config: DaemonConfig, listener: TcpListener) -> anyhow::Result<Daemon> {
        let recovering = config.clone();
        tokio::task::spawn_blocking(move || recover(&recovering)).await??;
        let addr = listener.local_addr()?;
        let feed = Feed::default();
        let tracker = TaskTracker::new();
        let grace = config.shutdown_grace;
        let config_for_schedules = config.clone();
        let (coordinator, coordinator_task) =
            coordinator::spawn(config.clone(), feed.clone(), tracker.clone());
        // Schedules are armed before the API answers, so a daemon that answers /healthz has
        // read every loop file's schedule.
        let scheduler = schedule(&config_for_schedules, &coordinator).await?;
        let next_fires = Arc::new(RwLock::new(next_fires_of(scheduler.as_ref())));
        let stopping = CancellationToken::new();
        let app = api::router(api::ApiState {
            config: Arc::new(config),
            coordinator: coordinator.clone(),
            feed,
            next_fires: next_fires.clone(),
            stopping: stopping.clone(),
        });
        let server = tokio::spawn(server::serve(
            listener,
            app,
            config_for_schedules.connections,
            stopping.clone(),
        ));
        tracing::info!("greenloop listening on http://{addr}");
        Ok(Daemon {
            addr,
            coordinator,
            coordinator_task,
            server,
            stopping,
            tracker,
            grace,
            scheduler,
            next_fires,
            config: config_for_schedules,
        })
    }

    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The coordinator, to trigger iterations in-process.
    pub fn coordinator(&self) -> &Handle {
        &self.coordinator
    }

    /// Re-reads every loop file's `schedule` (on SIGHUP): the old schedules stop, then the new
    /// ones are armed. A file that no longer validates loses its schedule until it does
    /// (logged). Loop files are otherwise re-read per iteration already; the daemon's own
    /// `config/greenloop.toml` is read at start only.
    pub async fn reload_schedules(&mut self) -> anyhow::Result<()> {
        if let Some(old) = self.scheduler.take() {
            old.shutdown().await;
        }
        self.show_next_fires();
        self.scheduler = schedule(&self.config, &self.coordinator).await?;
        self.show_next_fires();
        if self.scheduler.is_none() {
            tracing::info!("no loop file has a schedule");
        }
        Ok(())
    }

    /// Lets the API show the current scheduler's next fire times.
    fn show_next_fires(&self) {
        *self
            .next_fires
            .write()
            .unwrap_or_else(PoisonError::into_inner) = next_fires_of(self.scheduler.as_ref());
    }

    /// Stops: refuses new triggers, interrupts running iterations (their process groups are
    /// killed and their reports written as interrupted), waits up to `shutdown_grace` for
    /// them, then closes the API.
    pub async fn stop(self) -> Result<(), StopTimedOut> {
        if let Some(scheduler) = self.scheduler {
            scheduler.shutdown().await;
        }
        self.coordinator.stop();
        self.tracker.close();
        let drained = tokio::time::timeout(self.grace, async {
            let _ = self.coordinator_task.await;
            self.tracker.wait().await;
        })
        .await;
        self.stopping.cancel();
        if tokio::time::timeout(SERVER_CLOSE, self.server)
            .await
            .is_err()
        {
            tracing::debug!("closed the API with connections still open");
        }
        drained.map_err(|_| StopTimedOut(self.grace))
    }
}

/// The next fire times of `scheduler`'s loops (none without one).
fn next_fires_of(scheduler: Option<&Scheduler>) -> NextFires {
    scheduler.map(Scheduler::next_fires).unwrap_or_default()
}

/// Starts the scheduler for every loop file with a `schedule`; each firing is a trigger with
/// source `schedule`, which the coordinator starts, queues or skips like any other.
async fn schedule(
    config: &DaemonConfig,
    coordinator: &Handle,
) -> anyhow::Result<Option<Scheduler>> {
    let schedules: Vec<(LoopName, crate::schedule::Schedule)> = config::loop_names(config)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| {
            config::loop_plan(config, name)
                .map_err(|diagnostics| {
                    tracing::warn!(loop_name = %name, "not scheduled: the loop file does not validate\n{diagnostics}");
                })
                .ok()
        })
        .filter_map(|plan| Some((plan.name.clone(), plan.schedule.clone()?)))
        .collect();
    if schedules.is_empty() {
        return Ok(None);
    }
    for (name, schedule) in &schedules {
        tracing::info!(loop_name = %name, "scheduled: {schedule}");
    }
    let (fire, mut fired) = tokio::sync::mpsc::unbounded_channel();
    let scheduler = Scheduler::start(schedules, fire).await?;
    let coordinator = coordinator.clone();
    tokio::spawn(async move {
        while let Some(name) = fired.recv().await {
            let coordinator = coordinator.clone();
            tokio::spawn(async move {
                let request = TriggerRequest {
                    name: name.clone(),
                    new_loop: false,
                    source: "schedule".into(),
                };
                match coordinator.trigger(request).await {
                    Ok(accepted) => {
                        tracing::info!(loop_name = %name, "schedule: {} {}", accepted.at, accepted.state)
                    }
                    Err(refused) => tracing::warn!(loop_name = %name, "schedule: {refused}"),
                }
            });
        }
    });
    Ok(Some(scheduler))
}

/// Marks iterations a crash left running as interrupted and writes their reports, for every
/// loop file and every loop with history.
fn recover(config: &DaemonConfig) -> anyhow::Result<()> {
    let mut names: Vec<LoopName> = Store::open(&config.database())?.loop_names()?;
    for name in config::loop_names(config).unwrap_or_default() {
        if let Ok(name) = LoopName::new(&name)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    for name in names {
        let plan = config::loop_plan(config, name.as_str())
            .unwrap_or_else(|_| LoopPlan::bare(name.clone()));
        if let Err(e) = crate::runner::recover(config, &plan) {
            tracing::warn!(
                "failed to recover interrupted iterations of {name}: {:#}",
                anyhow::Error::new(e)
            );
        }
    }
    Ok(())
}
