//! The history store's maintenance paths: one test's history, retention, closing loops, and
//! opening databases written by older (and newer) greenloops.

mod store_support;

use greenloop::model::{Outcome, TestStatus, Verdict};
use greenloop::store::{Store, schema_version};
use store_support::*;

/// Records one finished iteration of `name()` with `tests`.
fn record(store: &mut Store, verdict: Verdict, tests: Vec<(&str, Outcome)>) {
    let ref_ = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    store
        .finish_iteration(&iteration(ref_, verdict, tests), "stem", None)
        .unwrap();
}

#[test]
fn test_history_finds_a_test_by_full_id_or_suffix_and_refuses_ambiguity() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("greenloop.db")).unwrap();
    record(
        &mut store,
        Verdict::Failing,
        vec![("test_events", fail("1011")), ("test_dup", Outcome::Passed)],
    );
    record(
        &mut store,
        Verdict::Failing,
        vec![("test_dup", Outcome::Passed)],
    );
    record(
        &mut store,
        Verdict::Green,
        vec![("test_events", Outcome::Passed)],
    );

    let exact = store.test_history(&name(), "api::c::test_events").unwrap();
    let by_suffix = store.test_history(&name(), "test_events").unwrap();
    assert_eq!(exact, by_suffix);
    let seen: Vec<_> = exact
        .iter()
        .map(|row| (row.at, row.status, row.message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (at(1, 1), TestStatus::Failed, "1011"),
            (at(1, 3), TestStatus::Passed, ""),
        ]
    );
    assert_eq!(exact[0].id, id("test_events"));
    assert_eq!(exact[0].duration_s, Some(0.25));
    assert!(store.test_history(&name(), "events").unwrap().is_empty());

    // A second suite with the same test name makes the bare name ambiguous.
    let ref_ = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    let mut it = iteration(ref_, Verdict::Failing, vec![("test_dup", Outcome::Passed)]);
    let mut other = it.suites[0].tests[0].clone();
    other.id = greenloop::model::TestId::new("ws", "c", "test_dup");
    it.suites[0].tests.push(other);
    store.finish_iteration(&it, "stem", None).unwrap();
    let err = store.test_history(&name(), "test_dup").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`test_dup` matches 2 tests; give the full id of one of: api::c::test_dup, ws::c::test_dup"
    );
    assert_eq!(
        store
            .test_history(&name(), "ws::c::test_dup")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_ambiguous_suffix_lists_at_most_ten_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("greenloop.db")).unwrap();
    let names: Vec<String> = (0..12).map(|n| format!("k{n:02}.same")).collect();
    record(
        &mut store,
        Verdict::Green,
        names
            .iter()
            .map(|n| (n.as_str(), Outcome::Passed))
            .collect(),
    );
    let err = store.test_history(&name(), "same").unwrap_err();
    let listed: Vec<String> = (0..10).map(|n| format!("api::c::k{n:02}.same")).collect();
    assert_eq!(
        err.to_string(),
        format!(
            "`same` matches 12 tests; give the full id of one of: {}",
            listed.join(", ")
        )
    );
}

#[test]
fn prune_deletes_old_detail_but_keeps_every_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    let mut store = Store::open(&path).unwrap();
    for n in 0..5 {
        let gone = format!("only_in_{n}");
        record(
            &mut store,
            Verdict::Failing,
            vec![("kept", fail("x")), (gone.as_str(), Outcome::Passed)],
        );
    }
    let pruned = store.prune(&name(), 2).unwrap();
    assert_eq!(pruned, [at(1, 1), at(1, 2), at(1, 3)]);
    assert!(store.prune(&name(), 2).unwrap().is_empty(), "pruning twice");

    let history = store.history(&name()).unwrap();
    assert_eq!(history.len(), 5);
    assert_eq!(
        history[4].totals.total, 2,
        "old summaries keep their totals"
    );
    let kept = store.test_history(&name(), "kept").unwrap();
    let refs: Vec<_> = kept.iter().map(|row| row.at).collect();
    assert_eq!(refs, [at(1, 4), at(1, 5)]);
    assert!(store.test_history(&name(), "only_in_1").unwrap().is_empty());
    // failing_since survives in the kept rows even though its iteration's detail is gone.
    let previous = store.previous(&name(), at(1, 6)).unwrap().unwrap();
    assert_eq!(previous.tests[&id("kept")].failing_since, Some(at(1, 1)));
    drop(store);
    let rows = |table: &str| sql_int(&path, &format!("SELECT count(*) FROM {table}"));
    assert_eq!(rows("results"), 4);
    assert_eq!(rows("suite_results"), 2);
    assert_eq!(
        rows("tests"),
        3,
        "ids only pruned iterations used are forgotten"
    );
    assert_eq!(rows("loops"), 1);
}

