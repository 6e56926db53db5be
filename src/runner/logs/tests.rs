//! `read_logs` against real files, FIFOs and processes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::{MAX_FILES, READ_CAP, read_logs};
use crate::config::{DaemonConfig, LogPlan, LogSource, Template};
use crate::model::{
    Collected, DeployKind, DeployOutcome, DeployStatus, LogText, ProcessEnd, StepRun,
};
use crate::redact::Redactor;
use crate::runner::suite::SuiteContext;

const SECRET: &str = "s3cr3t-token-value";

/// Every read here must finish well within this, or something blocked.
const DEADLINE: Duration = Duration::from_secs(20);

/// A context whose report directory is `<root>/reports/demo` and logs `logs/stem` under it.
fn context(root: &Path) -> SuiteContext {
    let config = DaemonConfig::defaults(root);
    let logs_relative = PathBuf::from("logs").join("stem");
    let logs_dir = config.reports_dir.join("demo").join(&logs_relative);
    std::fs::create_dir_all(&logs_dir).unwrap();
    SuiteContext {
        config,
        values: BTreeMap::new(),
        exported_env: Vec::new(),
        loop_env: Vec::new(),
        logs_dir,
        logs_relative,
        redactor: Redactor::new([SECRET]),
        cancel: CancellationToken::new(),
    }
}

fn files(name: &str, pattern: &Path) -> LogPlan {
    LogPlan {
        name: name.to_owned(),
        source: LogSource::Files {
            pattern: pattern.display().to_string(),
        },
    }
}

fn command(name: &str, argv: &[&str]) -> LogPlan {
    LogPlan {
        name: name.to_owned(),
        source: LogSource::Command {
            argv: argv.iter().map(|a| Template::parse(a).unwrap()).collect(),
            timeout: Duration::from_secs(10),
        },
    }
}

async fn read(plans: &[LogPlan], ctx: &SuiteContext) -> Vec<LogText> {
    tokio::time::timeout(DEADLINE, read_logs(plans, ctx, None, &[]))
        .await
        .expect("reading the logs must not block")
}

fn names(logs: &[LogText]) -> Vec<&str> {
    logs.iter().map(|log| log.name.as_str()).collect()
}

/// The copy a link points to, read back from the report directory.
fn linked(ctx: &SuiteContext, log: &LogText) -> String {
    let report_dir = ctx.logs_dir.parent().unwrap().parent().unwrap();
    std::fs::read_to_string(report_dir.join(log.link.as_ref().expect("a link"))).unwrap()
}

#[tokio::test]
async fn a_file_bigger_than_the_cap_is_read_from_its_end_in_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let path = dir.path().join("app.log");
    let lines = 40_000;
    let content: String = (1..=lines)
        .map(|n| format!("line {n:06} request handled in 12 ms by worker 7\n"))
        .collect();
    assert!(content.len() as u64 > READ_CAP + READ_CAP / 2);
    std::fs::write(&path, &content).unwrap();

    let logs = read(&[files("app", &path)], &ctx).await;
    let [log] = logs.as_slice() else {
        panic!("one log expected: {logs:?}")
    };
    let first = log.text.lines().next().unwrap();
    let from: usize = first[5..11].parse().unwrap();
    // Lines count in the kept copy the link points to; the name says where it starts.
    assert_eq!(log.name, format!("app (app.log from its line {from})"));
    assert_eq!(log.first_line, 1);
    assert!(from > 1);
    assert!(log.text.len() as u64 <= READ_CAP);
    assert!(
        log.text.len() as u64 > READ_CAP - 100,
        "only a partial line is dropped"
    );
    assert!(log.text.ends_with(&format!(
        "line {lines:06} request handled in 12 ms by worker 7\n"
    )));
    assert_eq!(
        log.link.as_deref(),
        Some(Path::new("logs/stem/log-1-app-app-log.log"))
    );
    assert_eq!(linked(&ctx, log), log.text);
}

#[tokio::test]
async fn secrets_are_masked_in_the_text_and_in_the_kept_copy() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let path = dir.path().join("api.log");
    std::fs::write(
        &path,
        format!("INFO started\nERROR upstream refused Authorization: Bearer {SECRET}\n"),
    )
    .unwrap();

    let logs = read(&[files("api", &path)], &ctx).await;
    assert_eq!(
        logs[0].text,
        "INFO started\nERROR upstream refused Authorization: Bearer ***\n"
    );
    assert_eq!(logs[0].first_line, 1);
    assert!(!linked(&ctx, &logs[0]).contains(SECRET));
}

