//! Root causes over real JUnit: every failure in the corpus of real files from many producers
//! (pytest, unittest, jest, mocha, Surefire/Gradle, PHPUnit, go, Bazel, …), read as one
//! iteration, must stay apart — none of them shares a specific fact with another — and each
//! cause's headline and action must read as plain text.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use greenloop::model::{
    IterationRef, ProcessEnd, ProcessRun, ResultSource, SuiteResult, SuiteRun, TestId, TestResult,
};

fn corpus_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            corpus_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "xml") {
            found.push(path);
        }
    }
}

/// Each readable corpus file as a suite of its own.
fn corpus_suites() -> Vec<SuiteResult> {
    let mut files = Vec::new();
    corpus_files(&common::fixture("junit"), &mut files);
    files.sort();
    files
        .iter()
        .enumerate()
        .filter_map(|(i, path)| {
            let run = greenloop::junit::read_file(path).ok()?;
            let name = format!("s{i}");
            let tests = run
                .cases
                .into_iter()
                .map(|case| TestResult {
                    id: TestId::new(&name, &case.classname, &case.name),
                    suite: name.clone(),
                    outcome: case.outcome,
                    duration_s: case.duration_s,
                    attempts: case.attempts,
                })
                .collect();
            Some(SuiteResult {
                name,
                critical: false,
                impact: None,
                command: Vec::new(),
                run: SuiteRun::Ran(ProcessRun {
                    end: ProcessEnd::Exited(1),
                    duration: Duration::from_secs(1),
                    peak_rss_bytes: None,
                    output_bytes: 0,
                    cut_bytes: 0,
                    leaked_output: false,
                    tail: String::new(),
                }),
                source: ResultSource::Junit(vec![path.clone()]),
                declared_tests: None,
                log: None,
                tests,
                notes: Vec::new(),
            })
        })
        .collect()
}

#[test]
fn unrelated_failures_from_real_producers_are_never_merged() {
    let suites = corpus_suites();
    let failing: usize = suites
        .iter()
        .flat_map(|s| &s.tests)
        .filter(|t| t.outcome.status().is_failure())
        .count();
    assert!(failing > 50, "the corpus has {failing} failures");
    let at = IterationRef {
        loop_number: 1,
        iteration: 1,
    };
    let (causes, resolved) = greenloop::cause::analyse(&suites, &[], None, at, None);
    assert!(resolved.is_empty());
    let merged: Vec<_> = causes.iter().filter(|c| !c.why.is_empty()).collect();
    assert!(merged.is_empty(), "merged without reason: {merged:#?}");
    // Apart means one cause per suite and signature: every cluster of each suite on its own.
    for cause in &causes {
        let suites: std::collections::BTreeSet<&str> =
            cause.tests.iter().map(|t| t.suite()).collect();
        assert_eq!(suites.len(), 1, "{cause:#?}");
        assert_eq!(cause.clusters.len(), 1, "{cause:#?}");
    }
    // Their messages (`expect(received).toBeTruthy()`, `expected [1.2.1] but found [1.2.0]`,
    // `assert False`, jest's "1 ms timeout", tracebacks with line numbers, …) state no network
    // fact: numbers and words alone are never one.
    let stated: Vec<String> = causes
        .iter()
        .flat_map(|c| &c.facts)
        .filter(|f| f.kind != greenloop::model::FactKind::Exception)
        .map(|f| f.to_string())
        .collect();
    assert!(stated.is_empty(), "{stated:?}");
    let in_causes: usize = causes.iter().map(|c| c.tests.len()).sum();
    assert_eq!(in_causes, failing, "every failure is in exactly one cause");
    for cause in &causes {
        assert!(!cause.headline.is_empty() && !cause.headline.contains('\n'));
        assert!(!cause.next_action.is_empty());
    }
}

/// The facts real producers' messages state, across runners: the same failure worded by
/// pytest, jest, Surefire and go is the same fact.
#[test]
fn the_same_failure_worded_by_four_runners_is_one_fact() {
    let facts = |message: &str| -> Vec<String> {
        greenloop::cause::facts_of(message)
            .into_iter()
            .filter(|f| f.kind != greenloop::model::FactKind::Exception)
            .map(|f| f.to_string())
            .collect()
    };
    let refused = [
        // pytest + requests
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8080): Max retries exceeded with url: /health (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f0c>: Failed to establish a new connection: [Errno 111] Connection refused'))",
        // jest + axios / node fetch
        "Error: connect ECONNREFUSED 127.0.0.1:8080",
        // go net/http
        r#"Get "http://127.0.0.1:8080/health": dial tcp 127.0.0.1:8080: connect: connection refused"#,
        // curl in a shell suite
        "curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Connection refused",
    ];
    for message in refused {
        assert_eq!(facts(message), ["refused on 127.0.0.1:8080"], "{message}");
    }
    let not_found = [
        "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: http://127.0.0.1:8080/api/v1/agents",
        "java.lang.AssertionError: 1 expectation failed.\nExpected status code <200> but was <404>.",
        "AxiosError: Request failed with status code 404",
        "expected status 200, got 404 for GET /api/v1/agents",
    ];
    for message in not_found {
        let found = facts(message);
        assert_eq!(found.len(), 1, "{message}: {found:?}");
        assert!(
            found[0].starts_with("http_status 404"),
            "{message}: {found:?}"
        );
    }
}
