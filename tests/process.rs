//! Integration tests of the process supervisor against tiny fixture scripts.

use std::path::Path;
use std::time::{Duration, Instant};

use greenloop::model::ProcessEnd;
use greenloop::redact::Redactor;
use greenloop::runner::process::{
    self, LogLimit, ProcessError, ProcessOutcome, ProcessSpec, TailLimit,
};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// How long a condition that should hold "at once" may take on a loaded 2-core machine.
const DEADLINE: Duration = Duration::from_secs(10);

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scripts")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A spec for `argv` in a fresh temp dir, with generous limits each test narrows.
fn spec(dir: &TempDir, argv: &[impl AsRef<str>]) -> ProcessSpec {
    ProcessSpec {
        argv: argv.iter().map(|arg| arg.as_ref().to_owned()).collect(),
        workdir: dir.path().to_owned(),
        env: Vec::new(),
        timeout: Some(Duration::from_secs(60)),
        idle_timeout: None,
        kill_grace: Duration::from_secs(5),
        log_path: dir.path().join("logs/suite.log"),
        log_limit: LogLimit {
            head: 1024 * 1024,
            tail: 1024 * 1024,
        },
        report_tail: TailLimit::REPORT,
        redactor: Redactor::default(),
        cancel: CancellationToken::new(),
    }
}

/// Where a fixture writes the pid of the process a test checks on.
fn pid_file(dir: &TempDir) -> String {
    dir.path().join("pid").to_string_lossy().into_owned()
}

fn log_text(spec: &ProcessSpec) -> String {
    String::from_utf8(std::fs::read(&spec.log_path).unwrap()).unwrap()
}

async fn run_ok(spec: ProcessSpec) -> ProcessOutcome {
    process::run(spec).await.expect("the run succeeds")
}

/// Polls `check` until it returns `Some`, failing the test after [`DEADLINE`].
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let give_up = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < give_up, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn read_pid(path: &str) -> i32 {
    eventually("the pid file", || {
        let text = std::fs::read_to_string(path).ok()?;
        text.trim().parse().ok()
    })
    .await
}

/// Whether `pid` is a live process (a zombie waiting for its reaper counts as dead).
fn is_alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

async fn assert_dies(pid: i32) {
    eventually(&format!("process {pid} to die"), || {
        (!is_alive(pid)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_passing_suite_logs_both_outputs_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&dir, &[&script("pass.sh")]);
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    let log = log_text(&spec);
    assert!(log.contains("hello from pass\n"), "{log}");
    assert!(log.contains("a warning on stderr\n"), "{log}");
    assert!(log.ends_with("[greenloop: exited with code 0]\n"), "{log}");
    let output = "hello from pass\na warning on stderr\n";
    assert_eq!(outcome.output_bytes, output.len() as u64);
    assert_eq!(outcome.cut_bytes, 0);
    assert!(outcome.tail.contains("hello from pass\n"));
    assert!(outcome.tail.contains("a warning on stderr\n"));
    assert!(!outcome.leaked_output);
}

#[tokio::test]
async fn a_failing_suite_reports_its_exit_code_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&dir, &[&script("fail.sh")]);
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(outcome.end, ProcessEnd::Exited(3));
    assert!(log_text(&spec).contains("assertion failed: expected 200, got 500\n"));
    assert!(outcome.tail.contains("assertion failed"));
}

#[tokio::test]
async fn a_hang_times_out_and_sigterm_ends_it_without_waiting_for_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("hang.sh"), &pid_file(&dir)]);
    spec.timeout = Some(Duration::from_secs(1));
    spec.kill_grace = Duration::from_secs(30);
    let started = Instant::now();
    let outcome = run_ok(spec.clone()).await;

    let after = Duration::from_secs(1);
    assert_eq!(outcome.end, ProcessEnd::TimedOut { after });
    assert!(outcome.duration >= after, "{:?}", outcome.duration);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "SIGKILL grace was waited for"
    );
    assert!(log_text(&spec).contains("started\n[greenloop: timed out after 1s]\n"));
    assert_dies(read_pid(&pid_file(&dir)).await).await;
}

