//! Clustering as a report reader meets it: ranking, carried-over first sightings, resolved
//! clusters and the critical flag.

use super::*;
use crate::model::{Outcome, PriorCluster, ProcessEnd};

fn at(loop_number: u32, iteration: u32) -> IterationRef {
    IterationRef {
        loop_number,
        iteration,
    }
}

fn failed(message: &str) -> Outcome {
    Outcome::Failed {
        message: message.into(),
        detail: "Traceback …".into(),
    }
}

fn suite(name: &str, critical: bool, outcomes: Vec<Outcome>) -> SuiteResult {
    let tests = outcomes.into_iter().map(|o| (o, 0.1)).collect();
    SuiteResult {
        critical,
        ..SuiteResult::for_test(name, ProcessEnd::Exited(1), tests)
    }
}

fn ids(cluster: &Cluster) -> Vec<&str> {
    cluster.tests.iter().map(TestId::as_str).collect()
}

const WS_1011: &str = "ConnectionClosedError: received 1011 (internal error)";

#[test]
fn one_line_per_failure_ranked_critical_first_then_by_size() {
    let current = [
        suite(
            "api",
            false,
            vec![
                failed("AssertionError: assert 500 == 200"),
                failed("AssertionError: assert 404 == 200"),
                failed("AssertionError: assert 500 == 200"),
                Outcome::Passed,
                Outcome::Flaky {
                    failures: 1,
                    message: WS_1011.into(),
                },
            ],
        ),
        suite(
            "ws",
            true,
            vec![failed(&format!("{WS_1011} id=0x7f3b2c1d"))],
        ),
    ];
    let (clusters, resolved) = cluster(&current, None, at(1, 1));
    let signatures: Vec<&str> = clusters.iter().map(|c| c.signature.as_str()).collect();
    assert_eq!(
        signatures,
        [
            "ConnectionClosedError: received 1011 (internal error) id=<hex>",
            "AssertionError: assert 500 == 200",
            "AssertionError: assert 404 == 200",
        ],
        "critical first, then the biggest; a flaky test is not a failure"
    );
    assert!(clusters[0].critical && !clusters[1].critical);
    assert_eq!(ids(&clusters[1]), ["api::c::0", "api::c::2"]);
    assert_eq!(clusters[1].example, "AssertionError: assert 500 == 200");
    assert!(clusters.iter().all(|c| c.first_seen == at(1, 1)));
    assert!(resolved.is_empty());
}

#[test]
fn ties_rank_by_signature_and_the_example_is_the_first_test_by_id() {
    let current = [suite(
        "api",
        false,
        vec![
            failed("b: request 1 failed"),
            failed("a: boom"),
            failed("b: request 2 failed"),
            failed("a: boom"),
        ],
    )];
    let (clusters, _) = cluster(&current, None, at(1, 1));
    assert_eq!(clusters[0].signature, "a: boom");
    assert_eq!(clusters[1].signature, "b: request <n> failed");
    assert_eq!(clusters[1].example, "b: request 1 failed");
}

#[test]
fn a_blank_message_clusters_under_its_status() {
    let current = [suite(
        "ws",
        false,
        vec![
            Outcome::Timeout {
                message: String::new(),
            },
            Outcome::Timeout {
                message: " \n".into(),
            },
            Outcome::Error {
                message: String::new(),
                detail: String::new(),
            },
        ],
    )];
    let (clusters, _) = cluster(&current, None, at(1, 1));
    let lines: Vec<(&str, usize, &str)> = clusters
        .iter()
        .map(|c| (c.signature.as_str(), c.tests.len(), c.example.as_str()))
        .collect();
    assert_eq!(lines, [("timeout", 2, "timeout"), ("error", 1, "error")]);
}

#[test]
fn first_seen_carries_over_and_gone_clusters_are_resolved() {
    let previous = Previous {
        at: Some(at(1, 3)),
        clusters: vec![
            PriorCluster {
                signature: "ConnectionClosedError: received 1011 (internal error)".into(),
                first_seen: at(1, 1),
                count: 4,
            },
            PriorCluster {
                signature: "AssertionError: assert 404 == 200".into(),
                first_seen: at(1, 2),
                count: 1,
            },
            PriorCluster {
                signature: "KeyError: 'user_<n>'".into(),
                first_seen: at(1, 3),
                count: 2,
            },
        ],
        ..Previous::default()
    };
    let current = [suite(
        "ws",
        true,
        vec![failed(WS_1011), failed("AssertionError: assert 500 == 200")],
    )];
    let (clusters, resolved) = cluster(&current, Some(&previous), at(2, 1));
    let seen: Vec<(&str, IterationRef)> = clusters
        .iter()
        .map(|c| (c.signature.as_str(), c.first_seen))
        .collect();
    assert_eq!(
        seen,
        [
            ("AssertionError: assert 500 == 200", at(2, 1)),
            (
                "ConnectionClosedError: received 1011 (internal error)",
                at(1, 1)
            ),
        ]
    );
    let gone: Vec<(&str, u32)> = resolved
        .iter()
        .map(|r| (r.signature.as_str(), r.count))
        .collect();
    assert_eq!(
        gone,
        [
            ("KeyError: 'user_<n>'", 2),
            ("AssertionError: assert 404 == 200", 1)
        ],
        "404 is resolved even though another assert fails now: the codes differ"
    );
    assert_eq!(resolved[0].first_seen, at(1, 3));
}

#[test]
fn no_failures_means_no_clusters_and_everything_before_resolved() {
    let previous = Previous {
        clusters: vec![PriorCluster {
            signature: "timeout".into(),
            first_seen: at(1, 1),
            count: 3,
        }],
        ..Previous::default()
    };
    let current = [suite("api", true, vec![Outcome::Passed])];
    let (clusters, resolved) = cluster(&current, Some(&previous), at(1, 2));
    assert!(clusters.is_empty());
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].signature, "timeout");
}
