//! Root causes over whole iterations shaped like the demo's and like real staging days: what
//! merges, what must not, what carries over, and which log lines are quoted.

use std::path::PathBuf;

use super::failure::ProbeTarget;
use super::*;
use crate::model::{
    Commit, Commits, LogText, Outcome, PriorRootCause, ProcessEnd, TestId, TestResult,
};

fn at(iteration: u32) -> IterationRef {
    IterationRef {
        loop_number: 1,
        iteration,
    }
}

fn failed(message: &str) -> Outcome {
    Outcome::Failed {
        message: message.into(),
        detail: String::new(),
    }
}

/// A suite whose tests are `(classname, name, outcome)`.
fn suite(name: &str, critical: bool, tests: Vec<(&str, &str, Outcome)>) -> SuiteResult {
    SuiteResult {
        critical,
        tests: tests
            .into_iter()
            .map(|(class, test, outcome)| TestResult {
                id: TestId::new(name, class, test),
                suite: name.into(),
                outcome,
                duration_s: Some(0.01),
                attempts: 1,
            })
            .collect(),
        ..SuiteResult::for_test(name, ProcessEnd::Exited(1), vec![])
    }
}

fn hung(name: &str, last_output: &str) -> SuiteResult {
    suite(
        name,
        true,
        vec![(
            "suite",
            "exit code",
            Outcome::Timeout {
                message: format!("hung: no output for 4s; last output:\n{last_output}"),
            },
        )],
    )
}

const WS: ProbeTarget<'static> = ProbeTarget {
    name: "agent events",
    url: "ws://127.0.0.1:7890/ws",
    method: "GET",
    websocket: true,
};
const START: ProbeTarget<'static> = ProbeTarget {
    name: "agent start",
    url: "http://127.0.0.1:7890/api/agents/start",
    method: "POST",
    websocket: false,
};

/// The demo's Loop 1 / Iteration 1: 1011 on the WebSocket, 404 on the agent routes, a hang.
fn demo_iteration_1() -> Vec<SuiteResult> {
    let closed =
        "ConnectionClosedError: received 1011 (internal error); then sent 1011 (internal error)";
    let class = "tests.test_websocket_events";
    vec![
        suite(
            "websocket-events",
            true,
            vec![
                (class, "test_agent_started_event", failed(closed)),
                (class, "test_agent_thinking_event", failed(closed)),
                (class, "test_tool_events", failed(closed)),
                (class, "test_agent_completed_event", failed(closed)),
            ],
        ),
        hung(
            "mission-critical",
            "tests.test_mission_critical::test_backend_health ... GET /health PASSED (0.005 s)\ntests.test_mission_critical::test_threads_listed ... GET /api/threads",
        ),
        suite(
            "api",
            false,
            vec![
                (
                    "tests.test_api",
                    "test_agent_start",
                    failed("HTTPError: HTTP Error 404: Not Found"),
                ),
                (
                    "tests.test_api",
                    "test_agent_status",
                    failed("HTTPError: HTTP Error 404: Not Found"),
                ),
                ("tests.test_api", "test_health", Outcome::Passed),
            ],
        ),
        suite(
            "probe",
            false,
            vec![
                (
                    "agent start",
                    "status",
                    failed("POST /api/agents/start answered 404, expected 200 (5 of 5 samples)"),
                ),
                ("agent events", "connect", Outcome::Passed),
                (
                    "agent events",
                    "event agent_started",
                    failed(
                        "never arrived: connection closed with 1011 (internal error) before any event",
                    ),
                ),
                (
                    "agent events",
                    "event agent_completed",
                    failed(
                        "never arrived: connection closed with 1011 (internal error) before any event",
                    ),
                ),
                (
                    "agent events",
                    "close",
                    failed("server closed with 1011 (internal error) before any event"),
                ),
            ],
        ),
    ]
}

fn headlines(causes: &[RootCause]) -> Vec<&str> {
    causes.iter().map(|c| c.headline.as_str()).collect()
}

