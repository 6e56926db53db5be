//! Reading an iteration back from its own JSON twin. The reports are written before the history
//! commits an iteration, so after a crash (or a full `state/` disk) between the two, the JSON
//! is the iteration's record: the next start restores it into the history from here instead of
//! calling it interrupted and losing its results.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::config::LoopPlan;
use crate::model::{
    Cluster, DeployChange, Diff, Host, Iteration, IterationRef, Outcome, ResultSource, RootCause,
    SuiteRecovery, SuiteResult, SuiteRun, TestId, TestResult, TestStatus, Totals, Verdict,
};

/// What of the JSON the history needs.
#[derive(Deserialize)]
struct Twin {
    schema_version: u32,
    #[serde(rename = "loop")]
    loop_number: u32,
    iteration: u32,
    verdict: Verdict,
    error: Option<String>,
    trigger: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    suites: Vec<SuiteTwin>,
    tests: Vec<TestTwin>,
    diff: DiffTwin,
    #[serde(default)]
    root_causes: Vec<RootCause>,
    clusters: Vec<ClusterTwin>,
    deployed: Option<DeployedTwin>,
}

#[derive(Deserialize)]
struct DeployedTwin {
    revision: String,
}

#[derive(Deserialize)]
struct SuiteTwin {
    name: String,
    critical: bool,
    impact: Option<String>,
}

#[derive(Deserialize)]
struct TestTwin {
    id: TestId,
    suite: String,
    status: TestStatus,
    duration_s: Option<f64>,
    message: String,
    detail: String,
    attempts: u32,
}

#[derive(Deserialize)]
struct DiffTwin {
    previous: Option<IterationRef>,
    new_failures: Vec<TestId>,
    fixed: Vec<TestId>,
    removed: Vec<TestId>,
    #[serde(default)]
    recovered: Vec<SuiteRecovery>,
}

#[derive(Deserialize)]
struct ClusterTwin {
    signature: String,
    example: String,
    critical: bool,
    first_seen: IterationRef,
    tests: Vec<TestId>,
}

/// The iteration `at` of `plan` as its JSON twin `text` recorded it, with what the history
/// keeps: verdict, suites and every test, clusters, root causes, the diff's counts, the
/// revision. `Err` says why the text is not that iteration's twin.
pub fn iteration(text: &str, plan: &LoopPlan, at: IterationRef) -> Result<Iteration, String> {
    let twin: Twin = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if twin.schema_version != super::json::SCHEMA_VERSION {
        return Err(format!("schema version {}", twin.schema_version));
    }
    let found = IterationRef {
        loop_number: twin.loop_number,
        iteration: twin.iteration,
    };
    if found != at {
        return Err(format!("it is the report of {found}"));
    }
    let mut suites: Vec<SuiteResult> = twin
        .suites
        .into_iter()
        .map(|s| SuiteResult {
            name: s.name,
            critical: s.critical,
            impact: s.impact,
            command: Vec::new(),
            run: SuiteRun::Imported,
            source: ResultSource::NotRun,
            declared_tests: None,
            log: None,
            tests: Vec::new(),
            notes: Vec::new(),
        })
        .collect();
    for test in twin.tests {
        let Some(suite) = suites.iter_mut().find(|s| s.name == test.suite) else {
            return Err(format!("test {} is in no suite", test.id));
        };
        suite.tests.push(TestResult {
            outcome: outcome(test.status, test.message, test.detail, test.attempts),
            id: test.id,
            suite: test.suite,
            duration_s: test.duration_s,
            attempts: test.attempts,
        });
    }
    let totals = Totals::count(suites.iter().flat_map(|s| &s.tests));
    let clusters = twin
        .clusters
        .into_iter()
        .map(|c| Cluster {
            signature: c.signature,
            example: c.example,
            tests: c.tests,
            critical: c.critical,
            first_seen: c.first_seen,
        })
        .collect();
    Ok(Iteration {
        loop_name: plan.name.clone(),
        title: plan.title.clone(),
        focus: plan.focus.clone(),
        environment: plan.environment.clone(),
        loop_number: at.loop_number,
        number: at.iteration,
        trigger: twin.trigger,
        started_at: twin.started_at,
        finished_at: twin.finished_at,
        suites,
        verdict: twin.verdict,
        error: twin.error,
        totals,
        diff: Diff {
            previous: twin.diff.previous,
            new_failures: twin.diff.new_failures,
            fixed: twin.diff.fixed,
            removed: twin.diff.removed,
            recovered: twin.diff.recovered,
            ..Diff::default()
        },
        clusters,
        resolved_clusters: Vec::new(),
        root_causes: twin.root_causes,
        resolved_root_causes: Vec::new(),
        previous_fix: None,
        deployed: twin.deployed.map(|d| DeployChange {
            revision: d.revision,
            previous: None,
            last_green: None,
            since_green: None,
            since_previous: None,
        }),
        targets: Vec::new(),
        runners: Vec::new(),
        integrity: Vec::new(),
        probes: Vec::new(),
        host: Host::current(),
        deploy: None,
        collected: Vec::new(),
    })
}

/// An outcome from what the JSON keeps of it.
fn outcome(status: TestStatus, message: String, detail: String, attempts: u32) -> Outcome {
    match status {
        TestStatus::Passed => Outcome::Passed,
        TestStatus::Flaky => Outcome::Flaky {
            failures: attempts.saturating_sub(1).max(1),
            message,
        },
        TestStatus::Skipped => Outcome::Skipped {
            message,
            kind: None,
        },
        TestStatus::Failed => Outcome::Failed { message, detail },
        TestStatus::Error => Outcome::Error { message, detail },
        TestStatus::Timeout => Outcome::Timeout { message },
    }
}
