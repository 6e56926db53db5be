//! The accept loop: a connection is accepted only when one of `max_connections` slots is
//! free, so past the cap new clients wait in the kernel's backlog (answered once a slot
//! frees) instead of each costing a descriptor and memory; on stop, accepting ends and open
//! connections are shut down gracefully.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::connection;
use super::counted::Counted;
use crate::config::server::ConnectionLimits;

/// How long to pause after an accept error such as running out of descriptors, which would
/// otherwise repeat at once in a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// How often, at most, the log says every slot is taken: under a flood it would say so for
/// every connection.
const FULL_WARNING_EVERY: Duration = Duration::from_secs(60);

/// Serves `app` on `listener` until `stopping` is cancelled and every connection has ended.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stopping: CancellationToken,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    let mut warned_full: Option<Instant> = None;
    loop {
        let Some(slot) = free_slot(&slots, limits, &mut warned_full, &stopping).await else {
            break;
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if gone_before_accepted(&e) => continue,
                Err(e) => {
                    tracing::error!("failed to accept a connection: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = stopping.cancelled() => break,
        };
        connections.spawn(connection::serve(
            Counted::new(stream, slot),
            peer,
            app.clone(),
            limits,
            stopping.clone(),
        ));
    }
    // Closing the listener makes new clients fail fast instead of waiting in the backlog.
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

/// A free slot, waiting for one when all are taken (and saying so in the log); `None` when the
/// daemon stops first.
async fn free_slot(
    slots: &Arc<Semaphore>,
    limits: ConnectionLimits,
    warned_full: &mut Option<Instant>,
    stopping: &CancellationToken,
) -> Option<OwnedSemaphorePermit> {
    if let Ok(slot) = slots.clone().try_acquire_owned() {
        return Some(slot);
    }
    if warned_full.is_none_or(|at| at.elapsed() >= FULL_WARNING_EVERY) {
        tracing::warn!(
            "all {} connections ([server] max_connections) are open; new ones wait until one closes",
            limits.max_connections
        );
        *warned_full = Some(Instant::now());
    }
    tokio::select! {
        slot = slots.clone().acquire_owned() => slot.ok(),
        () = stopping.cancelled() => None,
    }
}

/// Errors about one client that left before it was accepted; the next accept is unaffected.
fn gone_before_accepted(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}
