//! The backend's own logs, read for evidence of root causes: the `[deploy]` log, each
//! `[[collect]]`'s output, and each `[[log]]` source — a command run under the process
//! supervisor like a collect, or the newest regular files a glob matches.
//!
//! Every log is read from its end ([`READ_CAP`]) in whole lines, masked, and linked from the
//! loop's report directory; files a glob matched are copied (masked) into the iteration's logs
//! so the link keeps working after the backend rotates them. A log that cannot be read is a
//! warning in greenloop's own log, never a reason for the iteration to fail.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use futures_util::future::join_all;

use super::log_tail::{Tail, read_tail};
use super::process;
use super::step;
use super::suite::SuiteContext;
use crate::config::{LogPlan, LogSource, Template};
use crate::model::{Collected, DeployKind, DeployOutcome, LogText, ProcessEnd};
use crate::redact::Redactor;
use crate::report::files::write_atomic;

/// How much of the end of each log is read: enough for the lines around a failure, little
/// enough that every failing iteration can afford it.
pub(crate) const READ_CAP: u64 = 1024 * 1024;

/// At most this many files of a `path` glob are read, the most recently modified first.
pub(crate) const MAX_FILES: usize = 16;

/// Reads every log of a failing iteration, in this order: the deploy's (`service` or
/// `deploy`), each collect's (named by the collect), then each `[[log]]` (a `path` source
/// gives one per file, named `<name> (<file name>)`).
pub(crate) async fn read_logs(
    plans: &[LogPlan],
    ctx: &SuiteContext,
    deploy: Option<&DeployOutcome>,
    collected: &[Collected],
) -> Vec<LogText> {
    let deploy_log = deploy.and_then(|deploy| {
        let name = match deploy.kind {
            DeployKind::Service => "service",
            DeployKind::Command => "deploy",
        };
        Some((name.to_owned(), deploy.log.clone()?))
    });
    let own: Vec<(String, PathBuf)> = deploy_log
        .into_iter()
        .chain(
            collected
                .iter()
                .filter_map(|c| Some((c.name.clone(), c.log.clone()?))),
        )
        .collect();
    let report_dir = report_dir(ctx);
    let own = join_all(
        own.into_iter()
            .map(|(name, link)| read_kept(name, report_dir.join(&link), link, ctx)),
    );
    let sources = join_all(
        plans
            .iter()
            .enumerate()
            .map(|(index, plan)| read_source(index, plan, ctx)),
    );
    let (own, sources) = tokio::join!(own, sources);
    own.into_iter()
        .flatten()
        .chain(sources.into_iter().flatten())
        .collect()
}

/// The loop's report directory: the iteration's logs directory without its relative part.
fn report_dir(ctx: &SuiteContext) -> PathBuf {
    let mut dir = ctx.logs_dir.clone();
    for _ in ctx.logs_relative.components() {
        dir.pop();
    }
    dir
}

/// A log greenloop wrote itself (deploy, collect, a `[[log]]` command's output).
async fn read_kept(
    name: String,
    path: PathBuf,
    link: PathBuf,
    ctx: &SuiteContext,
) -> Option<LogText> {
    let redactor = ctx.redactor.clone();
    let shown = path.clone();
    let read = blocking(move || read_tail(&path, READ_CAP, &redactor)).await;
    match read {
        Some(Ok(Tail { text, first_line })) => Some(LogText {
            name,
            link: Some(link),
            text,
            first_line,
        }),
        Some(Err(error)) => {
            tracing::warn!("log `{name}`: failed to read {}: {error}", shown.display());
            None
        }
        None => None,
    }
}

async fn read_source(index: usize, plan: &LogPlan, ctx: &SuiteContext) -> Vec<LogText> {
    let base = format!("log-{}-{}", index + 1, step::slug(&plan.name));
    match &plan.source {
        LogSource::Command { argv, timeout } => run_command(&plan.name, &base, argv, *timeout, ctx)
            .await
            .into_iter()
            .collect(),
        LogSource::Files { pattern } => {
            let name = plan.name.clone();
            let pattern = pattern.clone();
            let logs_dir = ctx.logs_dir.clone();
            let logs_relative = ctx.logs_relative.clone();
            let redactor = ctx.redactor.clone();
            blocking(move || {
                let files = select_files(&name, &pattern);
                let mut copies = Copies::new(base, logs_dir, logs_relative);
                files
                    .iter()
                    .filter_map(|path| read_file(&name, path, &mut copies, &redactor))
                    .collect()
            })
            .await
            .unwrap_or_default()
        }
    }
}

