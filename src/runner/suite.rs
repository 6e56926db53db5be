//! Runs one suite: renders its command, supervises its process, finds and ingests its JUnit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::ingest::{JunitFiles, ingest};
use super::process::{self, LogLimit, ProcessSpec, TailLimit};
use crate::config::{DaemonConfig, SuitePlan, Template};
use crate::model::{ProcessRun, SuiteResult, SuiteRun};
use crate::redact::Redactor;
use crate::report::files::write_atomic;

/// Files modified this long before a suite started still count as written by it, to allow for
/// file systems with coarse timestamps.
const MTIME_SLACK: Duration = Duration::from_secs(1);

/// Everything a suite needs from its iteration.
#[derive(Debug, Clone)]
pub struct SuiteContext {
    /// Daemon settings (root, limits).
    pub config: DaemonConfig,
    /// `${…}` values: vars, secrets and built-ins except `junit`.
    pub values: BTreeMap<String, String>,
    /// `GREENLOOP_*` variables for every suite: the built-ins and `[vars]`, never secrets.
    pub exported_env: Vec<(String, String)>,
    /// The loop's `[env]`.
    pub loop_env: Vec<(String, Template)>,
    /// The iteration's log directory.
    pub logs_dir: PathBuf,
    /// The same, relative to the loop's report directory (for links).
    pub logs_relative: PathBuf,
    /// Masks secrets in output.
    pub redactor: Redactor,
    /// Cancelled when greenloop must stop.
    pub cancel: CancellationToken,
}

/// Runs `suite` to completion and reads its results; also returns the test runners its JUnit
/// names (e.g. `go1.22.1`), masked, for the report's environment section.
pub async fn run_suite(suite: &SuitePlan, ctx: &SuiteContext) -> (SuiteResult, Vec<String>) {
    let root = &ctx.config.root;
    let rendered = render(suite, ctx);
    let log_name = format!("{}.log", suite.name);
    let started = SystemTime::now();
    let spec = ProcessSpec {
        argv: rendered.argv.clone(),
        workdir: rendered.workdir,
        env: rendered.env,
        timeout: Some(suite.timeout),
        idle_timeout: suite.idle_timeout,
        kill_grace: ctx.config.kill_grace,
        log_path: ctx.logs_dir.join(&log_name),
        log_limit: LogLimit {
            head: ctx.config.log_head,
            tail: ctx.config.log_tail,
        },
        report_tail: TailLimit::REPORT,
        redactor: ctx.redactor.clone(),
        cancel: ctx.cancel.clone(),
    };
    let mut log_error = None;
    let run = match process::run(spec).await {
        Ok(outcome) => SuiteRun::Ran(ProcessRun {
            end: outcome.end,
            duration: outcome.duration,
            peak_rss_bytes: outcome.peak_rss_bytes,
            output_bytes: outcome.output_bytes,
            cut_bytes: outcome.cut_bytes,
            leaked_output: outcome.leaked_output,
            tail: {
                log_error = outcome.log_error;
                outcome.tail
            },
        }),
        Err(error) => SuiteRun::NotStarted {
            reason: ctx.redactor.text(&error.to_string()),
        },
    };
    let expected_at = expects_junit(suite, ctx).then(|| {
        Path::new(&rendered.junit)
            .strip_prefix(root)
            .map_or_else(|_| rendered.junit.clone(), |p| p.display().to_string())
    });
    let mut ingested = read_results(
        suite,
        ctx,
        &run,
        rendered.junit.clone(),
        started,
        expected_at,
    )
    .await;
    if let Some(error) = log_error {
        ingested.notes.push(crate::model::Finding {
            kind: crate::model::FindingKind::OutputCut,
            suite: Some(suite.name.clone()),
            message: format!("`{}`'s log is incomplete: {error}", suite.name),
        });
    }
    // The supervisor writes a log even for a command that could not start (it says why).
    let log = ctx
        .logs_dir
        .join(&log_name)
        .exists()
        .then(|| ctx.logs_relative.join(&log_name));
    let result = SuiteResult {
        name: suite.name.clone(),
        critical: suite.critical,
        impact: suite.impact.clone(),
        command: rendered.argv.iter().map(|a| ctx.redactor.text(a)).collect(),
        run,
        source: ingested.source,
        declared_tests: ingested.declared_tests,
        log,
        tests: ingested.tests,
        notes: ingested.notes,
    };
    (result, ingested.runners)
}

/// A suite's command, directory, environment and JUnit location with every `${…}` filled in.
struct Rendered {
    argv: Vec<String>,
    workdir: PathBuf,
    env: Vec<(String, String)>,
    /// Where its JUnit lands: a path or a glob, absolute.
    junit: String,
}