#[test]
fn the_demo_s_three_faults_are_three_root_causes_across_suites_and_probes() {
    let suites = demo_iteration_1();
    let (causes, resolved) = analyse_with(&suites, &[WS, START], None, at(1), None);
    assert!(resolved.is_empty());
    assert_eq!(
        headlines(&causes),
        [
            "`ws://127.0.0.1:7890/ws` closes with 1011 (internal error) before any event",
            "`mission-critical` hangs (no output for 4s), waiting on `GET /api/threads`",
            "`POST /api/agents/start` answers 404 (Not Found)",
        ]
    );
    let ws = &causes[0];
    assert!(ws.critical && ws.new);
    assert_eq!(ws.id, "ws_close-1011-ws");
    assert_eq!(ws.tests.len(), 7);
    assert_eq!(
        ws.why,
        [
            "WebSocket close 1011 on `/ws`: 4 tests of `websocket-events` (no path stated), 3 checks of probe `agent events`"
        ]
    );
    assert_eq!(ws.clusters.len(), 3);
    let http = &causes[2];
    assert!(!http.critical);
    assert_eq!(
        http.evidence
            .iter()
            .map(|e| (e.suite.as_str(), e.count))
            .collect::<Vec<_>>(),
        [("api", 2), ("probe", 1)]
    );
    assert!(
        causes[1]
            .next_action
            .contains("waiting on `GET /api/threads`")
    );
}

/// Unrelated failures stay apart, each for its own reason.
#[test]
fn no_merge_without_a_shared_fact_about_the_same_target() {
    let other = ProbeTarget {
        name: "threads",
        url: "http://127.0.0.1:7890/api/threads",
        method: "GET",
        websocket: false,
    };
    let suites = vec![
        suite(
            "api",
            false,
            vec![
                // A 404 that states no path: two paths answered 404, so it cannot say which.
                ("t", "a", failed("HTTPError: HTTP Error 404: Not Found")),
                // Same exception type, different failures.
                ("t", "b", failed("KeyError: 'user_id'")),
                ("t", "c", failed("KeyError: 'thread'")),
                // Refused on two different ports.
                (
                    "t",
                    "d",
                    failed("Error: connect ECONNREFUSED 127.0.0.1:5432"),
                ),
                (
                    "t",
                    "e",
                    failed("Error: connect ECONNREFUSED 127.0.0.1:6379"),
                ),
                // Two close codes.
                (
                    "t",
                    "f",
                    failed("websocket: close 1006 (abnormal closure): unexpected EOF"),
                ),
                (
                    "t",
                    "g",
                    failed("ConnectionClosedError: received 1011 (internal error)"),
                ),
                // Assertions that happen to contain numbers.
                ("t", "h", failed("AssertionError: assert 3 == 5")),
                (
                    "t",
                    "i",
                    failed("AssertionError: expected 404 items, found 12"),
                ),
            ],
        ),
        suite(
            "probe",
            false,
            vec![
                (
                    "agent start",
                    "status",
                    failed("POST /api/agents/start answered 404, expected 200"),
                ),
                (
                    "threads",
                    "status",
                    failed("GET /api/threads answered 404, expected 200"),
                ),
            ],
        ),
    ];
    let (causes, _) = analyse_with(&suites, &[START, other], None, at(1), None);
    assert_eq!(causes.len(), 11, "{:#?}", headlines(&causes));
    assert!(causes.iter().all(|c| c.why.is_empty()), "{:#?}", causes);
}