/// Runs a `[[log]]` command under the supervisor, then reads the log it wrote. A command that
/// ran out of time still printed a log worth reading; one that could not start or failed
/// printed, at best, why it could not get the log.
async fn run_command(
    name: &str,
    base: &str,
    argv: &[Template],
    timeout: Duration,
    ctx: &SuiteContext,
) -> Option<LogText> {
    let log_name = format!("{base}.log");
    let spec = step::spec(ctx, argv, Some(timeout), &log_name, Vec::new());
    let outcome = match process::run(spec).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(
                "log `{name}`: its command did not run: {}",
                ctx.redactor.text(&error.to_string())
            );
            return None;
        }
    };
    match &outcome.end {
        ProcessEnd::Exited(0) => {}
        ProcessEnd::TimedOut { .. } => tracing::warn!(
            "log `{name}`: its command {}; reading what it printed until then",
            outcome.end.describe()
        ),
        ProcessEnd::Cancelled => return None,
        end => {
            tracing::warn!(
                "log `{name}`: its command {}, so its output is not read as the log",
                end.describe()
            );
            return None;
        }
    }
    let link = ctx.logs_relative.join(&log_name);
    read_kept(name.to_owned(), ctx.logs_dir.join(&log_name), link, ctx).await
}

/// The regular files `pattern` matches, newest first, at most [`MAX_FILES`]. Anything else it
/// matches (a FIFO, a device, a directory) is skipped after a look at its metadata, without
/// being opened: opening a FIFO would wait for a writer.
fn select_files(name: &str, pattern: &str) -> Vec<PathBuf> {
    let matches = match glob::glob(pattern) {
        Ok(matches) => matches,
        Err(error) => {
            tracing::warn!("log `{name}`: `{pattern}` is not a valid glob: {error}");
            return Vec::new();
        }
    };
    let mut files: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in matches {
        let path = match entry {
            Ok(path) => path,
            Err(error) => {
                tracing::warn!("log `{name}`: {error}");
                continue;
            }
        };
        match std::fs::metadata(&path) {
            Ok(metadata) if metadata.is_file() => {
                let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                files.push((modified, path));
            }
            Ok(_) => tracing::warn!(
                "log `{name}`: skipped {}: it is not a regular file",
                path.display()
            ),
            Err(error) => tracing::warn!("log `{name}`: skipped {}: {error}", path.display()),
        }
    }
    if files.is_empty() {
        tracing::warn!("log `{name}`: `{pattern}` matches no regular file");
    }
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if files.len() > MAX_FILES {
        tracing::info!(
            "log `{name}`: reading the newest {MAX_FILES} of the {} files `{pattern}` matches",
            files.len()
        );
        files.truncate(MAX_FILES);
    }
    files.into_iter().map(|(_, path)| path).collect()
}

/// Reads one file of a `path` source and keeps a masked copy of what was read.
fn read_file(name: &str, path: &Path, copies: &mut Copies, redactor: &Redactor) -> Option<LogText> {
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let Tail { text, first_line } = match read_tail(path, READ_CAP, redactor) {
        Ok(tail) => tail,
        Err(error) => {
            tracing::warn!("log `{name}`: skipped {}: {error}", path.display());
            return None;
        }
    };
    let link = copies.write(&file_name, &text).map_or_else(
        |error| {
            tracing::warn!(
                "log `{name}`: failed to keep a copy of {}: {error}",
                path.display()
            );
            None
        },
        Some,
    );
    // Line numbers follow the link: the copy starts with the first line read, so a quoted line
    // number counts in the copy, and the name says where the copy starts in the original.
    let (name, first_line) = match (&link, first_line) {
        (Some(_), 1) => (format!("{name} ({file_name})"), 1),
        (Some(_), from) => (format!("{name} ({file_name} from its line {from})"), 1),
        (None, from) => (format!("{name} ({file_name})"), from),
    };
    Some(LogText {
        name,
        link,
        text,
        first_line,
    })
}

/// Names and writes the copies of one `path` source's files: `<base>-<file>.log`, with a
/// number added when two files' names make the same one.
struct Copies {
    base: String,
    logs_dir: PathBuf,
    logs_relative: PathBuf,
    used: HashSet<String>,
}

impl Copies {
    fn new(base: String, logs_dir: PathBuf, logs_relative: PathBuf) -> Self {
        Self {
            base,
            logs_dir,
            logs_relative,
            used: HashSet::new(),
        }
    }

    /// Writes `text` as the copy of `file_name`; returns its link.
    fn write(&mut self, file_name: &str, text: &str) -> std::io::Result<PathBuf> {
        let stem = format!("{}-{}", self.base, step::slug(file_name));
        let mut copy = format!("{stem}.log");
        let mut n = 1;
        while !self.used.insert(copy.clone()) {
            n += 1;
            copy = format!("{stem}-{n}.log");
        }
        write_atomic(&self.logs_dir.join(&copy), text.as_bytes())?;
        Ok(self.logs_relative.join(copy))
    }
}

/// Runs file work on the blocking pool, so a slow disk or a long count of lines does not hold
/// a runtime thread; `None` if the work panicked.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::warn!("reading a log failed: {error}");
            None
        }
    }
}

#[cfg(test)]
mod tests;