#[tokio::test]
async fn a_hang_kills_the_grandchild_holding_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let argv = [&script("hang_with_grandchild.sh"), &pid_file(&dir)];
    let mut spec = spec(&dir, &argv);
    // The idle limit counts from the last output, which comes after the pid file is written.
    spec.idle_timeout = Some(Duration::from_millis(300));
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(
        outcome.end,
        ProcessEnd::Idle {
            after: Duration::from_millis(300)
        }
    );
    assert!(!outcome.leaked_output);
    assert_dies(read_pid(&pid_file(&dir)).await).await;
}

#[tokio::test]
async fn a_grandchild_left_by_a_successful_suite_is_killed_and_output_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let argv = [&script("orphan_after_success.sh"), &pid_file(&dir)];
    let spec = spec(&dir, &argv);
    let started = Instant::now();
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    // The grandchild sleeps 1000 s holding stdout: returning at all means it was dealt with.
    assert!(started.elapsed() < DEADLINE);
    assert!(
        !outcome.leaked_output,
        "it was in the group, so killing it closed the pipe"
    );
    assert!(log_text(&spec).contains("suite done\n"));
    assert_dies(read_pid(&pid_file(&dir)).await).await;
}

#[tokio::test]
async fn a_process_outside_the_group_holding_stdout_is_reported_as_leaked_output() {
    let dir = tempfile::tempdir().unwrap();
    let argv = [&script("escape_group.sh"), &pid_file(&dir)];
    let spec = spec(&dir, &argv);
    let started = Instant::now();
    let outcome = run_ok(spec.clone()).await;
    let escapee = read_pid(&pid_file(&dir)).await;
    // It left the group, so greenloop cannot kill it; the test cleans up after itself.
    let escapee_alive = is_alive(escapee);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(escapee),
        nix::sys::signal::Signal::SIGKILL,
    );

    assert!(escapee_alive);
    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    assert!(outcome.leaked_output);
    assert!(started.elapsed() < DEADLINE);
    let log = log_text(&spec);
    assert!(log.contains("suite done\n"), "{log}");
    assert!(log.contains("[greenloop: stopped reading: a process outside the group"));
}

#[tokio::test]
async fn idle_output_ends_the_run_as_idle_and_keeps_what_was_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("idle.sh")]);
    spec.idle_timeout = Some(Duration::from_millis(300));
    let outcome = run_ok(spec.clone()).await;

    let after = Duration::from_millis(300);
    assert_eq!(outcome.end, ProcessEnd::Idle { after });
    assert!(outcome.end.is_hang());
    assert_eq!(
        log_text(&spec),
        "starting\n[greenloop: hung: no output for 300ms]\n"
    );
    assert_eq!(outcome.tail, "starting\n");
}

#[tokio::test]
async fn steady_output_keeps_a_slow_suite_under_the_idle_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("ticking.sh")]);
    // The suite runs ~1 s in total but never goes more than ~100 ms without output.
    spec.idle_timeout = Some(Duration::from_millis(600));
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    assert!(outcome.duration > Duration::from_millis(600));
    assert!(log_text(&spec).contains("tick 10\n"));
}

#[tokio::test]
async fn a_suite_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("ignore_term.sh"), &pid_file(&dir)]);
    // Idle counts from "ready", printed after the trap is set, so SIGTERM is surely ignored.
    spec.idle_timeout = Some(Duration::from_millis(200));
    spec.kill_grace = Duration::from_millis(500);
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(
        outcome.end,
        ProcessEnd::Idle {
            after: Duration::from_millis(200)
        }
    );
    // It outlived SIGTERM for the whole grace: only SIGKILL ended it.
    assert!(
        outcome.duration >= Duration::from_millis(700),
        "{:?}",
        outcome.duration
    );
    assert_dies(read_pid(&pid_file(&dir)).await).await;
}

