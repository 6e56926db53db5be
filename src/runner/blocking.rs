//! Blocking work (SQLite, report files) inside an iteration's async task, without stalling
//! the daemon's other tasks.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `f`, which blocks. On a multi-threaded runtime (the daemon, `run`) the worker first
/// hands its other tasks to another thread (`block_in_place`), so the API, the feed and other
/// loops' iterations go on while a large iteration is loaded or recorded; elsewhere (a
/// current-thread runtime, no runtime) `f` simply runs.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::blocking;

    /// With one worker, busy with the blocking call (in a spawned task, like an iteration),
    /// another task can only run if the worker was handed over: the blocking call waits for it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn other_tasks_run_while_it_blocks() {
        let (sender, receiver) = mpsc::channel();
        let (go, started) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = started.await;
            sender.send("ran").unwrap();
        });
        let blocker = tokio::spawn(async move {
            blocking(move || {
                go.send(()).unwrap();
                receiver.recv_timeout(Duration::from_secs(5))
            })
        });
        assert_eq!(blocker.await.unwrap(), Ok("ran"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn on_a_current_thread_runtime_it_simply_runs() {
        assert_eq!(blocking(|| 7), 7);
    }
}
