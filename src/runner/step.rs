//! Commands around the battery — deploy, service, collect, fix — rendered like suites and run
//! under the same process supervisor, in the root, with the loop's `[env]` and `GREENLOOP_*`.

use std::path::PathBuf;
use std::time::Duration;

use super::process::{LogLimit, ProcessError, ProcessOutcome, ProcessSpec, TailLimit};
use super::suite::SuiteContext;
use crate::config::Template;
use crate::model::StepRun;

/// The supervisor spec for `argv`, logging to `log_name` in the iteration's logs directory.
///
/// `[env]` entries that name `${junit}` are left out: only a suite has a JUnit path.
pub(crate) fn spec(
    ctx: &SuiteContext,
    argv: &[Template],
    timeout: Option<Duration>,
    log_name: &str,
    extra_env: Vec<(String, String)>,
) -> ProcessSpec {
    let values = &ctx.values;
    let mut env: Vec<(String, String)> = ctx
        .loop_env
        .iter()
        .filter(|(_, template)| !template.names().any(|name| name == "junit"))
        .map(|(key, template)| (key.clone(), template.render(values)))
        .collect();
    env.extend(ctx.exported_env.iter().cloned());
    env.extend(extra_env);
    ProcessSpec {
        argv: argv.iter().map(|arg| arg.render(values)).collect(),
        workdir: ctx.config.root.clone(),
        env,
        timeout,
        idle_timeout: None,
        kill_grace: ctx.config.kill_grace,
        log_path: ctx.logs_dir.join(log_name),
        log_limit: LogLimit {
            head: ctx.config.log_head,
            tail: ctx.config.log_tail,
        },
        report_tail: TailLimit::REPORT,
        redactor: ctx.redactor.clone(),
        cancel: ctx.cancel.clone(),
    }
}

/// The argv of `spec` with secrets masked, for reports.
pub(crate) fn shown_argv(spec: &ProcessSpec) -> Vec<String> {
    spec.argv
        .iter()
        .map(|arg| spec.redactor.text(arg))
        .collect()
}

/// How a supervised run went, as the report tells it.
pub(crate) fn step_run(
    result: &Result<ProcessOutcome, ProcessError>,
    ctx: &SuiteContext,
) -> StepRun {
    match result {
        Ok(outcome) => StepRun::Ran {
            end: outcome.end.clone(),
            duration: outcome.duration,
        },
        Err(error) => StepRun::NotStarted {
            reason: ctx.redactor.text(&error.to_string()),
        },
    }
}

/// `log_name` relative to the loop's report directory, when the supervisor wrote it.
pub(crate) fn log_link(ctx: &SuiteContext, log_name: &str) -> Option<PathBuf> {
    ctx.logs_dir
        .join(log_name)
        .exists()
        .then(|| ctx.logs_relative.join(log_name))
}

/// `name` cut down to at most 60 characters safe in a file name, lower-cased; every other
/// character becomes `-`.
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(60)
        .collect()
}
