//! `greenloop demo-backend`: the demo loop's service, in the foreground until it is stopped.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::demo::{self, Faults};

/// Seeds the faults file from `defaults` when it is missing, then serves on `listen` until the
/// process is stopped. Relative paths resolve against the root, like every path greenloop reads.
pub async fn demo_backend(
    root: &Path,
    listen: SocketAddr,
    faults: &Path,
    defaults: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let faults = root.join(faults);
    if let Some(defaults) = defaults {
        let defaults = root.join(defaults);
        if demo::seed(&faults, &defaults).map_err(|e| anyhow::anyhow!(e.describe()))? {
            tracing::info!(
                "new faults file {} from {}",
                faults.display(),
                defaults.display()
            );
        }
    }
    let active = Faults::load(&faults)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?
        .active();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("failed to listen on {listen}"))?;
    tracing::info!(
        "demo backend listening on http://{listen}; faults on: {} (from {}, read on every request)",
        if active.is_empty() {
            "none".to_owned()
        } else {
            active.join(", ")
        },
        faults.display()
    );
    demo::serve(listener, faults).await?;
    Ok(ExitCode::SUCCESS)
}
