//! The JSON's `deploy` and `collect[]`: the steps around the battery as data.

use serde::Serialize;

use crate::model::{
    Collected, DeployOutcome, DeployStatus, Readiness, Revision, ServiceEnd, StepRun,
};

/// `deploy`: how the system under test was brought up.
#[derive(Serialize)]
pub struct DeployJson<'a> {
    kind: &'static str,
    ok: bool,
    status: &'static str,
    summary: String,
    command: &'a [String],
    duration_s: f64,
    exit: Option<String>,
    ready: Option<ReadyJson<'a>>,
    revision: Option<&'a str>,
    revision_error: Option<&'a str>,
    service: Option<ServiceJson>,
    log: Option<String>,
    output_tail: &'a str,
}

#[derive(Serialize)]
struct ReadyJson<'a> {
    url: &'a str,
    attempts: u32,
    waited_s: f64,
    last: &'a str,
}

/// How a service that came up ended after the battery.
#[derive(Serialize)]
struct ServiceJson {
    exited_early: bool,
    end: String,
    after_s: Option<f64>,
}

/// One `collect[]` entry.
#[derive(Serialize)]
pub struct CollectJson<'a> {
    name: &'a str,
    command: &'a [String],
    ok: bool,
    exit: String,
    duration_s: Option<f64>,
    output: &'a str,
    output_cut: bool,
    log: Option<String>,
}

/// The deploy as JSON.
pub fn deploy(deploy: &DeployOutcome) -> DeployJson<'_> {
    let (status, exit) = match &deploy.status {
        DeployStatus::Ready => ("ready", None),
        DeployStatus::NotStarted { reason } => {
            ("not_started", Some(format!("not started: {reason}")))
        }
        DeployStatus::Failed { end } => ("failed", Some(end.describe())),
        DeployStatus::NotReady { .. } => ("not_ready", None),
        DeployStatus::Interrupted => ("interrupted", None),
    };
    let (revision, revision_error) = match &deploy.revision {
        Some(Revision::Known(revision)) => (Some(revision.as_str()), None),
        Some(Revision::Unknown { reason }) => (None, Some(reason.as_str())),
        None => (None, None),
    };
    DeployJson {
        kind: deploy.kind.as_str(),
        ok: deploy.ok(),
        status,
        summary: deploy.summary(),
        command: &deploy.command,
        duration_s: super::json::round_seconds(deploy.duration.as_secs_f64()),
        exit,
        ready: deploy.readiness.as_ref().map(ready),
        revision,
        revision_error,
        service: deploy.service_end.as_ref().map(service),
        log: deploy.log.as_ref().map(|l| l.display().to_string()),
        output_tail: &deploy.tail,
    }
}

fn ready(ready: &Readiness) -> ReadyJson<'_> {
    ReadyJson {
        url: &ready.url,
        attempts: ready.attempts,
        waited_s: super::json::round_seconds(ready.waited.as_secs_f64()),
        last: &ready.last,
    }
}

fn service(end: &ServiceEnd) -> ServiceJson {
    match end {
        ServiceEnd::Stopped => ServiceJson {
            exited_early: false,
            end: "stopped after the battery".to_owned(),
            after_s: None,
        },
        ServiceEnd::ExitedEarly { end, after } => ServiceJson {
            exited_early: true,
            end: end.describe(),
            after_s: Some(super::json::round_seconds(after.as_secs_f64())),
        },
        ServiceEnd::Lost { reason } => ServiceJson {
            exited_early: false,
            end: format!("lost: {reason}"),
            after_s: None,
        },
    }
}

/// The collects as JSON.
pub fn collect(collected: &[Collected]) -> Vec<CollectJson<'_>> {
    collected
        .iter()
        .map(|c| CollectJson {
            name: &c.name,
            command: &c.command,
            ok: c.run.succeeded(),
            exit: match &c.run {
                StepRun::Ran { end, .. } => end.describe(),
                StepRun::NotStarted { reason } => format!("not started: {reason}"),
            },
            duration_s: match &c.run {
                StepRun::Ran { duration, .. } => {
                    Some(super::json::round_seconds(duration.as_secs_f64()))
                }
                StepRun::NotStarted { .. } => None,
            },
            output: &c.output,
            output_cut: c.output_cut,
            log: c.log.as_ref().map(|l| l.display().to_string()),
        })
        .collect()
}
