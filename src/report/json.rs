//! The iteration as JSON: `latest.json` and `<stem>.json`, schema in PRODUCT.md.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{
    Diff, Finding, Iteration, IterationRef, PriorFix, ResolvedCluster, ResolvedRootCause,
    ResultSource, RootCause, SuiteChange, SuiteRecovery, SuiteResult, SuiteRun, TestId, Totals,
};

/// Goes up on any change to the JSON's shape.
pub const SCHEMA_VERSION: u32 = 5;

#[derive(Serialize)]
struct IterationJson<'a> {
    schema_version: u32,
    loop_name: &'a str,
    title: &'a str,
    focus: Option<&'a str>,
    environment_name: Option<&'a str>,
    #[serde(rename = "loop")]
    loop_number: u32,
    iteration: u32,
    verdict: &'static str,
    error: Option<&'a str>,
    trigger: &'a str,
    deploy: Option<super::steps_json::DeployJson<'a>>,
    deployed: Option<super::deployed::DeployedJson<'a>>,
    started_at: String,
    finished_at: String,
    duration_s: f64,
    totals: Totals,
    pass_rate: Option<f64>,
    suites: Vec<SuiteJson<'a>>,
    tests: Vec<TestJson<'a>>,
    probes: Vec<super::probes::ProbeJson<'a>>,
    collect: Vec<super::steps_json::CollectJson<'a>>,
    diff: DiffJson<'a>,
    previous_fix: Option<&'a PriorFix>,
    root_causes: &'a [RootCause],
    resolved_root_causes: &'a [ResolvedRootCause],
    clusters: Vec<ClusterJson<'a>>,
    resolved_clusters: &'a [ResolvedCluster],
    integrity: &'a [Finding],
    next_actions: Vec<String>,
    environment: super::environment::EnvironmentJson<'a>,
}

#[derive(Serialize)]
struct SuiteJson<'a> {
    name: &'a str,
    status: &'static str,
    critical: bool,
    impact: Option<&'a str>,
    command: &'a [String],
    totals: Totals,
    duration_s: f64,
    exit: String,
    results_from: &'static str,
    junit_files: Vec<String>,
    declared_tests: Option<u64>,
    peak_memory_bytes: Option<u64>,
    output_bytes: u64,
    output_cut_bytes: u64,
    log: Option<String>,
}

#[derive(Serialize)]
struct TestJson<'a> {
    id: &'a str,
    suite: &'a str,
    status: &'static str,
    duration_s: Option<f64>,
    message: &'a str,
    detail: &'a str,
    attempts: u32,
}

/// PRODUCT.md: "each diff list holds test ids"; when a still-failing test began failing is in
/// `failing_since`, keyed by id.
#[derive(Serialize)]
struct DiffJson<'a> {
    previous: Option<IterationRef>,
    new_failures: &'a [TestId],
    fixed: &'a [TestId],
    still_failing: Vec<&'a TestId>,
    failing_differently: Vec<&'a TestId>,
    added: &'a [TestId],
    removed: &'a [TestId],
    did_not_run: &'a [TestId],
    flaky: &'a [TestId],
    failing_since: BTreeMap<&'a TestId, IterationRef>,
    signature_changes: BTreeMap<&'a TestId, SignatureChange<'a>>,
    recovered: &'a [SuiteRecovery],
    suite_changes: &'a [SuiteChange],
    pass_rate_delta: Option<f64>,
}

/// What a test failing differently said before and says now.
#[derive(Serialize)]
struct SignatureChange<'a> {
    before: &'a str,
    after: &'a str,
}

#[derive(Serialize)]
struct ClusterJson<'a> {
    signature: &'a str,
    example: &'a str,
    count: usize,
    critical: bool,
    first_seen: IterationRef,
    tests: &'a [TestId],
}

