//! The history store as its callers see it: loop numbering, recovery after a crash, the
//! previous iteration, history, one test's history, retention and closing loops.

mod store_support;

use greenloop::model::{IterationRef, Outcome, PriorTest, SuiteStatus, TestStatus, Verdict};
use greenloop::store::{Store, StoreError};
use store_support::*;

/// One step of a loop-rules scenario: begin (optionally a new loop), expect the numbers,
/// then finish with a verdict.
struct Step {
    new_loop: bool,
    expect: (u32, u32),
    verdict: Verdict,
}

fn step(expect: (u32, u32), verdict: Verdict) -> Step {
    Step {
        new_loop: false,
        expect,
        verdict,
    }
}

fn new_loop(expect: (u32, u32), verdict: Verdict) -> Step {
    Step {
        new_loop: true,
        ..step(expect, verdict)
    }
}

/// Runs `steps` against a fresh database, optionally reopening it before every step, and
/// returns the loops' close reasons, oldest first.
fn run_rules(max: Option<u32>, steps: &[Step], reopen: bool) -> Vec<Option<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/greenloop.db");
    let mut store = Store::open(&path).unwrap();
    for (n, s) in steps.iter().enumerate() {
        if reopen {
            drop(store);
            store = Store::open(&path).unwrap();
        }
        let expect = at(s.expect.0, s.expect.1);
        let got = store
            .begin_iteration(&name(), s.new_loop, "schedule", time(expect, 0))
            .unwrap();
        assert_eq!(got, expect, "step {n} (reopen: {reopen})");
        assert_eq!(store.open_loop(&name()).unwrap(), Some(expect));
        let tests = vec![("a", Outcome::Passed)];
        let closed = store
            .finish_iteration(&iteration(got, s.verdict, tests), "stem", max)
            .unwrap();
        assert_eq!(
            closed,
            store.open_loop(&name()).unwrap().is_none(),
            "step {n}: finish_iteration says whether it closed the loop"
        );
    }
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut statement = conn
        .prepare("SELECT close_reason FROM loops ORDER BY number")
        .unwrap();
    let reasons = statement.query_map([], |r| r.get(0)).unwrap();
    reasons.collect::<Result<_, _>>().unwrap()
}

