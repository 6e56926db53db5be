//! Turns a suite's process outcome and JUnit files into its tests, source and notes.
//!
//! The rules that keep red runs from looking green live here: broken JUnit is an error test,
//! a hang is a timeout test, and a non-zero exit with "all passed" JUnit is an error test.

use std::path::{Path, PathBuf};

use crate::junit;
use crate::model::{
    Finding, FindingKind, Outcome, ProcessEnd, ResultSource, SuiteRun, TestId, TestResult,
};
use crate::redact::Redactor;

/// The classname of the tests greenloop itself adds to a suite (exit code, broken JUnit).
pub const SUITE_CLASS: &str = crate::model::STAND_IN_CLASS;

/// What ingest made of a suite's run.
#[derive(Debug)]
pub struct Ingested {
    /// The suite's tests.
    pub tests: Vec<TestResult>,
    /// Where they came from.
    pub source: ResultSource,
    /// The count the JUnit declared.
    pub declared_tests: Option<u64>,
    /// What greenloop noticed.
    pub notes: Vec<Finding>,
    /// The test runners its JUnit names (e.g. `go1.22.1`), secrets masked.
    pub runners: Vec<String>,
}

/// The JUnit side of a suite: files written during this run, files left from earlier runs, and
/// where JUnit was expected (when the suite was told to write any).
#[derive(Debug, Default)]
pub struct JunitFiles {
    /// Files written during this run.
    pub fresh: Vec<PathBuf>,
    /// Matching files older than this run, ignored.
    pub stale: Vec<PathBuf>,
    /// Where the suite was asked to write JUnit, shown relative to the root.
    pub expected_at: Option<String>,
    /// Paths that matched but are not regular files (a named pipe, a directory): never read,
    /// each a broken result.
    pub irregular: Vec<(PathBuf, &'static str)>,
}

/// Ingests one suite's results. `root` shortens paths in messages.
pub fn ingest(
    suite: &str,
    run: &SuiteRun,
    junit: &JunitFiles,
    root: &Path,
    redactor: &Redactor,
) -> Ingested {
    let note = |kind, message: String| Finding {
        kind,
        suite: Some(suite.to_owned()),
        message,
    };
    let synthetic = |name: &str, outcome: Outcome| TestResult {
        id: TestId::new(suite, SUITE_CLASS, name),
        suite: suite.to_owned(),
        outcome,
        duration_s: None,
        attempts: 1,
    };
    let process = match run {
        SuiteRun::NotStarted { reason } => {
            return Ingested {
                tests: vec![synthetic(
                    "exit code",
                    Outcome::Error {
                        message: reason.clone(),
                        detail: String::new(),
                    },
                )],
                source: ResultSource::NotRun,
                declared_tests: None,
                notes: Vec::new(),
                runners: Vec::new(),
            };
        }
        SuiteRun::Ran(process) => Some(process),
        SuiteRun::Imported | SuiteRun::Builtin { .. } => None,
    };
    let mut notes = Vec::new();
    if !junit.stale.is_empty() {
        notes.push(note(
            FindingKind::ResultsNote,
            format!(
                "ignored {} JUnit file(s) older than this run: {}",
                junit.stale.len(),
                shown(&junit.stale, root)
            ),
        ));
    }
    if junit.fresh.is_empty() && junit.irregular.is_empty() {
        // A suite killed for hanging never got to write its JUnit: saying so adds nothing.
        let killed = process.is_some_and(|p| {
            matches!(
                p.end,
                ProcessEnd::TimedOut { .. } | ProcessEnd::Idle { .. } | ProcessEnd::Cancelled
            )
        });
        if let Some(expected) = junit.expected_at.as_ref().filter(|_| !killed) {
            notes.push(note(
                FindingKind::ResultsNote,
                format!("`{suite}` wrote no JUnit at `{expected}`; it is judged by its exit code"),
            ));
        }
        let outcome = match process {
            Some(process) => exit_outcome(&process.end, &process.tail),
            None => Outcome::Error {
                message: "no JUnit file to import".into(),
                detail: String::new(),
            },
        };
        return Ingested {
            tests: vec![synthetic("exit code", outcome)],
            source: ResultSource::ExitCode,
            declared_tests: None,
            notes,
            runners: Vec::new(),
        };
    }

    let (read, mut errors) = junit::read_files(&junit.fresh);
    errors.extend(
        junit
            .irregular
            .iter()
            .map(|(path, kind)| junit::JunitError::NotRegular {
                path: path.clone(),
                kind,
            }),
    );
    let runners = read.runners.iter().map(|r| redactor.text(r)).collect();
    let mut tests: Vec<TestResult> = read
        .cases
        .into_iter()
        .map(|case| TestResult {
            // A test name may hold a secret (a parametrised `test_login[<token>]`); the id is
            // stored, diffed and printed by `history`, so it is masked like a message.
            id: TestId::new(
                suite,
                &redactor.mask(case.classname),
                &redactor.mask(case.name),
            ),
            suite: suite.to_owned(),
            outcome: redact_outcome(case.outcome, redactor),
            duration_s: case.duration_s,
            attempts: case.attempts,
        })
        .collect();
    notes.extend(
        read.findings
            .into_iter()
            .map(|f| note(FindingKind::ResultsNote, redactor.text(&f))),
    );
    let file_name = |path: &Path| {
        path.file_name()
            .map_or_else(|| "?".into(), |n| n.to_string_lossy().into_owned())
    };
    for error in &errors {
        let message = relative_to(root, &redactor.text(&with_causes(error)));
        notes.push(note(FindingKind::BrokenResults, message.clone()));
        // The file name keeps the test id stable across iterations; two broken files of the
        // same name (a glob over several directories) are told apart by their paths.
        let name = file_name(error.path());
        let shared = errors
            .iter()
            .filter(|e| file_name(e.path()) == name)
            .count()
            > 1;
        let file = if shared {
            error
                .path()
                .strip_prefix(root)
                .unwrap_or(error.path())
                .display()
                .to_string()
        } else {
            name
        };
        tests.push(synthetic(
            &format!("junit {file}"),
            Outcome::Error {
                message,
                detail: String::new(),
            },
        ));
    }
    let any_failure = tests.iter().any(|t| t.outcome.status().is_failure());
    let Some(process) = process else {
        return Ingested {
            tests,
            source: ResultSource::Junit(shown_paths(&junit.fresh, root)),
            declared_tests: read.declared.tests,
            notes,
            runners,
        };
    };
    match &process.end {
        ProcessEnd::Exited(0) => {}
        end @ (ProcessEnd::TimedOut { .. } | ProcessEnd::Idle { .. } | ProcessEnd::Cancelled) => {
            tests.push(synthetic("exit code", exit_outcome(end, &process.tail)));
        }
        end if !any_failure => {
            let message = format!("{} although its JUnit reported no failure", end.describe());
            notes.push(note(
                FindingKind::BrokenResults,
                format!("`{suite}` {message}"),
            ));
            tests.push(synthetic(
                "exit code",
                Outcome::Error {
                    message,
                    detail: process.tail.clone(),
                },
            ));
        }
        _ => {}
    }
    Ingested {
        tests,
        source: ResultSource::Junit(shown_paths(&junit.fresh, root)),
        declared_tests: read.declared.tests,
        notes,
        runners,
    }
}

/// A suite whose results could not be read at all, for `reason`: one broken result.
pub fn unreadable(suite: &str, reason: &str) -> Ingested {
    Ingested {
        tests: vec![TestResult {
            id: TestId::new(suite, SUITE_CLASS, "results"),
            suite: suite.to_owned(),
            outcome: Outcome::Error {
                message: reason.to_owned(),
                detail: String::new(),
            },
            duration_s: None,
            attempts: 1,
        }],
        source: ResultSource::NotRun,
        declared_tests: None,
        notes: vec![Finding {
            kind: FindingKind::BrokenResults,
            suite: Some(suite.to_owned()),
            message: format!("`{suite}`: {reason}"),
        }],
        runners: Vec::new(),
    }
}

/// The outcome of a suite judged by how its process ended.
fn exit_outcome(end: &ProcessEnd, tail: &str) -> Outcome {
    let message = end.describe();
    let detail = tail.to_owned();
    match end {
        ProcessEnd::Exited(0) => Outcome::Passed,
        ProcessEnd::Exited(_) => Outcome::Failed { message, detail },
        ProcessEnd::TimedOut { .. } | ProcessEnd::Idle { .. } => Outcome::Timeout {
            message: if tail.trim().is_empty() {
                message
            } else {
                format!("{message}; last output:\n{tail}")
            },
        },
        ProcessEnd::Signaled(_) | ProcessEnd::Cancelled => Outcome::Error { message, detail },
    }
}

fn redact_outcome(outcome: Outcome, redactor: &Redactor) -> Outcome {
    if redactor.is_empty() {
        return outcome;
    }
    let r = |s: String| redactor.text(&s);
    match outcome {
        Outcome::Passed => Outcome::Passed,
        Outcome::Flaky { failures, message } => Outcome::Flaky {
            failures,
            message: r(message),
        },
        Outcome::Skipped { message, kind } => Outcome::Skipped {
            message: r(message),
            kind,
        },
        Outcome::Failed { message, detail } => Outcome::Failed {
            message: r(message),
            detail: r(detail),
        },
        Outcome::Error { message, detail } => Outcome::Error {
            message: r(message),
            detail: r(detail),
        },
        Outcome::Timeout { message } => Outcome::Timeout {
            message: r(message),
        },
    }
}

/// `text` with paths under `root` shown relative to it, as everywhere else in the report.
fn relative_to(root: &Path, text: &str) -> String {
    text.replace(&format!("{}/", root.display()), "")
}

/// An error's message followed by its causes, so "failed to read JUnit file x" says why.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn shown_paths(paths: &[PathBuf], root: &Path) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|f| f.strip_prefix(root).unwrap_or(f).to_owned())
        .collect()
}

fn shown(paths: &[PathBuf], root: &Path) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.strip_prefix(root).unwrap_or(p).display()))
        .collect::<Vec<_>>()
        .join(", ")
}