/// Renders `iteration` as pretty JSON.
pub fn render(iteration: &Iteration) -> String {
    let json = IterationJson {
        schema_version: SCHEMA_VERSION,
        loop_name: iteration.loop_name.as_str(),
        title: &iteration.title,
        focus: iteration.focus.as_deref(),
        environment_name: iteration.environment.as_deref(),
        loop_number: iteration.loop_number,
        iteration: iteration.number,
        verdict: iteration.verdict.as_str(),
        error: iteration.error.as_deref(),
        trigger: &iteration.trigger,
        deploy: iteration.deploy.as_ref().map(super::steps_json::deploy),
        deployed: super::deployed::json(iteration),
        started_at: iteration.started_at.to_rfc3339(),
        finished_at: iteration.finished_at.to_rfc3339(),
        duration_s: seconds(iteration.finished_at - iteration.started_at),
        totals: iteration.totals,
        pass_rate: iteration.totals.pass_rate().map(rate),
        suites: iteration.suites.iter().map(suite).collect(),
        tests: iteration
            .tests()
            .map(|test| TestJson {
                id: test.id.as_str(),
                suite: &test.suite,
                status: test.outcome.status().as_str(),
                duration_s: test.duration_s.map(round_seconds),
                message: test.outcome.message(),
                detail: test.outcome.detail(),
                attempts: test.attempts,
            })
            .collect(),
        probes: super::probes::json(&iteration.probes),
        collect: super::steps_json::collect(&iteration.collected),
        diff: diff(&iteration.diff),
        previous_fix: iteration.previous_fix.as_ref(),
        root_causes: &iteration.root_causes,
        resolved_root_causes: &iteration.resolved_root_causes,
        clusters: iteration
            .clusters
            .iter()
            .map(|c| ClusterJson {
                signature: &c.signature,
                example: &c.example,
                count: c.tests.len(),
                critical: c.critical,
                first_seen: c.first_seen,
                tests: &c.tests,
            })
            .collect(),
        resolved_clusters: &iteration.resolved_clusters,
        integrity: &iteration.integrity,
        next_actions: super::next_actions(iteration),
        environment: super::environment::json(iteration),
    };
    serde_json::to_string_pretty(&json).expect("iteration JSON always serializes") + "\n"
}

fn suite(suite: &SuiteResult) -> SuiteJson<'_> {
    let (exit, peak, output, cut) = match &suite.run {
        SuiteRun::Ran(p) => (
            p.end.describe(),
            p.peak_rss_bytes,
            p.output_bytes,
            p.cut_bytes,
        ),
        SuiteRun::NotStarted { reason } => (format!("not started: {reason}"), None, 0, 0),
        SuiteRun::Imported => ("imported".to_owned(), None, 0, 0),
        SuiteRun::Builtin { .. } => ("built-in probes".to_owned(), None, 0, 0),
    };
    let (results_from, junit_files) = match &suite.source {
        ResultSource::Junit(files) => (
            "junit",
            files.iter().map(|f| f.display().to_string()).collect(),
        ),
        ResultSource::ExitCode => ("exit_code", Vec::new()),
        ResultSource::NotRun => ("none", Vec::new()),
        ResultSource::Probes => ("probes", Vec::new()),
    };
    SuiteJson {
        name: &suite.name,
        status: suite.status().as_str(),
        critical: suite.critical,
        impact: suite.impact.as_deref(),
        command: &suite.command,
        totals: Totals::count(&suite.tests),
        duration_s: round_seconds(suite.duration().as_secs_f64()),
        exit,
        results_from,
        junit_files,
        declared_tests: suite.declared_tests,
        peak_memory_bytes: peak,
        output_bytes: output,
        output_cut_bytes: cut,
        log: suite.log.as_ref().map(|l| l.display().to_string()),
    }
}

fn diff(diff: &Diff) -> DiffJson<'_> {
    DiffJson {
        previous: diff.previous,
        new_failures: &diff.new_failures,
        fixed: &diff.fixed,
        still_failing: diff.still_failing.iter().map(|s| &s.id).collect(),
        failing_differently: diff.failing_differently.iter().map(|d| &d.id).collect(),
        added: &diff.added,
        removed: &diff.removed,
        did_not_run: &diff.did_not_run,
        flaky: &diff.flaky,
        failing_since: diff
            .still_failing
            .iter()
            .map(|s| (&s.id, s.since))
            .collect(),
        signature_changes: diff
            .failing_differently
            .iter()
            .map(|d| {
                (
                    &d.id,
                    SignatureChange {
                        before: &d.before,
                        after: &d.after,
                    },
                )
            })
            .collect(),
        recovered: &diff.recovered,
        suite_changes: &diff.suite_changes,
        pass_rate_delta: diff.pass_rate_delta.map(rate),
    }
}

fn seconds(delta: chrono::TimeDelta) -> f64 {
    delta.num_milliseconds() as f64 / 1000.0
}

/// A rate (0–1) to 4 decimals: a hundredth of a percent is all it means.
pub fn rate(value: f64) -> f64 {
    round_to(value, 1e4)
}

/// Seconds to 4 decimals, a tenth of a millisecond.
pub fn round_seconds(value: f64) -> f64 {
    round_to(value, 1e4)
}

/// Milliseconds to 1 decimal.
pub fn round_ms(value: f64) -> f64 {
    round_to(value, 10.0)
}

fn round_to(value: f64, scale: f64) -> f64 {
    (value * scale).round() / scale
}
