use chrono::{TimeZone, Utc};
use serde_json::Value;

use super::*;
use crate::model::{
    Diff, Host, IterationRef, LoopName, Outcome, ResultSource, SuiteResult, SuiteRun, TestResult,
};

const REPORT: &str = "reports/staging/2026-11-22_loop-001_iteration-002.md";

fn failed(message: &str) -> Outcome {
    Outcome::Failed {
        message: message.into(),
        detail: String::new(),
    }
}

/// Iteration 2 of Loop 1 of `staging` with suite `api` holding `tests`.
fn iteration(verdict: Verdict, tests: Vec<(&str, Outcome)>, diff: Diff) -> Iteration {
    let tests: Vec<TestResult> = tests
        .into_iter()
        .map(|(name, outcome)| TestResult {
            id: TestId::new("api", "c", name),
            suite: "api".into(),
            outcome,
            duration_s: Some(0.1),
            attempts: 1,
        })
        .collect();
    let time = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    Iteration {
        loop_name: LoopName::new("staging").unwrap(),
        title: "Staging <API> & co".into(),
        focus: None,
        environment: None,
        loop_number: 1,
        number: 2,
        trigger: "manual (cli)".into(),
        started_at: time,
        finished_at: time,
        totals: Totals::count(&tests),
        suites: vec![SuiteResult {
            name: "api".into(),
            critical: false,
            impact: None,
            command: Vec::new(),
            run: SuiteRun::Imported,
            source: ResultSource::ExitCode,
            declared_tests: None,
            log: None,
            tests,
            notes: Vec::new(),
        }],
        verdict,
        error: None,
        diff,
        clusters: Vec::new(),
        resolved_clusters: Vec::new(),
        root_causes: Vec::new(),
        resolved_root_causes: Vec::new(),
        previous_fix: None,
        deployed: None,
        targets: Vec::new(),
        runners: Vec::new(),
        integrity: Vec::new(),
        probes: Vec::new(),
        host: Host::current(),
        deploy: None,
        collected: Vec::new(),
    }
}

fn diff_with(new_failures: &[&str], fixed: &[&str]) -> Diff {
    let ids = |names: &[&str]| names.iter().map(|n| TestId::new("api", "c", n)).collect();
    Diff {
        previous: Some(IterationRef {
            loop_number: 1,
            iteration: 1,
        }),
        new_failures: ids(new_failures),
        fixed: ids(fixed),
        ..Diff::default()
    }
}

fn json_body(message: &Message, redactor: &Redactor) -> Value {
    serde_json::from_str(&message.body(Format::Json, redactor)).unwrap()
}

fn slack_text(message: &Message, redactor: &Redactor) -> String {
    let body: Value = serde_json::from_str(&message.body(Format::Slack, redactor)).unwrap();
    let object = body.as_object().unwrap();
    assert_eq!(
        object.len(),
        1,
        "a Slack body is only {{\"text\": …}}: {body}"
    );
    object["text"].as_str().unwrap().to_owned()
}

#[test]
fn slack_text_names_the_change_the_counts_the_new_failures_and_the_report() {
    let it = iteration(
        Verdict::Failing,
        vec![
            ("a", Outcome::Passed),
            ("b", failed("received 1011 (internal error)")),
            ("c", failed("old failure")),
        ],
        diff_with(&["b"], &[]),
    );
    let text = slack_text(
        &Message::new(Event::NewFailures, &it, REPORT),
        &Redactor::default(),
    );
    assert_eq!(
        text,
        "*Staging &lt;API&gt; &amp; co* has new failures — Loop 1 / Iteration 2\n\
         1/3 passed (33.3%), 2 failed\n\
         New failures (1):\n\
         • `api::c::b` — received 1011 (internal error)\n\
         Report: `reports/staging/2026-11-22_loop-001_iteration-002.md`"
    );
    assert!(!text.contains("http"), "link-free: {text}");
}