/// What a scenario shows, its max_iterations, its steps, and the loops' close reasons.
type Case = (&'static str, Option<u32>, Vec<Step>, Vec<Option<String>>);

#[test]
fn loop_rules_number_iterations_and_close_loops() {
    use Verdict::*;
    let some = |s: &str| Some(s.to_owned());
    let cases: Vec<Case> = vec![
        (
            "failing continues, green closes, the next run opens Loop 2",
            Some(5),
            vec![
                step((1, 1), Failing),
                step((1, 2), Failing),
                step((1, 3), Green),
                step((2, 1), Failing),
            ],
            vec![some("green"), None],
        ),
        (
            "reaching max_iterations closes the loop as exhausted",
            Some(2),
            vec![
                step((1, 1), Failing),
                step((1, 2), Failing),
                step((2, 1), Green),
                step((3, 1), Failing),
            ],
            vec![some("exhausted"), some("green"), None],
        ),
        (
            "error and interrupted iterations leave the loop open",
            None,
            vec![
                step((1, 1), Error),
                step((1, 2), Interrupted),
                step((1, 3), Failing),
                step((1, 4), Green),
            ],
            vec![some("green")],
        ),
        (
            "as in counter.rs, an error at max_iterations still exhausts the loop",
            Some(2),
            vec![
                step((1, 1), Failing),
                step((1, 2), Error),
                step((2, 1), Failing),
            ],
            vec![some("exhausted"), None],
        ),
        (
            "new_loop closes the open loop and starts Iteration 1 of the next",
            None,
            vec![
                step((1, 1), Failing),
                new_loop((2, 1), Failing),
                step((2, 2), Failing),
                new_loop((3, 1), Green),
                new_loop((4, 1), Failing),
            ],
            vec![
                some("closed for a new loop"),
                some("closed for a new loop"),
                some("green"),
                None,
            ],
        ),
    ];
    for (what, max, steps, reasons) in cases {
        for reopen in [false, true] {
            assert_eq!(run_rules(max, &steps, reopen), reasons, "{what}");
        }
    }
}

#[test]
fn a_crashed_iteration_is_recovered_as_interrupted_and_numbering_continues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    let mut store = Store::open(&path).unwrap();
    let first = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 1), 0))
        .unwrap();
    store
        .finish_iteration(&iteration(first, Verdict::Failing, vec![]), "s1", None)
        .unwrap();
    let second = store
        .begin_iteration(&name(), false, "manual (api)", time(at(1, 2), 0))
        .unwrap();
    drop(store); // the crash: no finish_iteration

    let mut store = Store::open(&path).unwrap();
    let err = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 3), 0))
        .unwrap_err();
    assert!(matches!(err, StoreError::StillRunning { at, .. } if at == second));
    let recovered = store.recover_interrupted(&name()).unwrap();
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].loop_name, name());
    assert_eq!(recovered[0].at, at(1, 2));
    assert_eq!(recovered[0].trigger, "manual (api)");
    assert_eq!(recovered[0].started_at, time(at(1, 2), 0));
    assert!(store.recover_interrupted(&name()).unwrap().is_empty());
    // Recovery is per loop: another definition's running iteration is not this loop's to mark.
    let other = greenloop::model::LoopName::new("other").unwrap();
    store
        .begin_iteration(&other, false, "manual (cli)", time(at(1, 1), 0))
        .unwrap();
    assert!(store.recover_interrupted(&name()).unwrap().is_empty());
    assert_eq!(store.recover_interrupted(&other).unwrap().len(), 1);

    let history = store.history(&name()).unwrap();
    assert_eq!(history[0].at, at(1, 2));
    assert_eq!(history[0].verdict, Some(Verdict::Interrupted));
    assert_eq!(history[0].finished_at, None);
    // Too late to record it now: its report says interrupted.
    let late = store.finish_iteration(&iteration(second, Verdict::Failing, vec![]), "s2", None);
    assert_eq!(
        late.unwrap_err().to_string(),
        "failed to record iteration Loop 1 / Iteration 2 of loop staging: it is interrupted, not running"
    );
    let next = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 3), 0))
        .unwrap();
    assert_eq!(next, at(1, 3));
}

#[test]
fn previous_returns_stored_statuses_failing_since_suites_and_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("greenloop.db")).unwrap();
    let mut record = |verdict: Verdict, tests: Vec<(&str, Outcome)>, max: Option<u32>| {
        let ref_ = store
            .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
            .unwrap();
        let mut it = iteration(ref_, verdict, tests);
        it.clusters = vec![cluster("received 1011", &["b"], at(1, 1))];
        store.finish_iteration(&it, "stem", max).unwrap();
        ref_
    };
    use Verdict::*;
    let it1 = record(
        Failing,
        vec![
            ("a", Outcome::Passed),
            ("b", fail("1011")),
            ("c", fail("x")),
        ],
        None,
    );
    let it2 = record(
        Failing,
        vec![
            ("a", fail("y")),
            ("b", fail("1011")),
            ("c", Outcome::Passed),
        ],
        None,
    );
    let it3 = record(Error, vec![], None);
    let it4 = record(Failing, vec![("a", fail("y")), ("b", fail("1011"))], None);
    let it5 = record(
        Green,
        vec![("a", Outcome::Passed), ("b", Outcome::Passed)],
        None,
    );
    assert_eq!([it1, it5], [at(1, 1), at(1, 5)]);

    let prior = |status, since| PriorTest {
        status,
        failing_since: since,
    };
    assert_eq!(store.previous(&name(), it1).unwrap(), None);

    let p2 = store.previous(&name(), it2).unwrap().unwrap();
    assert_eq!(p2.at, Some(it1));
    assert_eq!(p2.verdict, Some(Failing));
    assert_eq!(p2.totals.total, 3);
    assert_eq!(p2.totals.failed, 2);
    assert_eq!(p2.tests[&id("a")], prior(TestStatus::Passed, None));
    assert_eq!(p2.tests[&id("b")], prior(TestStatus::Failed, Some(it1)));
    assert_eq!(p2.tests[&id("c")], prior(TestStatus::Failed, Some(it1)));
    assert_eq!(p2.suites.get("api"), Some(&SuiteStatus::Failed));
    assert_eq!(p2.clusters.len(), 1);
    assert_eq!(p2.clusters[0].signature, "received 1011");
    assert_eq!((p2.clusters[0].first_seen, p2.clusters[0].count), (it1, 1));

    // Iteration 3 errored, so Iteration 4 compares against Iteration 2, and b's failures,
    // unbroken since Iteration 1, keep their start.
    let p3 = store.previous(&name(), it3).unwrap().unwrap();
    assert_eq!(p3.at, Some(it2));
    assert_eq!(p3.tests[&id("a")], prior(TestStatus::Failed, Some(it2)));
    assert_eq!(p3.tests[&id("b")], prior(TestStatus::Failed, Some(it1)));
    assert_eq!(p3.tests[&id("c")], prior(TestStatus::Passed, None));
    let p4 = store.previous(&name(), it4).unwrap().unwrap();
    assert_eq!(p4.at, Some(it2));
    let p5 = store.previous(&name(), it5).unwrap().unwrap();
    assert_eq!(p5.at, Some(it4));
    assert_eq!(p5.tests[&id("a")], prior(TestStatus::Failed, Some(it2)));
    assert_eq!(p5.tests[&id("b")], prior(TestStatus::Failed, Some(it1)));
    assert!(!p5.tests.contains_key(&id("c")));

    // The green Iteration 5 closed Loop 1; Loop 2 still compares against it.
    let next = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    assert_eq!(next, at(2, 1));
    let across = store.previous(&name(), next).unwrap().unwrap();
    assert_eq!(across.at, Some(it5));
    assert_eq!(across.verdict, Some(Green));
    assert_eq!(across.tests[&id("b")], prior(TestStatus::Passed, None));
}

