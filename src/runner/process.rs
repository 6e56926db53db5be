//! The process supervisor: runs one suite command to its end and keeps a capped, redacted log.
//!
//! Each command runs in its own process group with stdin closed. Its stdout and stderr are
//! read concurrently and interleaved by arrival into one log. A whole-run `timeout`, an
//! `idle_timeout` (no output) or cancellation sends SIGTERM to the group, then SIGKILL after
//! `kill_grace`; when the command exits, whatever is left in its group is killed. The log is
//! created before the command starts, so a command that cannot start still leaves a log that
//! says why.

use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tokio::net::unix::pipe::Receiver;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::child::{Group, Reaped, Status, spawner_peak_rss};
use super::output::{CappedLog, PIPE_GRACE, drain};
pub use super::output::{LogLimit, TailLimit};
use crate::model::ProcessEnd;
use crate::redact::Redactor;

/// Everything needed to run one suite command.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// The program and its arguments, never passed through a shell. A relative program path
    /// containing a slash (`./run.sh`) is resolved against `workdir`; a bare name uses `PATH`.
    pub argv: Vec<String>,
    /// The directory the command runs in; it must exist.
    pub workdir: PathBuf,
    /// Variables added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// Limit on the whole run.
    pub timeout: Option<Duration>,
    /// Limit on a stretch with no output on stdout or stderr; longer counts as a hang.
    pub idle_timeout: Option<Duration>,
    /// Time between SIGTERM to the group and SIGKILL to the group.
    pub kill_grace: Duration,
    /// The combined stdout+stderr log; its parent directories are created.
    pub log_path: PathBuf,
    /// How much output the log keeps.
    pub log_limit: LogLimit,
    /// How much of the output's end [`ProcessOutcome::tail`] keeps.
    pub report_tail: TailLimit,
    /// Masks secrets in everything written to the log and the tail.
    pub redactor: Redactor,
    /// Cancelling it kills the group and ends the run as [`ProcessEnd::Cancelled`].
    pub cancel: CancellationToken,
}

/// How a run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessOutcome {
    /// How the process ended.
    pub end: ProcessEnd,
    /// From spawn to the exit of the command.
    pub duration: Duration,
    /// Peak resident memory of the command (or of a descendant it waited for), from `wait4`.
    /// `None` when that peak is not above greenloop's own peak at spawn time, because Linux
    /// reports the larger of the two and the command's own figure is then unknown.
    pub peak_rss_bytes: Option<u64>,
    /// Total bytes the process wrote to stdout and stderr.
    pub output_bytes: u64,
    /// Bytes of (redacted) output not kept in the log.
    pub cut_bytes: u64,
    /// The end of the output (as much as [`ProcessSpec::report_tail`] allows), redacted and
    /// lossily decoded, for the report.
    pub tail: String,
    /// Whether older output was left out of `tail`.
    pub tail_cut: bool,
    /// A leftover process outside the group kept stdout/stderr open after the command exited;
    /// greenloop stopped reading after a short grace, so later output is missing.
    pub leaked_output: bool,
    /// Why the log could not be written in full (a full disk); the outcome stands.
    pub log_error: Option<String>,
}