#[test]
fn plain_json_carries_the_facts_and_the_same_summary_without_markup() {
    let it = iteration(
        Verdict::Failing,
        vec![("a", Outcome::Passed), ("b", failed("boom"))],
        Diff::default(),
    );
    let body = json_body(
        &Message::new(Event::Failing, &it, REPORT),
        &Redactor::default(),
    );
    assert_eq!(body["event"], "failing");
    assert_eq!(body["loop_name"], "staging");
    assert_eq!(
        (body["loop"].as_u64(), body["iteration"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(body["verdict"], "failing");
    assert_eq!(body["totals"]["failed"], 1);
    assert_eq!(body["pass_rate"], 0.5);
    // No previous iteration to diff against: every failing test is new to the reader.
    assert_eq!(body["new_failures"], serde_json::json!(["api::c::b"]));
    assert_eq!(body["new_failures_count"], 1);
    assert_eq!(body["failures"][0]["message"], "boom");
    assert_eq!(body["report"], REPORT);
    assert_eq!(body["error"], Value::Null);
    let summary = body["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Staging <API> & co is failing — Loop 1 / Iteration 2\n"),
        "{summary}"
    );
    assert!(summary.contains("• api::c::b — boom"), "{summary}");
}

#[test]
fn secrets_are_masked_in_every_string_even_where_json_would_escape_them() {
    let secret = "s3cr\"et";
    let it = iteration(
        Verdict::Failing,
        vec![(secret, failed(&format!("401 for token {secret}")))],
        Diff::default(),
    );
    let redactor = Redactor::new([secret]);
    let message = Message::new(Event::Failing, &it, REPORT);
    for format in [Format::Slack, Format::Json] {
        let body = message.body(format, &redactor);
        let decoded = serde_json::from_str::<Value>(&body).unwrap().to_string();
        assert!(!body.contains("s3cr"), "{body}");
        assert!(!decoded.contains("s3cr"), "{decoded}");
        assert!(body.contains("401 for token ***"), "{body}");
    }
}

#[test]
fn green_says_what_was_fixed_and_lists_no_failures() {
    let it = iteration(
        Verdict::Green,
        vec![("a", Outcome::Passed), ("b", Outcome::Passed)],
        diff_with(&[], &["b"]),
    );
    let text = slack_text(
        &Message::new(Event::Green, &it, REPORT),
        &Redactor::default(),
    );
    assert_eq!(
        text,
        "*Staging &lt;API&gt; &amp; co* is green — Loop 1 / Iteration 2\n\
         2/2 passed (100.0%)\n\
         Fixed since the previous iteration: 1\n\
         Report: `reports/staging/2026-11-22_loop-001_iteration-002.md`"
    );
}

#[test]
fn exhausted_and_reminders_list_every_failure_and_count_the_rest() {
    let tests: Vec<(String, Outcome)> = (0..7)
        .map(|i| (format!("t{i}"), failed(&"x".repeat(300))))
        .collect();
    let it = iteration(
        Verdict::Failing,
        tests.iter().map(|(n, o)| (n.as_str(), o.clone())).collect(),
        diff_with(&["t6"], &[]),
    );
    for (event, headline) in [
        (
            Event::Exhausted,
            "Staging <API> & co: Loop 1 closed after 2 iterations without going green (verdict failing)",
        ),
        (
            Event::Reminder,
            "Staging <API> & co is still failing — Loop 1 / Iteration 2",
        ),
    ] {
        let body = json_body(&Message::new(event, &it, REPORT), &Redactor::default());
        let summary = body["summary"].as_str().unwrap();
        assert!(summary.starts_with(headline), "{summary}");
        assert!(summary.contains("\nFailing (7):\n"), "{summary}");
        assert!(summary.contains("\n…and 2 more\n"), "{summary}");
        assert_eq!(body["failures"].as_array().unwrap().len(), 5);
        let message = body["failures"][0]["message"].as_str().unwrap();
        assert_eq!(message.chars().count(), MESSAGE_CHARS);
        assert!(message.ends_with('…'));
        assert_eq!(body["new_failures"], serde_json::json!(["api::c::t6"]));
    }
}

#[test]
fn an_iteration_that_could_not_run_shows_its_error() {
    let mut it = iteration(Verdict::Error, Vec::new(), Diff::default());
    it.error = Some("\ndeploy failed: exit 2 in 0.31 s\nmore detail".into());
    let failing = json_body(
        &Message::new(Event::Failing, &it, REPORT),
        &Redactor::default(),
    );
    assert_eq!(failing["error"], "deploy failed: exit 2 in 0.31 s");
    assert_eq!(failing["pass_rate"], Value::Null);
    assert_eq!(
        failing["summary"],
        "Staging <API> & co could not run — Loop 1 / Iteration 2\n\
         no tests ran\n\
         Error: deploy failed: exit 2 in 0.31 s\n\
         Report: reports/staging/2026-11-22_loop-001_iteration-002.md"
    );
    let reminder = json_body(
        &Message::new(Event::Reminder, &it, REPORT),
        &Redactor::default(),
    );
    assert!(
        reminder["summary"]
            .as_str()
            .unwrap()
            .starts_with("Staging <API> & co still cannot run — Loop 1 / Iteration 2\n")
    );
}