#[test]
fn history_lists_every_iteration_newest_first_with_diff_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("greenloop.db")).unwrap();
    let first = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 1), 0))
        .unwrap();
    let it = iteration(
        first,
        Verdict::Failing,
        vec![("a", fail("boom")), ("b", Outcome::Passed)],
    );
    store
        .finish_iteration(&it, "2026-11-01_loop-01_iteration-01", None)
        .unwrap();
    let second = store
        .begin_iteration(&name(), false, "fix step", time(at(1, 2), 0))
        .unwrap();
    let mut it = iteration(
        second,
        Verdict::Failing,
        vec![("a", Outcome::Passed), ("c", fail("new"))],
    );
    it.diff.new_failures = vec![id("c")];
    it.diff.fixed = vec![id("a")];
    it.diff.removed = vec![id("b")];
    store
        .finish_iteration(&it, "2026-11-01_loop-01_iteration-02", None)
        .unwrap();
    let running = store
        .begin_iteration(&name(), false, "schedule", time(at(1, 3), 0))
        .unwrap();

    let history = store.history(&name()).unwrap();
    let refs: Vec<IterationRef> = history.iter().map(|row| row.at).collect();
    assert_eq!(refs, [running, second, first]);
    let (now, done, old) = (&history[0], &history[1], &history[2]);
    assert_eq!(
        (now.verdict, now.finished_at, now.report_stem.as_deref()),
        (None, None, None)
    );
    assert_eq!(now.started_at, time(at(1, 3), 0));
    assert_eq!(done.verdict, Some(Verdict::Failing));
    assert_eq!(done.trigger, "fix step");
    assert_eq!(done.finished_at, Some(time(second, 5)));
    assert_eq!((done.new_failures, done.fixed, done.removed), (1, 1, 1));
    assert_eq!(
        (done.totals.total, done.totals.passed, done.totals.failed),
        (2, 1, 1)
    );
    assert_eq!(
        done.report_stem.as_deref(),
        Some("2026-11-01_loop-01_iteration-02")
    );
    assert_eq!((old.new_failures, old.fixed, old.removed), (0, 0, 0));
    let other = greenloop::model::LoopName::new("other").unwrap();
    assert!(store.history(&other).unwrap().is_empty());
}

