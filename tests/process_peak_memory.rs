//! Peak-memory reporting of the process supervisor.
//!
//! Its own test binary (so its own process): one test raises this process's peak memory on
//! purpose, which must not leak into the other tests' figures.

use std::path::Path;
use std::time::Duration;

use greenloop::model::ProcessEnd;
use greenloop::runner::process::{self, LogLimit, ProcessOutcome, ProcessSpec, TailLimit};
use tempfile::TempDir;

fn spec(dir: &TempDir, program: &str) -> ProcessSpec {
    ProcessSpec {
        argv: vec![program.to_owned()],
        workdir: dir.path().to_owned(),
        env: Vec::new(),
        timeout: Some(Duration::from_secs(60)),
        idle_timeout: None,
        kill_grace: Duration::from_secs(5),
        log_path: dir.path().join("suite.log"),
        log_limit: LogLimit {
            head: 1024 * 1024,
            tail: 1024 * 1024,
        },
        report_tail: TailLimit::REPORT,
        redactor: Default::default(),
        cancel: Default::default(),
    }
}

fn alloc_script() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scripts/alloc.py");
    path.to_string_lossy().into_owned()
}

async fn run(program: &str) -> ProcessOutcome {
    let dir = tempfile::tempdir().unwrap();
    let outcome = process::run(spec(&dir, program)).await.unwrap();
    assert_eq!(outcome.end, ProcessEnd::Exited(0));
    outcome
}

// One test, because the steps must run in this order within the process.
#[tokio::test]
async fn peak_memory_is_the_childs_own_never_greenloops() {
    let big = run(&alloc_script()).await.peak_rss_bytes;
    let big = big.expect("200 MiB is far above this test process's peak");
    assert!(big >= 200 * 1024 * 1024, "{big}");
    eprintln!("peak rss: alloc.py {big} bytes");

    // `true` uses about 1 MiB, below this process's peak, so the kernel's figure is ours.
    assert_eq!(run("true").await.peak_rss_bytes, None);

    // After this process touched 300 MiB, neither child may be charged with it.
    let ballast = vec![1_u8; 300 * 1024 * 1024];
    assert_eq!(run("true").await.peak_rss_bytes, None);
    assert_eq!(run(&alloc_script()).await.peak_rss_bytes, None);
    drop(ballast);
}
