//! `greenloop trigger`: ask the running daemon for the next iteration, and with `--wait`
//! follow it live and exit like `run`.

use std::path::Path;
use std::process::ExitCode;

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::daemon_client::DaemonClient;
use super::exit;
use crate::model::Verdict;

/// `greenloop trigger <loop> [--new-loop] [--wait]`.
pub async fn trigger(
    root: &Path,
    name: &str,
    new_loop: bool,
    wait: bool,
    url: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let daemon = DaemonClient::for_root(root, url)?;
    // Listen before asking, so no event of the iteration is missed.
    let mut events = if wait {
        Some(daemon.events().await?)
    } else {
        None
    };
    let answer = daemon
        .post(
            &format!("/api/v1/loops/{name}/iterations"),
            json!({ "new_loop": new_loop }),
        )
        .await
        .map_err(|e| unreachable(&daemon, e))?;
    match answer.status {
        202 => {}
        409 => {
            eprintln!("skipped: {}", answer.error());
            return Ok(ExitCode::from(exit::SKIPPED));
        }
        404 | 422 => {
            eprintln!("error: {}", answer.error());
            return Ok(exit::usage());
        }
        status => anyhow::bail!("the daemon answered {status}: {}", answer.error()),
    }
    let body = &answer.body;
    let trigger_id = body["trigger_id"].as_u64().unwrap_or_default();
    println!(
        "{name}: Loop {} / Iteration {} {}{}",
        body["loop"],
        body["iteration"],
        body["state"].as_str().unwrap_or("accepted"),
        if body["coalesced"].as_bool() == Some(true) {
            " (joined the trigger already waiting)"
        } else {
            ""
        }
    );
    let Some(events) = events.as_mut() else {
        return Ok(ExitCode::SUCCESS);
    };
    while let Some(event) = events.next().await {
        if event["loop_name"] != name || event["trigger_id"].as_u64() != Some(trigger_id) {
            continue;
        }
        if let Some(line) = progress_line(&event) {
            eprintln!("{line}");
        }
        match event["type"].as_str() {
            Some("iteration_finished") => {
                let verdict: Verdict = serde_json::from_value(event["verdict"].clone())?;
                return Ok(exit::for_verdict(verdict));
            }
            Some("iteration_failed_to_start") => {
                eprintln!("error: {}", event["message"].as_str().unwrap_or_default());
                return Ok(ExitCode::from(3));
            }
            _ => {}
        }
    }
    anyhow::bail!("the daemon closed the event stream before the iteration finished")
}

fn unreachable(daemon: &DaemonClient, error: reqwest::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "no greenloop daemon answers at {} ({error}); start one with `greenloop serve`, or run the iteration here with `greenloop run`",
        daemon.base()
    )
}

/// One line per event, like `run` prints.
fn progress_line(event: &Value) -> Option<String> {
    let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
    Some(match event["type"].as_str()? {
        "iteration_started" => format!(
            "{}: Loop {} / Iteration {} started",
            text("loop_name"),
            event["loop"],
            event["iteration"]
        ),
        "suite_started" => format!("  ▶ {} started", text("suite")),
        "suite_finished" => format!(
            "  {} {} — {}/{} passed in {:.2} s",
            text("status"),
            text("suite"),
            event["totals"]["passed"],
            event["totals"]["total"],
            event["duration_s"].as_f64().unwrap_or_default()
        ),
        "probe_finished" => format!(
            "  probe {} — {}/{} checks passed",
            text("probe"),
            event["passed"],
            event["checks"]
        ),
        "iteration_finished" => format!(
            "Loop {} / Iteration {} verdict: {} ({})",
            event["loop"],
            event["iteration"],
            text("verdict"),
            crate::report::text::percent(event["pass_rate"].as_f64())
        ),
        _ => return None,
    })
}
