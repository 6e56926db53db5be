//! Builders for history-store tests: iterations with chosen tests, verdicts and diffs.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use greenloop::model::{
    Cluster, Diff, Host, Iteration, IterationRef, LoopName, Outcome, ProcessEnd, ProcessRun,
    ResultSource, SuiteResult, SuiteRun, TestId, TestResult, Totals, Verdict,
};

/// The loop definition every store test uses.
pub fn name() -> LoopName {
    LoopName::new("staging").unwrap()
}

/// Loop `l`, Iteration `i`.
pub fn at(l: u32, i: u32) -> IterationRef {
    IterationRef {
        loop_number: l,
        iteration: i,
    }
}

/// A fixed, distinct time per iteration so stored times can be compared exactly.
pub fn time(at: IterationRef, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, at.loop_number, at.iteration, minute, 0)
        .unwrap()
}

/// The id of test `name` in suite `api`.
pub fn id(name: &str) -> TestId {
    TestId::new("api", "c", name)
}

/// A failure with `message` and a short traceback.
pub fn fail(message: &str) -> Outcome {
    Outcome::Failed {
        message: message.into(),
        detail: format!("Traceback: {message}"),
    }
}

/// An iteration of `name()` at `at` with one suite `api` holding `tests`, named by their
/// last id part.
pub fn iteration(at: IterationRef, verdict: Verdict, tests: Vec<(&str, Outcome)>) -> Iteration {
    let tests: Vec<TestResult> = tests
        .into_iter()
        .map(|(name, outcome)| TestResult {
            id: id(name),
            suite: "api".into(),
            outcome,
            duration_s: Some(0.25),
            attempts: 1,
        })
        .collect();
    iteration_with(at, verdict, tests)
}

/// An iteration of `name()` at `at` with one suite `api` holding `tests` as given.
pub fn iteration_with(at: IterationRef, verdict: Verdict, tests: Vec<TestResult>) -> Iteration {
    let suites = if tests.is_empty() {
        vec![]
    } else {
        vec![suite("api", tests)]
    };
    Iteration {
        loop_name: name(),
        title: "Staging".into(),
        focus: None,
        environment: None,
        loop_number: at.loop_number,
        number: at.iteration,
        trigger: "manual (cli)".into(),
        started_at: time(at, 0),
        finished_at: time(at, 5),
        totals: Totals::count(suites.iter().flat_map(|s: &SuiteResult| &s.tests)),
        suites,
        verdict,
        error: (verdict == Verdict::Error).then(|| "deploy failed".to_owned()),
        integrity: vec![],
        probes: vec![],
        host: Host::current(),
        diff: Diff::default(),
        clusters: Vec::new(),
        resolved_clusters: Vec::new(),
        root_causes: Vec::new(),
        resolved_root_causes: Vec::new(),
        previous_fix: None,
        deployed: None,
        targets: Vec::new(),
        runners: Vec::new(),
        deploy: None,
        collected: Vec::new(),
    }
}

fn suite(name: &str, tests: Vec<TestResult>) -> SuiteResult {
    SuiteResult {
        name: name.into(),
        critical: true,
        impact: None,
        command: vec!["pytest".into()],
        run: SuiteRun::Ran(ProcessRun {
            end: ProcessEnd::Exited(1),
            duration: Duration::from_secs(3),
            peak_rss_bytes: None,
            output_bytes: 0,
            cut_bytes: 0,
            leaked_output: false,
            tail: String::new(),
        }),
        source: ResultSource::ExitCode,
        declared_tests: None,
        log: None,
        tests,
        notes: vec![],
    }
}

/// A cluster of `tests` with `signature`, first seen at `first_seen`.
pub fn cluster(signature: &str, tests: &[&str], first_seen: IterationRef) -> Cluster {
    Cluster {
        signature: signature.into(),
        example: signature.into(),
        tests: tests.iter().map(|t| id(t)).collect(),
        critical: true,
        first_seen,
    }
}

/// Runs `sql` returning one integer against the database file directly.
pub fn sql_int(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Runs `sql` returning one text value against the database file directly.
pub fn sql_text(path: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