#[tokio::test]
async fn cancelling_kills_the_group_and_ends_as_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let argv = [&script("hang_with_grandchild.sh"), &pid_file(&dir)];
    let spec = spec(&dir, &argv);
    let cancel = spec.cancel.clone();
    let run = tokio::spawn(process::run(spec.clone()));
    let grandchild = read_pid(&pid_file(&dir)).await;
    cancel.cancel();
    let outcome = run.await.unwrap().unwrap();

    assert_eq!(outcome.end, ProcessEnd::Cancelled);
    assert!(log_text(&spec).ends_with("[greenloop: interrupted]\n"));
    assert_dies(grandchild).await;
}

#[tokio::test]
async fn abandoning_a_run_kills_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let argv = [&script("hang_with_grandchild.sh"), &pid_file(&dir)];
    let run = tokio::spawn(process::run(spec(&dir, &argv)));
    let grandchild = read_pid(&pid_file(&dir)).await;
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());

    assert_dies(grandchild).await;
}

#[tokio::test]
async fn a_signal_greenloop_did_not_send_is_reported_as_signaled() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&dir, &[&script("killed_by_signal.sh")]);
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(outcome.end, ProcessEnd::Signaled(libc::SIGKILL));
    assert!(log_text(&spec).contains("about to crash\n[greenloop: killed by signal 9]\n"));
}

#[tokio::test]
async fn a_flood_of_output_costs_neither_memory_nor_disk() {
    const FLOOD: u64 = 1_100_000_000;
    const HEAD: u64 = 1024 * 1024;
    const TAIL: u64 = 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("flood.sh"), &FLOOD.to_string()]);
    spec.log_limit = LogLimit {
        head: HEAD,
        tail: TAIL,
    };
    let started = Instant::now();
    let outcome = run_ok(spec.clone()).await;
    let elapsed = started.elapsed();

    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    assert_eq!(outcome.output_bytes, FLOOD);
    assert_eq!(outcome.cut_bytes, FLOOD - HEAD - TAIL);
    let log = std::fs::read(&spec.log_path).unwrap();
    let marker = format!("\n[greenloop: {} bytes cut]\n", FLOOD - HEAD - TAIL);
    // The flood stops mid-line, so greenloop's closing line starts with a newline of its own.
    let closing = "\n[greenloop: exited with code 0]\n";
    assert_eq!(
        log.len() as u64,
        HEAD + TAIL + (marker.len() + closing.len()) as u64
    );
    let line = b"flood line: the quick brown fox jumps over the lazy dog\n";
    assert!(log.starts_with(line));
    let marker_at = HEAD as usize;
    assert_eq!(&log[marker_at..marker_at + marker.len()], marker.as_bytes());
    assert!(log.ends_with(closing.as_bytes()));
    // Had the output been buffered, this test process would have peaked above 1 GB.
    let peak = peak_memory_of_this_process();
    assert!(peak < 200 * 1024 * 1024, "{peak}");
    eprintln!(
        "flood: {} MB in {elapsed:?} ({:.0} MB/s), log {} bytes",
        FLOOD / 1_000_000,
        FLOOD as f64 / 1e6 / elapsed.as_secs_f64(),
        log.len()
    );
}

/// This test process's peak resident memory (`VmHWM`), in bytes.
fn peak_memory_of_this_process() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn non_utf8_output_is_logged_byte_for_byte_and_the_tail_is_lossy() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&dir, &[&script("non_utf8.sh")]);
    let outcome = run_ok(spec.clone()).await;

    let log = std::fs::read(&spec.log_path).unwrap();
    assert!(log.starts_with(b"caf\xe9 \xff\xfe bytes\n"));
    assert_eq!(outcome.tail, "caf\u{fffd} \u{fffd}\u{fffd} bytes\n");
}

#[tokio::test]
async fn a_secret_echoed_by_the_suite_never_reaches_the_log_or_the_tail() {
    let secret = "s3cr3t-t0ken-value";
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("secret.sh")]);
    spec.env = vec![("GREENLOOP_TEST_SECRET".to_owned(), secret.to_owned())];
    spec.redactor = Redactor::new([secret]);
    let outcome = run_ok(spec.clone()).await;

    let log = log_text(&spec);
    assert!(!log.contains(secret), "{log}");
    assert!(log.contains("connecting with token=***\n"), "{log}");
    assert!(log.contains("auth failed for ***\n"), "{log}");
    assert!(!outcome.tail.contains(secret));
    assert!(outcome.tail.contains("token=***"));
}