#[test]
fn the_same_words_in_two_suites_are_two_causes_unless_they_state_a_fact() {
    let suites = vec![
        suite(
            "api",
            false,
            vec![
                ("t", "a", failed("assert False")),
                (
                    "t",
                    "b",
                    failed("ConnectionClosedError: received 1011 (internal error)"),
                ),
            ],
        ),
        suite(
            "web",
            false,
            vec![
                ("t", "a", failed("assert False")),
                (
                    "t",
                    "b",
                    failed("ConnectionClosedError: received 1011 (internal error)"),
                ),
            ],
        ),
    ];
    let (causes, _) = analyse_with(&suites, &[], None, at(1), None);
    let sizes: Vec<usize> = causes.iter().map(|c| c.tests.len()).collect();
    assert_eq!(sizes, [2, 1, 1], "{:#?}", headlines(&causes));
    assert_eq!(
        causes[0].headline,
        "The WebSocket closes with 1011 (internal error)"
    );
}

#[test]
fn two_unstated_targets_stay_apart_without_a_known_one() {
    let suites = vec![suite(
        "api",
        false,
        vec![
            ("t", "a", failed("HTTPError: HTTP Error 404: Not Found")),
            ("t", "b", failed("AssertionError: assert 404 == 200")),
        ],
    )];
    let (causes, _) = analyse_with(&suites, &[], None, at(1), None);
    assert_eq!(causes.len(), 2);
}

#[test]
fn a_cause_seen_before_keeps_its_id_and_since_and_the_gone_one_is_resolved() {
    let suites = demo_iteration_1();
    let (first, _) = analyse_with(&suites, &[WS, START], None, at(1), None);
    let previous = Previous {
        at: Some(at(1)),
        root_causes: first
            .iter()
            .map(|c| PriorRootCause {
                id: c.id.clone(),
                headline: c.headline.clone(),
                keys: keys(c),
                first_seen: c.first_seen,
                count: c.tests.len() as u32,
            })
            .collect(),
        ..Previous::default()
    };
    // Iteration 2: the 1011 is mended; the stream now stalls after agent_started.
    let stalled = "StreamStalled: event stream stalled after agent_started: no event for 1.5 s\nwaiting for agent_thinking; received: agent_started";
    let mut now = demo_iteration_1();
    now[0] = suite(
        "websocket-events",
        true,
        vec![(
            "tests.test_websocket_events",
            "test_tool_events",
            failed(stalled),
        )],
    );
    now[3]
        .tests
        .retain(|t| t.id.as_str().starts_with("probe::agent start"));
    now[3].tests.push(TestResult {
        id: TestId::new("probe", "agent events", "event tool_completed"),
        suite: "probe".into(),
        outcome: failed("never arrived within 3s (last event: agent_started)"),
        duration_s: None,
        attempts: 1,
    });
    let (causes, resolved) = analyse_with(&now, &[WS, START], Some(&previous), at(2), None);
    assert_eq!(
        headlines(&causes),
        [
            "The event stream on `ws://127.0.0.1:7890/ws` stops after `agent_started`",
            "`mission-critical` hangs (no output for 4s), waiting on `GET /api/threads`",
            "`POST /api/agents/start` answers 404 (Not Found)",
        ]
    );
    assert!(causes[0].new);
    assert_eq!(causes[0].first_seen, at(2));
    assert!(!causes[1].new && !causes[2].new);
    assert_eq!(causes[2].first_seen, at(1));
    assert_eq!(causes[2].id, first[2].id);
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].id, "ws_close-1011-ws");
}

#[test]
fn a_new_cause_after_a_new_deploy_names_the_commits_it_came_with() {
    let deployed = DeployChange {
        revision: "c3c3c3c".into(),
        previous: Some((at(1), "a1a1a1a".into())),
        last_green: Some((at(1), "a1a1a1a".into())),
        since_green: None,
        since_previous: Some(Commits {
            from: "a1a1a1a".into(),
            to: "c3c3c3c".into(),
            list: vec![
                Commit {
                    sha: "c3c3c3c".into(),
                    subject: "Tidy the router".into(),
                },
                Commit {
                    sha: "b2b2b2b".into(),
                    subject: "Break the agent start route".into(),
                },
            ],
            more: 0,
            error: None,
        }),
    };
    let (causes, _) = analyse_with(
        &demo_iteration_1(),
        &[WS, START],
        None,
        at(2),
        Some(&deployed),
    );
    assert_eq!(
        causes[2].arrived_with.as_deref(),
        Some(
            "first seen after deploying `c3c3c3c` (was `a1a1a1a`); it came with 2 commits (`a1a1a1a..c3c3c3c`): `c3c3c3c` Tidy the router; `b2b2b2b` Break the agent start route"
        )
    );
    // The same revision as before: nothing arrived with it.
    let same = DeployChange {
        previous: Some((at(1), "c3c3c3c".into())),
        ..deployed
    };
    let (causes, _) = analyse_with(&demo_iteration_1(), &[WS, START], None, at(2), Some(&same));
    assert!(causes.iter().all(|c| c.arrived_with.is_none()));
}

