//! `greenloop serve` in the foreground until a signal, and `greenloop healthcheck`.

use std::path::Path;
use std::process::ExitCode;

use super::daemon_client::DaemonClient;
use super::exit;
use crate::config;
use crate::daemon::Daemon;

/// Validates every file, starts the daemon, re-reads the loop files' schedules on SIGHUP, and
/// stops on SIGTERM or SIGINT: running iterations are interrupted and reported within
/// `shutdown_grace`; a second signal exits at once.
pub async fn serve(root: &Path) -> anyhow::Result<ExitCode> {
    let (_, diagnostics) = config::check_all(root);
    if !diagnostics.is_empty() {
        eprintln!("{diagnostics}");
        eprintln!(
            "\ngreenloop serve: fix the errors above (`greenloop check` lists them) and start again"
        );
        return Ok(exit::usage());
    }
    let config = config::daemon_config(root).map_err(|d| anyhow::anyhow!("{d}"))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("failed to listen on {}: {e}", config.listen))?;
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut daemon = Daemon::start(config, listener).await?;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                tracing::info!("SIGHUP: re-reading the loop files' schedules");
                if let Err(e) = daemon.reload_schedules().await {
                    tracing::error!("failed to re-arm the schedules: {e:#}");
                }
            }
        }
    }
    tracing::info!(
        "stopping: no new iterations; interrupting running ones (signal again to quit now)"
    );
    tokio::spawn(async move {
        tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        tracing::warn!("second signal: quitting now");
        std::process::exit(130);
    });
    match daemon.stop().await {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            tracing::error!("{e}; quitting anyway");
            Ok(ExitCode::from(3))
        }
    }
}

/// Exits 0 when the daemon answers `/healthz`, 1 otherwise.
pub async fn healthcheck(root: &Path, url: Option<&str>) -> anyhow::Result<ExitCode> {
    let daemon = DaemonClient::for_root(root, url)?;
    match daemon.get("/healthz").await {
        Ok(answer) if answer.status == 200 => Ok(ExitCode::SUCCESS),
        Ok(answer) => {
            eprintln!("unhealthy: /healthz answered {}", answer.status);
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("unhealthy: no answer from {}: {e}", daemon.base());
            Ok(ExitCode::from(1))
        }
    }
}