fn render(suite: &SuitePlan, ctx: &SuiteContext) -> Rendered {
    let root = &ctx.config.root;
    let default_junit = ctx.logs_dir.join(format!("{}.junit.xml", suite.name));
    let mut values = ctx.values.clone();
    values.insert("junit".into(), default_junit.display().to_string());
    let junit = match &suite.junit {
        Some(template) => root.join(template.render(&values)).display().to_string(),
        None => default_junit.display().to_string(),
    };
    values.insert("junit".into(), junit.clone());
    let mut env: Vec<(String, String)> = ctx
        .loop_env
        .iter()
        .chain(&suite.env)
        .map(|(k, t)| (k.clone(), t.render(&values)))
        .collect();
    env.extend(ctx.exported_env.iter().cloned());
    env.push(("GREENLOOP_JUNIT".into(), junit.clone()));
    Rendered {
        argv: suite.command.iter().map(|t| t.render(&values)).collect(),
        workdir: suite
            .workdir
            .as_ref()
            .map_or_else(|| root.clone(), |w| root.join(w.render(&values))),
        env,
        junit,
    }
}

/// Whether the suite was told where to write JUnit (so its absence is worth saying).
fn expects_junit(suite: &SuitePlan, ctx: &SuiteContext) -> bool {
    suite.junit.is_some()
        || suite
            .command
            .iter()
            .chain(suite.env.iter().map(|(_, t)| t))
            .chain(ctx.loop_env.iter().map(|(_, t)| t))
            .any(|t| t.names().any(|n| n == "junit"))
}

/// JUnit files the suite wrote under greenloop's reports directory (its iteration's logs, or
/// anywhere else there) are greenloop's to publish, so once read they are rewritten with every
/// form of every secret masked, atomically. Files elsewhere belong to the user and are left
/// alone.
fn redact_own_files(files: &[PathBuf], reports_dir: &Path, redactor: &Redactor) {
    if redactor.is_empty() {
        return;
    }
    for file in files.iter().filter(|f| f.starts_with(reports_dir)) {
        if let Ok(bytes) = crate::regular::read(file, u64::MAX) {
            let masked = redactor.bytes(&bytes);
            if masked != bytes
                && let Err(e) = write_atomic(file, &masked)
            {
                tracing::warn!("failed to mask secrets in {}: {e}", file.display());
            }
        }
    }
}

/// Finds and reads the suite's results on the blocking pool — never on a runtime worker, which
/// a slow disk must not stall — within the suite's own `timeout`: everything a suite caused is
/// bounded by it. Past it, the results are one broken result saying so.
async fn read_results(
    suite: &SuitePlan,
    ctx: &SuiteContext,
    run: &SuiteRun,
    pattern: String,
    started: SystemTime,
    expected_at: Option<String>,
) -> super::ingest::Ingested {
    let name = suite.name.clone();
    let (root, reports_dir, redactor) = (
        ctx.config.root.clone(),
        ctx.config.reports_dir.clone(),
        ctx.redactor.clone(),
    );
    let process_run = run.clone();
    let reading = tokio::task::spawn_blocking(move || {
        let mut junit = find_junit(&pattern, started);
        junit.expected_at = expected_at;
        let ingested = ingest(&name, &process_run, &junit, &root, &redactor);
        redact_own_files(&junit.fresh, &reports_dir, &redactor);
        ingested
    });
    match tokio::time::timeout(suite.timeout, reading).await {
        Ok(Ok(ingested)) => ingested,
        Ok(Err(joined)) => std::panic::resume_unwind(joined.into_panic()),
        Err(_) => super::ingest::unreadable(
            &suite.name,
            &format!(
                "reading its results took longer than its timeout ({})",
                humantime::format_duration(suite.timeout)
            ),
        ),
    }
}

/// JUnit files matching `pattern` (a path or glob), split into fresh and stale by `started`.
fn find_junit(pattern: &str, started: SystemTime) -> JunitFiles {
    let is_glob = pattern.contains(['*', '?', '[']);
    let candidates: Vec<PathBuf> = if is_glob {
        glob::glob(pattern)
            .map(|paths| paths.filter_map(Result::ok).collect())
            .unwrap_or_default()
    } else {
        vec![PathBuf::from(pattern)]
    };
    let mut files = JunitFiles::default();
    let since = started - MTIME_SLACK;
    for path in candidates {
        // Metadata never blocks, even on a named pipe: only regular files are ever opened.
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        if !metadata.is_file() {
            let kind = crate::regular::kind(metadata.file_type());
            files.irregular.push((path, kind));
            continue;
        }
        match metadata.modified() {
            Ok(modified) if modified >= since => files.fresh.push(path),
            Ok(_) => files.stale.push(path),
            Err(_) => {}
        }
    }
    files.fresh.sort();
    files
}