#[test]
fn close_loop_closes_the_open_loop_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.open_loop(&name()).unwrap(), None);
    assert_eq!(store.close_loop(&name(), "closed by user").unwrap(), None);
    record(&mut store, Verdict::Failing, vec![]);
    record(&mut store, Verdict::Failing, vec![]);
    assert_eq!(store.open_loop(&name()).unwrap(), Some(at(1, 2)));
    assert_eq!(
        store.close_loop(&name(), "closed by user").unwrap(),
        Some(1)
    );
    assert_eq!(store.open_loop(&name()).unwrap(), None);
    assert_eq!(store.close_loop(&name(), "closed by user").unwrap(), None);
    let next = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    assert_eq!(next, at(2, 1));
    drop(store);
    let reason = sql_text(&path, "SELECT close_reason FROM loops WHERE number = 1");
    assert_eq!(reason, "closed by user");
}

/// Schema version 1 exactly as released. Frozen here on purpose: when version 2 arrives,
/// this file must still open, with its data, under the new code.
const V1_SCHEMA: &str = include_str!("fixtures/store/v1_schema.sql");

#[test]
fn a_version_1_database_opens_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(V1_SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO loops (id, loop_name, number, opened_at)
                 VALUES (1, 'staging', 1, '2026-11-01T00:00:00.000000Z');
             INSERT INTO iterations (id, loop_id, number, verdict, trigger, started_at,
                                     finished_at, total, failed, new_failures, report_stem)
                 VALUES (1, 1, 1, 'failing', 'schedule', '2026-11-01T01:00:00.000000Z',
                         '2026-11-01T01:05:00.000000Z', 1, 1, 1, 'old-stem');
             INSERT INTO tests (id, loop_name, test_id) VALUES (1, 'staging', 'api::c::a');
             INSERT INTO suite_results VALUES (1, 0, 'api', 'failed', 1, 3.0);
             INSERT INTO results VALUES (1, 1, 'api', 'failed', 0.5, 'boom', 'tb', 1, 1, 1);
             INSERT INTO clusters VALUES (1, 'boom', 'boom', 1, 1, 1, 1);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let history = store.history(&name()).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].report_stem.as_deref(), Some("old-stem"));
    assert_eq!(history[0].finished_at, Some(time(at(1, 1), 5)));
    let previous = store.previous(&name(), at(1, 2)).unwrap().unwrap();
    assert_eq!(previous.tests[&id("a")].failing_since, Some(at(1, 1)));
    assert_eq!(previous.clusters[0].signature, "boom");
    // Version 3's columns: nothing recorded before it is invented.
    assert_eq!(history[0].recovered, Vec::<String>::new());
    assert_eq!(previous.revision, None);
    assert_eq!(previous.fix, None);
    assert!(previous.root_causes.is_empty());
    assert_eq!(previous.signatures[&id("a")], "boom");
    let next = store
        .begin_iteration(&name(), false, "schedule", chrono::Utc::now())
        .unwrap();
    assert_eq!(next, at(1, 2));
    drop(store);
    assert_eq!(
        sql_int(&path, "PRAGMA user_version"),
        i64::from(schema_version())
    );
}

#[test]
fn a_new_file_is_created_in_wal_mode_at_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/nested/greenloop.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.path(), path);
    drop(store);
    assert_eq!(sql_text(&path, "PRAGMA journal_mode"), "wal");
    assert_eq!(
        sql_int(&path, "PRAGMA user_version"),
        i64::from(schema_version())
    );
}

#[test]
fn a_database_from_a_newer_greenloop_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 7;")
            .unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "database schema version 7 of {} is newer than this greenloop understands ({})",
            path.display(),
            schema_version()
        )
    );
    assert_eq!(sql_int(&path, "PRAGMA user_version"), 7);
    assert_eq!(
        sql_int(
            &path,
            "SELECT count(*) FROM sqlite_master WHERE name = 'loops'"
        ),
        0
    );
}

#[test]
fn a_file_that_is_not_a_database_names_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greenloop.db");
    std::fs::write(
        &path,
        "this is not sqlite, just text that is long enough to have a header",
    )
    .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "failed to open history database {}: the file is damaged or not a database (restore it from a backup)",
            path.display()
        )
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the SQLite cause is kept"
    );
}