/// Why a command could not be run or its log could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The command has no program.
    #[error("failed to start a command: it is empty")]
    EmptyCommand,
    /// The working directory is missing or not a directory.
    #[error("failed to start in working directory `{}`: {}", path.display(), workdir_cause(source))]
    Workdir {
        /// The working directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The program could not be started.
    #[error("failed to start `{program}`: {}", spawn_cause(program, source))]
    Spawn {
        /// The program as given in the command.
        program: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The log could not be created or written.
    #[error("failed to write the log `{}`", path.display())]
    Log {
        /// The log file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// Waiting for or reading from the process failed.
    #[error("failed to supervise `{program}`")]
    Supervise {
        /// The program as given in the command.
        program: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

fn workdir_cause(error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::NotFound => "it does not exist",
        io::ErrorKind::NotADirectory => "it is not a directory",
        io::ErrorKind::PermissionDenied => "permission denied",
        _ => "it cannot be used",
    }
}

fn spawn_cause(program: &str, error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::NotFound if program.contains('/') => {
            "no such file (or the interpreter on its #! line is missing)"
        }
        io::ErrorKind::NotFound => {
            "program not found on PATH (or the interpreter on its #! line is missing)"
        }
        io::ErrorKind::PermissionDenied => "permission denied (is the file executable?)",
        _ if error.raw_os_error() == Some(libc::ENOEXEC) => {
            "not an executable format (does the script start with a #! line?)"
        }
        _ => "the operating system refused",
    }
}

/// Runs the command in `spec` to its end; see the module docs for the rules.
pub async fn run(spec: ProcessSpec) -> Result<ProcessOutcome, ProcessError> {
    let log_error = |source| ProcessError::Log {
        path: spec.log_path.clone(),
        source,
    };
    let mut log = CappedLog::create(&spec.log_path, spec.log_limit)
        .await
        .map_err(log_error)?;
    log.keep_tail(spec.report_tail);
    let started = match spawn(&spec) {
        Ok(started) => started,
        Err(error) => {
            // The error says why it could not start; a log that could not be written too adds
            // nothing to it.
            let _ = log.finish(&[error.to_string()]).await;
            return Err(error);
        }
    };
    let Started {
        group,
        watcher,
        stdout,
        stderr,
        at: start,
        spawner_peak_rss,
    } = started;

    let activity = AtomicU64::new(0);
    let exited = CancellationToken::new();
    let supervise = async {
        let result = supervise(&spec, &group, watcher, start, &activity).await;
        exited.cancel();
        result
    };
    let drain = drain(
        [stdout, stderr],
        &mut log,
        &spec.redactor,
        start,
        &activity,
        &exited,
    );
    let ((end, reaped), (output_bytes, leaked_output)) = tokio::join!(supervise, drain);
    let reaped = match reaped {
        Ok(reaped) => reaped,
        Err(source) => {
            let error = ProcessError::Supervise {
                program: spec.argv[0].clone(),
                source,
            };
            // Keep what the suite printed; the error itself matters more than a log failure.
            let _ = log.finish(&[error.to_string()]).await;
            return Err(error);
        }
    };

    let mut notes = vec![end.describe()];
    if leaked_output {
        notes.push(format!(
            "stopped reading: a process outside the group kept the output open {} after exit",
            humantime::format_duration(PIPE_GRACE)
        ));
    }
    let summary = log.finish(&notes).await;
    if let Some(error) = &summary.write_error {
        tracing::warn!("the log {} is incomplete: {error}", spec.log_path.display());
    }
    Ok(ProcessOutcome {
        end,
        duration: reaped.exited_at.saturating_duration_since(start),
        peak_rss_bytes: reaped
            .max_rss_bytes
            .filter(|&rss| spawner_peak_rss.is_some_and(|spawner| rss > spawner)),
        output_bytes,
        cut_bytes: summary.cut_bytes,
        tail: summary.tail,
        tail_cut: summary.tail_cut,
        leaked_output,
        log_error: summary.write_error.map(|e| e.to_string()),
    })
}

/// A command that has just started.
struct Started {
    group: Group,
    watcher: JoinHandle<io::Result<Reaped>>,
    stdout: Receiver,
    stderr: Receiver,
    at: Instant,
    /// greenloop's peak memory just after the spawn, which the child's own figure must exceed.
    spawner_peak_rss: Option<u64>,
}

/// Starts the command in its own process group, with stdin closed and both outputs piped.
fn spawn(spec: &ProcessSpec) -> Result<Started, ProcessError> {
    let (program, args) = spec.argv.split_first().ok_or(ProcessError::EmptyCommand)?;
    check_workdir(&spec.workdir)?;
    let program_path = resolve_program(program, &spec.workdir);
    let spawn_error = |source| ProcessError::Spawn {
        program: program.clone(),
        source,
    };
    // Before the spawn: on a loaded machine `spawn` can return well after the command began,
    // and a duration measured from then would undercount (a `sleep 0.1` suite once measured
    // under 0.1 s in the daemon tests).
    let at = Instant::now();
    let mut child = Command::new(program_path)
        .args(args)
        .current_dir(&spec.workdir)
        .envs(spec.env.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(spawn_error)?;
    let spawner_peak_rss = spawner_peak_rss();
    let supervise_error = |source| ProcessError::Supervise {
        program: program.clone(),
        source,
    };
    // From here on, an early return drops `group`, which kills the command.
    let (group, watcher) = Group::watch(child.id()).map_err(supervise_error)?;
    let stdout = child.stdout.take().map(OwnedFd::from);
    let stderr = child.stderr.take().map(OwnedFd::from);
    let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
        unreachable!("both outputs were configured as pipes");
    };
    Ok(Started {
        group,
        watcher,
        stdout: Receiver::from_owned_fd(stdout).map_err(supervise_error)?,
        stderr: Receiver::from_owned_fd(stderr).map_err(supervise_error)?,
        at,
        spawner_peak_rss,
    })
}

/// Fails early with a clear message, since a missing workdir would otherwise surface as the
/// same "not found" as a missing program.
fn check_workdir(workdir: &Path) -> Result<(), ProcessError> {
    let workdir_error = |source| ProcessError::Workdir {
        path: workdir.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(workdir).map_err(workdir_error)?;
    if metadata.is_dir() {
        Ok(())
    } else {
        Err(workdir_error(io::ErrorKind::NotADirectory.into()))
    }
}

/// Resolves `./x`-style programs against the workdir, because which directory the OS uses for
/// them is platform-specific; bare names are left for the `PATH` search.
fn resolve_program(program: &str, workdir: &Path) -> PathBuf {
    let path = Path::new(program);
    if program.contains('/') && path.is_relative() {
        workdir.join(path)
    } else {
        path.to_owned()
    }
}

/// Where the supervisor is in stopping the command.
enum Stop {
    /// Left alone: waiting for it to exit, a deadline, or cancellation.
    No,
    /// SIGTERM sent because of `end`; SIGKILL follows at `kill_at`.
    Terminating { end: ProcessEnd, kill_at: Instant },
    /// SIGKILL sent because of `end`; only the exit is left to wait for.
    Killed { end: ProcessEnd },
}

/// Waits for the command to exit, stopping it on a deadline or cancellation; returns how it
/// ended and what its reaping reported.
async fn supervise(
    spec: &ProcessSpec,
    group: &Group,
    mut watcher: JoinHandle<io::Result<Reaped>>,
    start: Instant,
    activity: &AtomicU64,
) -> (ProcessEnd, io::Result<Reaped>) {
    let mut stop = Stop::No;
    let reaped = loop {
        let deadline = match &stop {
            Stop::No => next_deadline(spec, start, activity),
            Stop::Terminating { kill_at, .. } => Some(*kill_at),
            Stop::Killed { .. } => None,
        };
        // Whatever the state, the watcher finishing (the command exited and was reaped) ends
        // the loop; cancellation only matters while the command is left alone; the deadline
        // is the next timeout while left alone, and the SIGKILL time while terminating.
        // Biased so that a command that exited just as a limit passed counts as exited.
        tokio::select! {
            biased;
            joined = &mut watcher => {
                break joined.unwrap_or_else(|panic| Err(io::Error::other(panic)));
            }
            () = spec.cancel.cancelled(), if matches!(stop, Stop::No) => {
                stop = terminate(group, ProcessEnd::Cancelled, spec.kill_grace);
            }
            () = tokio::time::sleep_until(deadline.unwrap_or(start).into()), if deadline.is_some() => {
                stop = match stop {
                    Stop::No => match overdue(spec, start, activity) {
                        Some(end) => terminate(group, end, spec.kill_grace),
                        // Output arrived since the deadline was computed.
                        None => Stop::No,
                    },
                    Stop::Terminating { end, .. } | Stop::Killed { end } => {
                        group.signal(Signal::SIGKILL);
                        Stop::Killed { end }
                    }
                };
            }
        }
    };
    let end = match (stop, &reaped) {
        (Stop::Terminating { end, .. } | Stop::Killed { end }, _) => end,
        (Stop::No, Ok(reaped)) => match reaped.status {
            Status::Code(code) => ProcessEnd::Exited(code),
            Status::Signal(signal) => ProcessEnd::Signaled(signal),
        },
        // The end is unknown; the caller reports the reaping error instead.
        (Stop::No, Err(_)) => ProcessEnd::Cancelled,
    };
    (end, reaped)
}

/// Sends SIGTERM to the group because of `end` and schedules the SIGKILL.
fn terminate(group: &Group, end: ProcessEnd, kill_grace: Duration) -> Stop {
    group.signal(Signal::SIGTERM);
    Stop::Terminating {
        end,
        kill_at: crate::deadline::after(Instant::now(), kill_grace),
    }
}

/// The earlier of the whole-run deadline and the idle deadline, if either is set.
fn next_deadline(spec: &ProcessSpec, start: Instant, activity: &AtomicU64) -> Option<Instant> {
    let timeout_at = spec
        .timeout
        .map(|timeout| crate::deadline::after(start, timeout));
    let idle_at = spec
        .idle_timeout
        .map(|idle| crate::deadline::after(last_output(start, activity), idle));
    timeout_at.into_iter().chain(idle_at).min()
}

/// Which limit, if any, the command has passed by now.
fn overdue(spec: &ProcessSpec, start: Instant, activity: &AtomicU64) -> Option<ProcessEnd> {
    let now = Instant::now();
    if let Some(after) = spec.timeout
        && now >= crate::deadline::after(start, after)
    {
        return Some(ProcessEnd::TimedOut { after });
    }
    if let Some(after) = spec.idle_timeout
        && now >= crate::deadline::after(last_output(start, activity), after)
    {
        return Some(ProcessEnd::Idle { after });
    }
    None
}

/// When output last arrived (or the start, before any did).
fn last_output(start: Instant, activity: &AtomicU64) -> Instant {
    start + Duration::from_nanos(activity.load(Ordering::Relaxed))
}