#[test]
fn verdict_before_spans_loops_counts_errors_and_skips_interrupted_and_running() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    let mut store = Store::open(&path).unwrap();
    let finish = |store: &mut Store, expect: IterationRef, verdict: Verdict| {
        let got = store
            .begin_iteration(&name(), false, "schedule", time(expect, 0))
            .unwrap();
        assert_eq!(got, expect);
        store
            .finish_iteration(&iteration(got, verdict, vec![]), "stem", None)
            .unwrap();
    };
    finish(&mut store, at(1, 1), Verdict::Green); // closes Loop 1
    finish(&mut store, at(2, 1), Verdict::Error);
    finish(&mut store, at(2, 2), Verdict::Failing);
    store
        .begin_iteration(&name(), false, "schedule", time(at(2, 3), 0))
        .unwrap();
    drop(store); // a crash: Loop 2 / Iteration 3 is found interrupted
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.recover_interrupted(&name()).unwrap().len(), 1);
    store
        .begin_iteration(&name(), false, "schedule", time(at(2, 4), 0))
        .unwrap(); // still running

    let cases = [
        (at(1, 1), None),
        (at(2, 1), Some(Verdict::Green)),
        (at(2, 2), Some(Verdict::Error)),
        (at(2, 3), Some(Verdict::Failing)),
        (at(2, 4), Some(Verdict::Failing)),
        (at(2, 5), Some(Verdict::Failing)),
    ];
    for (before, expected) in cases {
        assert_eq!(
            store.verdict_before(&name(), before).unwrap(),
            expected,
            "before {before}"
        );
    }
    let other = greenloop::model::LoopName::new("other").unwrap();
    assert_eq!(store.verdict_before(&other, at(9, 9)).unwrap(), None);
}

#[test]
fn what_the_next_report_explains_with_is_read_back_with_the_previous_iteration() {
    use greenloop::model::{
        DeployChange, Fact, FactKind, PriorFix, RootCause, SuiteRecovery, TestId,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("greenloop.db")).unwrap();
    let first = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    let mut it = iteration(first, Verdict::Failing, vec![("a", fail("received 1011"))]);
    it.deployed = Some(DeployChange {
        revision: "abc123".into(),
        previous: None,
        last_green: None,
        since_green: None,
        since_previous: None,
    });
    it.diff.recovered = vec![SuiteRecovery {
        suite: "mission-critical".into(),
        stand_in: TestId::new("mission-critical", "suite", "exit code"),
        before: TestStatus::Timeout,
        passed: 3,
        ran: 3,
    }];
    it.root_causes = vec![RootCause {
        id: "ws_close-1011-ws".into(),
        headline: "The WebSocket closes with 1011 (internal error)".into(),
        facts: vec![Fact {
            kind: FactKind::WsClose,
            value: "1011".into(),
            target: Some("/ws".into()),
        }],
        why: vec![],
        critical: true,
        first_seen: first,
        new: true,
        tests: vec![id("a")],
        evidence: vec![],
        clusters: vec!["received 1011".into()],
        log_lines: vec![],
        arrived_with: None,
        next_action: "Find the error.".into(),
    }];
    store.finish_iteration(&it, "stem", None).unwrap();
    let fix = PriorFix {
        after: first,
        succeeded: true,
        summary: "exit 0 in 0.20 s".into(),
        said: Some("mended ws_1011".into()),
    };
    store.record_fix(&name(), first, &fix).unwrap();

    let next = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    let previous = store.previous(&name(), next).unwrap().unwrap();
    assert_eq!(previous.revision.as_deref(), Some("abc123"));
    assert_eq!(previous.fix, Some(fix));
    assert_eq!(previous.signatures[&id("a")], "received 1011");
    let [cause] = previous.root_causes.as_slice() else {
        panic!("{:?}", previous.root_causes)
    };
    assert_eq!(cause.id, "ws_close-1011-ws");
    assert_eq!(cause.first_seen, first);
    assert_eq!(cause.count, 1);
    assert_eq!(cause.keys, ["sig received 1011", "ws_close 1011@/ws"]);
    assert_eq!(
        store.history(&name()).unwrap()[1].recovered,
        ["`mission-critical`: hung → 3/3 passed"]
    );
    assert_eq!(
        store.last_green_revision(&name(), next).unwrap(),
        None,
        "no green iteration yet"
    );
}