#[tokio::test]
async fn a_missing_program_is_named_in_the_error_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&dir, &["greenloop-no-such-program", "--flag"]);
    let error = process::run(spec.clone()).await.unwrap_err();

    assert!(matches!(error, ProcessError::Spawn { .. }), "{error:?}");
    let message = error.to_string();
    assert_eq!(
        message,
        "failed to start `greenloop-no-such-program`: program not found on PATH \
         (or the interpreter on its #! line is missing)"
    );
    assert_eq!(log_text(&spec), format!("[greenloop: {message}]\n"));
}

#[tokio::test]
async fn a_file_that_is_not_executable_says_permission_denied() {
    let dir = tempfile::tempdir().unwrap();
    let program = script("not_executable.sh");
    let error = process::run(spec(&dir, &[&program])).await.unwrap_err();

    assert_eq!(
        error.to_string(),
        format!("failed to start `{program}`: permission denied (is the file executable?)")
    );
}

#[tokio::test]
async fn a_missing_workdir_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("pass.sh")]);
    spec.workdir = dir.path().join("no-such-dir");
    let error = process::run(spec).await.unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "failed to start in working directory `{}`: it does not exist",
            dir.path().join("no-such-dir").display()
        )
    );
}

#[tokio::test]
async fn a_relative_program_path_is_resolved_against_the_workdir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(script("pass.sh"), dir.path().join("run.sh")).unwrap();
    let spec = spec(&dir, &["./run.sh"]);
    let outcome = run_ok(spec.clone()).await;

    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    assert!(log_text(&spec).contains("hello from pass\n"));
}

#[tokio::test]
async fn a_log_that_cannot_be_created_fails_before_the_suite_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("hang.sh"), &pid_file(&dir)]);
    // A regular file where the log's parent directory should be.
    std::fs::write(dir.path().join("not-a-dir"), "").unwrap();
    spec.log_path = dir.path().join("not-a-dir/suite.log");
    let error = process::run(spec.clone()).await.unwrap_err();

    assert!(matches!(error, ProcessError::Log { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("failed to write the log `{}`", spec.log_path.display())
    );
    assert!(!Path::new(&pid_file(&dir)).exists(), "the suite ran");
}

#[tokio::test]
async fn a_run_cancelled_before_it_starts_ends_at_once_as_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(&dir, &[&script("idle.sh")]);
    spec.kill_grace = Duration::from_secs(30);
    spec.cancel.cancel();
    let started = Instant::now();
    let outcome = run_ok(spec).await;

    assert_eq!(outcome.end, ProcessEnd::Cancelled);
    assert!(started.elapsed() < DEADLINE);
}

/// A limit as long as a `Duration` can be must mean "never", not a panic adding it to a clock
/// (config refuses such values, but nothing downstream may rely on that alone).
#[tokio::test]
async fn the_longest_limits_mean_never_and_never_panic() {
    let dir = TempDir::new().unwrap();
    let mut spec = spec(&dir, &["sh", "-c", "echo done"]);
    spec.timeout = Some(Duration::MAX);
    spec.idle_timeout = Some(Duration::MAX);
    spec.kill_grace = Duration::MAX;
    let outcome = run_ok(spec).await;
    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    // Cancelled mid-run, the kill grace as long as it can be still ends the command.
    let mut spec = self::spec(&dir, &["sh", "-c", "touch started; exec sleep 30"]);
    spec.timeout = Some(Duration::MAX);
    spec.kill_grace = Duration::MAX;
    let cancel = spec.cancel.clone();
    let started = dir.path().join("started");
    let run = tokio::spawn(process::run(spec));
    eventually("the command started", || started.exists().then_some(())).await;
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("a cancelled run ends")
        .expect("no panic")
        .expect("the run succeeds");
    assert_eq!(outcome.end, ProcessEnd::Cancelled);
}