#[test]
fn the_backend_s_own_lines_are_quoted_under_the_cause_they_share_a_fact_with() {
    let (mut causes, _) = analyse_with(&demo_iteration_1(), &[WS, START], None, at(1), None);
    let log = LogText {
        name: "service".into(),
        link: Some(PathBuf::from("logs/x/service.log")),
        text: [
            "2026-12-02T15:09:18.371349Z  INFO greenloop::cli::demo: demo backend listening on http://127.0.0.1:7890",
            "2026-12-02T15:09:18.882982Z  WARN greenloop::demo::server: fault agents_404: answering 404 to /api/agents/start",
            r#"2026-12-02T15:09:18.904042Z  WARN greenloop::demo::agent: fault ws_1011: closing the WebSocket with 1011 run_id="run-1-1""#,
            r#"2026-12-02T15:09:19.445654Z  WARN greenloop::demo::agent: fault ws_1011: closing the WebSocket with 1011 run_id="run-2-1""#,
            "2026-12-02T15:09:19.547887Z  WARN greenloop::demo::server: fault suite_hangs: GET /api/threads will never answer",
            "2026-12-02T15:09:19.599568Z  WARN greenloop::demo::server: fault agents_404: answering 404 to /api/agents/status",
            "2026-12-02T15:09:19.600000Z ERROR something else broke: disk full",
        ]
        .join("\n"),
        first_line: 10,
    };
    attach_logs(&mut causes, &[log]);
    let quoted = |i: usize| -> Vec<(usize, usize)> {
        causes[i]
            .log_lines
            .iter()
            .map(|l| (l.line, l.more))
            .collect()
    };
    assert_eq!(quoted(0), [(12, 1)], "the 1011 lines, the second counted");
    assert_eq!(quoted(1), [(14, 0)], "the hang's endpoint");
    // Only the line about the endpoint the cause names: the 404 on `/api/agents/status` is a
    // fact about another target.
    assert_eq!(quoted(2), [(11, 0)]);
    assert!(
        causes[0]
            .next_action
            .contains("[service line 12](logs/x/service.log)")
    );
}

#[test]
fn a_line_without_a_target_is_not_quoted_for_two_causes() {
    let suites = vec![
        suite(
            "ws",
            false,
            vec![(
                "t",
                "a",
                failed("ConnectionClosedError: received 1011 (internal error)"),
            )],
        ),
        suite(
            "probe",
            false,
            vec![
                (
                    "agent events",
                    "close",
                    failed("server closed with 1011 (internal error)"),
                ),
                (
                    "other",
                    "close",
                    failed("server closed with 1011 (internal error)"),
                ),
            ],
        ),
    ];
    let other = ProbeTarget {
        name: "other",
        url: "ws://127.0.0.1:7890/other",
        ..WS
    };
    let (mut causes, _) = analyse_with(&suites, &[WS, other], None, at(1), None);
    assert_eq!(causes.len(), 3, "two paths, and a 1011 that states none");
    let log = LogText {
        name: "service".into(),
        link: None,
        text: "WARN closing the WebSocket with 1011".into(),
        first_line: 1,
    };
    attach_logs(&mut causes, &[log]);
    assert!(causes.iter().all(|c| c.log_lines.is_empty()));
}
