//! The history store under a real `kill -9` in the middle of recording an iteration. (What
//! recording 100,000 results costs is measured by `cargo bench --bench import`, not here.)
//!
//! The crash test re-executes this test binary, running only the ignored `crash_child` helper
//! with `GREENLOOP_STORE_CRASH_DB` set; the child records a huge iteration while the parent
//! kills it once SQLite is visibly writing.

mod store_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use greenloop::model::{Iteration, IterationRef, Outcome, TestId, TestResult, Verdict};
use greenloop::store::Store;
use store_support::*;

const CHILD_ENV: &str = "GREENLOOP_STORE_CRASH_DB";
/// Enough rows that recording takes seconds in a debug build, far longer than the parent
/// needs to see the write-ahead log grow.
const CHILD_TESTS: usize = 400_000;

/// An iteration with `count` tests, every tenth failing with a traceback.
fn big_iteration(at: IterationRef, count: usize) -> Iteration {
    let tests = (0..count)
        .map(|n| TestResult {
            id: TestId::new(
                "suite",
                &format!("tests.module_{}", n / 100),
                &format!("test_{n}"),
            ),
            suite: "suite".into(),
            outcome: if n % 10 == 0 {
                Outcome::Failed {
                    message: format!("assert {n} == 0"),
                    detail: "Traceback (most recent call last):\n  File \"x.py\"".repeat(4),
                }
            } else {
                Outcome::Passed
            },
            duration_s: Some(0.01),
            attempts: 1,
        })
        .collect();
    iteration_with(at, Verdict::Failing, tests)
}

#[test]
#[ignore = "helper: run by `finish_iteration_is_all_or_nothing_under_kill_9` in a child process"]
fn crash_child() {
    let path = std::env::var(CHILD_ENV).expect("run by the crash test, which sets the path");
    let iteration = big_iteration(at(1, 1), CHILD_TESTS);
    let mut store = Store::open(Path::new(&path)).unwrap();
    let begun = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 1), 0))
        .unwrap();
    assert_eq!(begun, at(1, 1));
    println!("begun");
    store.finish_iteration(&iteration, "stem", None).unwrap();
    println!("finished");
}

#[test]
fn finish_iteration_is_all_or_nothing_under_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // libtest prints "test crash_child ... " on the same line as the child's first output.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.ends_with("begun")),
        "the child never began its iteration"
    );
    // The transaction's pages spill into the WAL long before it commits: once the WAL is
    // several megabytes, the child is mid-write.
    let wal = dir.path().join("greenloop.db-wal");
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 8 << 20 {
        assert!(
            Instant::now() < deadline,
            "the child never wrote 8 MB of WAL"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child exited before the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let after: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        !after.iter().any(|line| line.contains("finished")),
        "killed after finish_iteration returned, so the crash proved nothing"
    );

    let mut store = Store::open(&path).unwrap();
    assert_eq!(sql_text(&path, "PRAGMA integrity_check"), "ok");
    let results = sql_int(&path, "SELECT count(*) FROM results");
    let suites = sql_int(&path, "SELECT count(*) FROM suite_results");
    let recovered = store.recover_interrupted(&name()).unwrap();
    println!("after the kill: {results} results, {suites} suites recorded");
    if results == 0 {
        // None of it: the iteration is still running, so recovery finds it.
        assert_eq!(suites, 0);
        assert_eq!(recovered.len(), 1);
        assert_eq!(recovered[0].at, at(1, 1));
        assert_eq!(
            store.history(&name()).unwrap()[0].verdict,
            Some(Verdict::Interrupted)
        );
    } else {
        // All of it: the commit landed just before the kill.
        assert_eq!(results, CHILD_TESTS as i64);
        assert_eq!(suites, 1);
        assert!(recovered.is_empty());
        assert_eq!(
            store.history(&name()).unwrap()[0].verdict,
            Some(Verdict::Failing)
        );
    }
    let next = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 2), 0))
        .unwrap();
    assert_eq!(next, at(1, 2));
}
