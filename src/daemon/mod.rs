//! The daemon behind `greenloop serve`: the coordinator that owns what runs, the HTTP API, and
//! the scheduler, wired together with a clean stop.

pub mod activity;
mod api;
pub mod coordinator;
mod feed;
mod run;
pub mod status;

use std::net::SocketAddr;
use std::sync::Arc;
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
}

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
        let (coordinator, coordinator_task) =
            coordinator::spawn(config.clone(), feed.clone(), tracker.clone());
        let stopping = CancellationToken::new();
        let app = api::router(api::ApiState {
            config: Arc::new(config),
            coordinator: coordinator.clone(),
            feed,
            stopping: stopping.clone(),
        });
        let server = tokio::spawn(
            axum::serve(listener, app)
                .with_graceful_shutdown(stopping.clone().cancelled_owned())
                .into_future(),
        );
        tracing::info!("greenloop listening on http://{addr}");
        Ok(Daemon {
            addr,
            coordinator,
            coordinator_task,
            server,
            stopping,
            tracker,
            grace,
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

    /// Stops: refuses new triggers, interrupts running iterations (their process groups are
    /// killed and their reports written as interrupted), waits up to `shutdown_grace` for
    /// them, then closes the API.
    pub async fn stop(self) -> Result<(), StopTimedOut> {
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
