//! `greenloop status`: asks the daemon, or reads the store when none runs.

use std::path::Path;
use std::process::ExitCode;

use super::daemon_client::DaemonClient;
use super::history::columns;
use crate::config;
use crate::daemon::{Activity, status::LoopStatus};
use crate::report::text::percent;
use crate::schedule::NextFires;

/// `greenloop status [<loop>]`.
pub async fn status(
    root: &Path,
    name: Option<&str>,
    url: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let daemon = DaemonClient::for_root(root, url)?;
    let (statuses, source) = match daemon.get("/api/v1/loops").await {
        Ok(answer) if answer.status == 200 => (
            serde_json::from_value::<Vec<LoopStatus>>(answer.body)?,
            format!("daemon at {}", daemon.base()),
        ),
        Ok(answer) => anyhow::bail!("the daemon answered {}: {}", answer.status, answer.error()),
        Err(e) if e.is_connect() => {
            let config = config::daemon_config(root).map_err(|d| anyhow::anyhow!("{d}"))?;
            let statuses =
                crate::daemon::status::all(&config, &Activity::default(), &NextFires::default())?;
            (
                statuses,
                "no daemon running; read from the history store".to_owned(),
            )
        }
        Err(e) => return Err(e.into()),
    };
    let shown: Vec<&LoopStatus> = statuses
        .iter()
        .filter(|s| name.is_none_or(|n| s.name.as_str() == n))
        .collect();
    if let Some(name) = name
        && shown.is_empty()
    {
        eprintln!("error: no loop definition `{name}` and no history of it");
        return Ok(super::exit::usage());
    }
    println!("{source}");
    print!("{}", table(&shown));
    for status in &shown {
        if let Some(error) = &status.config_error {
            println!(
                "\n{}: the loop file does not validate:\n{error}",
                status.name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One row per loop definition.
fn table(statuses: &[&LoopStatus]) -> String {
    let mut rows = vec![[
        "LOOP".to_owned(),
        "NOW".into(),
        "OPEN LOOP".into(),
        "LAST ITERATION".into(),
        "VERDICT".into(),
        "PASS RATE".into(),
        "FINISHED (UTC)".into(),
        "NEXT RUN (UTC)".into(),
    ]];
    for s in statuses {
        let now = match (&s.running, &s.queued) {
            (Some(running), queued) => {
                let at = running.at.map_or_else(
                    || "starting".to_owned(),
                    |at| format!("running L{} I{}", at.loop_number, at.iteration),
                );
                if queued.is_some() {
                    format!("{at}, 1 queued")
                } else {
                    at
                }
            }
            (None, Some(_)) => "queued".into(),
            (None, None) if s.config_error.is_some() => "config error".into(),
            (None, None) => "idle".into(),
        };
        let last = s.last.as_ref();
        rows.push([
            s.name.to_string(),
            now,
            s.open_loop
                .map_or_else(|| "-".into(), |n| format!("Loop {n}")),
            last.map_or_else(
                || "-".into(),
                |l| format!("L{} I{}", l.at.loop_number, l.at.iteration),
            ),
            last.map_or_else(|| "-".into(), |l| l.verdict.to_string()),
            last.map_or_else(|| "-".into(), |l| percent(l.pass_rate)),
            last.and_then(|l| l.finished_at)
                .map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
            s.next_run
                .map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        ]);
    }
    columns(&rows)
}