#[tokio::test]
async fn a_fifo_is_skipped_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let fifo = dir.path().join("pipe.log");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    std::fs::write(dir.path().join("app.log"), "ERROR boom\n").unwrap();
    std::fs::create_dir(dir.path().join("archive.log")).unwrap();

    // Opening the FIFO for reading would wait for a writer that never comes.
    let logs = read(
        &[
            files("direct", &fifo),
            files("glob", &dir.path().join("*.log")),
        ],
        &ctx,
    )
    .await;
    assert_eq!(names(&logs), ["glob (app.log)"]);
}

#[tokio::test]
async fn a_glob_reads_the_newest_files_first_and_at_most_sixteen() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    for n in 1..=MAX_FILES + 2 {
        let path = dir.path().join(format!("app-{n:02}.log"));
        std::fs::write(&path, format!("file {n}\n")).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(start + Duration::from_secs(n as u64))
            .unwrap();
    }

    let logs = read(&[files("app", &dir.path().join("app-*.log"))], &ctx).await;
    let expected: Vec<String> = (3..=MAX_FILES + 2)
        .rev()
        .map(|n| format!("app (app-{n:02}.log)"))
        .collect();
    assert_eq!(names(&logs), expected);
    assert_eq!(logs[0].text, format!("file {}\n", MAX_FILES + 2));
    assert_eq!(linked(&ctx, &logs[0]), logs[0].text);
}

#[tokio::test]
async fn a_command_source_runs_under_the_supervisor_and_its_log_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let script = format!("echo 'INFO up'; echo 'ERROR ws closed 1011 token={SECRET}'");
    let logs = read(&[command("api", &["sh", "-c", &script])], &ctx).await;

    let [log] = logs.as_slice() else {
        panic!("one log expected: {logs:?}")
    };
    assert_eq!(log.name, "api");
    assert_eq!(
        log.link.as_deref(),
        Some(Path::new("logs/stem/log-1-api.log"))
    );
    assert_eq!(log.first_line, 1);
    assert!(
        log.text
            .starts_with("INFO up\nERROR ws closed 1011 token=***\n"),
        "{}",
        log.text
    );
    assert!(!linked(&ctx, log).contains(SECRET));
}

#[tokio::test]
async fn a_failed_command_or_a_missing_file_gives_no_log() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let logs = read(
        &[
            command(
                "gone",
                &[
                    "sh",
                    "-c",
                    "echo 'Error: No such container: api' >&2; exit 1",
                ],
            ),
            command("absent", &["greenloop-test-no-such-program"]),
            files("missing", &dir.path().join("missing.log")),
        ],
        &ctx,
    )
    .await;
    assert!(logs.is_empty(), "{logs:?}");
}

#[tokio::test]
async fn the_deploy_and_collect_logs_come_first_named_for_their_step() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    std::fs::write(ctx.logs_dir.join("service.log"), "listening on :8000\n").unwrap();
    std::fs::write(
        ctx.logs_dir.join("collect-1-pods.log"),
        "api 0/1 CrashLoopBackOff\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("app.log"), "ERROR boom\n").unwrap();
    let deploy = DeployOutcome {
        kind: DeployKind::Service,
        command: vec!["./server".to_owned()],
        status: DeployStatus::Ready,
        duration: Duration::from_secs(1),
        readiness: None,
        revision: None,
        service_end: None,
        log: Some(PathBuf::from("logs/stem/service.log")),
        tail: String::new(),
    };
    let collected = [Collected {
        name: "pods".to_owned(),
        command: vec!["kubectl".to_owned()],
        run: StepRun::Ran {
            end: ProcessEnd::Exited(0),
            duration: Duration::from_secs(1),
        },
        output: String::new(),
        output_cut: false,
        log: Some(PathBuf::from("logs/stem/collect-1-pods.log")),
    }];
    let plans = [files("app", &dir.path().join("app.log"))];
    let logs = tokio::time::timeout(DEADLINE, read_logs(&plans, &ctx, Some(&deploy), &collected))
        .await
        .unwrap();

    assert_eq!(names(&logs), ["service", "pods", "app (app.log)"]);
    assert_eq!(logs[0].text, "listening on :8000\n");
    assert_eq!(
        logs[0].link.as_deref(),
        Some(Path::new("logs/stem/service.log"))
    );
    assert_eq!(logs[1].text, "api 0/1 CrashLoopBackOff\n");
}
