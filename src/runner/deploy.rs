//! The deploy step before the battery: a `command` run to its end, or a `service` started for
//! the iteration (see [`super::service`]); then `ready_url` is polled and the revision read.

use std::time::Instant;

use super::process::{self, ProcessOutcome};
use super::ready::{Waited, wait_ready};
use super::revision::read_revision;
use super::service::{Service, start_service};
use super::step;
use super::suite::SuiteContext;
use crate::config::{DeployMode, DeployPlan};
use crate::model::{DeployKind, DeployOutcome, DeployStatus, ProcessEnd};

/// Log of a deploy command, in the iteration's logs directory.
pub(crate) const DEPLOY_LOG: &str = "deploy.log";

/// A finished deploy step: its outcome, and the service to stop after the battery.
pub(crate) struct Deployed {
    /// How it went so far (a service's end is filled in when it is stopped).
    pub outcome: DeployOutcome,
    /// The running service, when `service` came up.
    pub service: Option<Service>,
}

/// Runs the deploy step of `plan`; it never fails: every problem is a [`DeployStatus`].
pub(crate) async fn deploy(
    plan: &DeployPlan,
    ctx: &SuiteContext,
    client: &reqwest::Client,
) -> Deployed {
    let mut deployed = match plan.mode {
        DeployMode::Command { timeout } => Deployed {
            outcome: run_command(plan, ctx, client, timeout).await,
            service: None,
        },
        DeployMode::Service => start_service(plan, ctx, client).await,
    };
    if let Some(revision) = &plan.revision
        && !matches!(deployed.outcome.status, DeployStatus::Interrupted)
    {
        deployed.outcome.revision = Some(read_revision(revision, ctx).await);
    }
    deployed
}

/// Runs the deploy command to its end, then waits for `ready_url` when it succeeded.
async fn run_command(
    plan: &DeployPlan,
    ctx: &SuiteContext,
    client: &reqwest::Client,
    timeout: std::time::Duration,
) -> DeployOutcome {
    let started = Instant::now();
    let spec = step::spec(ctx, &plan.command, Some(timeout), DEPLOY_LOG, Vec::new());
    let command = step::shown_argv(&spec);
    let result = process::run(spec).await;
    let (status, tail) = match result {
        Ok(ProcessOutcome {
            end: ProcessEnd::Cancelled,
            tail,
            ..
        }) => (DeployStatus::Interrupted, tail),
        Ok(ProcessOutcome { end, tail, .. }) if end.succeeded() => (DeployStatus::Ready, tail),
        Ok(ProcessOutcome { end, tail, .. }) => (DeployStatus::Failed { end }, tail),
        Err(error) => (
            DeployStatus::NotStarted {
                reason: ctx.redactor.text(&error.to_string()),
            },
            String::new(),
        ),
    };
    let mut outcome = DeployOutcome {
        kind: DeployKind::Command,
        command,
        status,
        duration: started.elapsed(),
        readiness: None,
        revision: None,
        service_end: None,
        log: step::log_link(ctx, DEPLOY_LOG),
        tail,
    };
    if outcome.ok()
        && let Some(url) = &plan.ready_url
    {
        let url = url.render(&ctx.values);
        let (waited, readiness) =
            wait_ready(&url, plan.ready_timeout, client, &ctx.cancel, &ctx.redactor).await;
        outcome.status = readiness_status(waited, plan);
        outcome.readiness = Some(readiness);
        outcome.duration = started.elapsed();
    }
    outcome
}

/// The deploy status once waiting for `ready_url` ended.
pub(crate) fn readiness_status(waited: Waited, plan: &DeployPlan) -> DeployStatus {
    match waited {
        Waited::Ready => DeployStatus::Ready,
        Waited::TimedOut => DeployStatus::NotReady {
            after: plan.ready_timeout,
        },
        Waited::Cancelled => DeployStatus::Interrupted,
    }
}
