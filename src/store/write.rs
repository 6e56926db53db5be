//! Recording a finished iteration: its summary, every suite and test result, its clusters,
//! and closing the loop when the iteration ends it — all in one transaction.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::codec;
use super::db::{Store, baseline_row, close_loop_row};
use super::error::StoreError;
use super::schema;
use crate::model::{Iteration, IterationRef, LoopName, PriorFix, TestResult, Verdict};

/// The close reason when a green iteration ends its loop.
pub const CLOSED_GREEN: &str = "green";
/// The close reason when reaching `max_iterations` ends a loop.
pub const CLOSED_EXHAUSTED: &str = "exhausted";

/// The iteration's row and its loop's, as `finish_iteration` finds them.
struct Target {
    iteration_id: i64,
    loop_id: i64,
    loop_open: bool,
}

impl Store {
    /// One transaction: every suite and test result of `iteration`, its clusters, verdict,
    /// totals, finished_at, report stem and diff counts; then closes the loop when green or
    /// when `max_iterations` is reached (reason "green" / "exhausted"). Returns whether this
    /// iteration closed its loop.
    ///
    /// A crash mid-way leaves either all of it or none of it (the iteration stays `running`
    /// and `recover_interrupted` finds it). Each failing test's `failing_since` is inherited
    /// from the iteration `previous()` returns when the test was failing there too, else it is
    /// this iteration. Reaching `max_iterations` closes the loop (exhausted) whatever
    /// the verdict.
    pub fn finish_iteration(
        &mut self,
        iteration: &Iteration,
        report_stem: &str,
        max_iterations: Option<u32>,
    ) -> Result<bool, StoreError> {
        self.finish_iteration_after(iteration, report_stem, max_iterations, || Ok(()))
    }

    /// [`Self::finish_iteration`], committing only once `reports` says whether the iteration's
    /// reports were written — so the history never marks an iteration finished before its
    /// report exists, while the inserts overlap with the writing. When they could not be
    /// written, the iteration is recorded with its results all the same, without a report stem
    /// and with the reason in `error` ("…: No space left on device"), for a later run to write
    /// the report from the history.
    pub fn finish_iteration_after(
        &mut self,
        iteration: &Iteration,
        report_stem: &str,
        max_iterations: Option<u32>,
        reports: impl FnOnce() -> Result<(), String>,
    ) -> Result<bool, StoreError> {
        let at = iteration.at();
        let loop_name = &iteration.loop_name;
        let error = self.error(format!("record iteration {at} of loop {loop_name}"));
        let tx = self.write().map_err(&error)?;
        let target = match target(&tx, loop_name, at).map_err(&error)? {
            Ok(target) => target,
            Err(state) => {
                return Err(StoreError::NotRunning {
                    loop_name: loop_name.clone(),
                    at,
                    state,
                });
            }
        };
        record(&tx, iteration, &target, report_stem).map_err(&error)?;
        if let Err(why) = reports() {
            let note = match &iteration.error {
                Some(error) => format!("{error}; its report could not be written: {why}"),
                None => format!("its report could not be written: {why}"),
            };
            tx.execute(
                "UPDATE iterations SET report_stem = NULL, error = ?2 WHERE id = ?1",
                params![target.iteration_id, note],
            )
            .map_err(&error)?;
        }
        let mut closed = false;
        if target.loop_open {
            let exhausted = max_iterations.is_some_and(|max| at.iteration >= max);
            let reason = match iteration.verdict {
                Verdict::Green => Some(CLOSED_GREEN),
                _ if exhausted => Some(CLOSED_EXHAUSTED),
                _ => None,
            };
            if let Some(reason) = reason {
                close_loop_row(&tx, target.loop_id, reason).map_err(&error)?;
                closed = true;
            }
        }
        tx.commit().map_err(error)?;
        Ok(closed)
    }
}

/// Finds the running iteration `at`, or says what state it is in instead.
fn target(
    conn: &Connection,
    loop_name: &LoopName,
    at: IterationRef,
) -> rusqlite::Result<Result<Target, &'static str>> {
    let row: Option<(i64, Option<String>, i64, bool)> = conn
        .query_row(
            "SELECT i.id, i.verdict, l.id, l.closed_at IS NULL
             FROM iterations i JOIN loops l ON l.id = i.loop_id
             WHERE l.loop_name = ?1 AND l.number = ?2 AND i.number = ?3",
            params![loop_name.as_str(), at.loop_number, at.iteration],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        None => Err("unknown"),
        Some((_, Some(verdict), _, _)) if verdict == "interrupted" => Err("interrupted"),
        Some((_, Some(_), _, _)) => Err("finished"),
        Some((iteration_id, None, loop_id, loop_open)) => Ok(Target {
            iteration_id,
            loop_id,
            loop_open,
        }),
    })
}

fn record(
    tx: &Transaction<'_>,
    iteration: &Iteration,
    target: &Target,
    report_stem: &str,
) -> rusqlite::Result<()> {
    let at = iteration.at();
    update_summary(tx, iteration, target.iteration_id, report_stem)?;
    insert_suites(tx, iteration, target.iteration_id)?;
    let mut ids = test_ids(tx, &iteration.loop_name)?;
    let failing = match baseline_row(tx, &iteration.loop_name, at)? {
        Some((baseline, _)) => failing_since(tx, baseline)?,
        None => HashMap::new(),
    };
    let mut intern = tx.prepare_cached("INSERT INTO tests (loop_name, test_id) VALUES (?1, ?2)")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO results (iteration_id, test, suite, status, duration_s, message, detail,
                              attempts, failing_since_loop, failing_since_iteration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    // New ids go in sorted: appending to the unique index is much cheaper than inserting
    // 100,000 keys in the random order a battery reports them.
    let mut new_ids: Vec<&str> = iteration
        .tests()
        .map(|t| t.id.as_str())
        .filter(|id| !ids.contains_key(*id))
        .collect();
    new_ids.sort_unstable();
    new_ids.dedup();
    for id in new_ids {
        let row = intern.insert(params![iteration.loop_name.as_str(), id])?;
        ids.insert(id.to_owned(), row);
    }
    let mut range: Option<(i64, i64)> = None;
    for test in iteration.tests() {
        let test_row = ids[test.id.as_str()];
        let since = test
            .outcome
            .status()
            .is_failure()
            .then(|| failing.get(&test_row).copied().unwrap_or(at));
        let result_row = insert_result(&mut insert, target.iteration_id, test_row, test, since)?;
        range = Some(range.map_or((result_row, result_row), |(first, _)| (first, result_row)));
    }
    tx.execute(
        "UPDATE iterations SET first_result = ?2, last_result = ?3 WHERE id = ?1",
        params![target.iteration_id, range.map(|r| r.0), range.map(|r| r.1)],
    )?;
    insert_clusters(tx, iteration, target.iteration_id)?;
    insert_root_causes(tx, iteration, target.iteration_id)
}

fn update_summary(
    tx: &Transaction<'_>,
    iteration: &Iteration,
    iteration_id: i64,
    report_stem: &str,
) -> rusqlite::Result<()> {
    let t = &iteration.totals;
    let d = &iteration.diff;
    tx.execute(
        "UPDATE iterations SET verdict = ?2, finished_at = ?3, error = ?4, report_stem = ?5,
             total = ?6, passed = ?7, failed = ?8, errors = ?9, skipped = ?10, timeouts = ?11,
             flaky = ?12, new_failures = ?13, fixed = ?14, removed = ?15, revision = ?16,
             recovered = ?17
         WHERE id = ?1",
        params![
            iteration_id,
            iteration.verdict.as_str(),
            codec::time(iteration.finished_at),
            iteration.error,
            report_stem,
            codec::count(t.total),
            codec::count(t.passed),
            codec::count(t.failed),
            codec::count(t.errors),
            codec::count(t.skipped),
            codec::count(t.timeouts),
            codec::count(t.flaky),
            codec::count(d.new_failures.len()),
            codec::count(d.fixed.len()),
            codec::count(d.removed.len()),
            iteration.deployed.as_ref().map(|d| d.revision.as_str()),
            d.recovered
                .iter()
                .map(|r| r.describe())
                .collect::<Vec<_>>()
                .join("\n"),
        ],
    )?;
    Ok(())
}

fn insert_suites(
    tx: &Transaction<'_>,
    iteration: &Iteration,
    iteration_id: i64,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO suite_results (iteration_id, position, name, status, critical, duration_s)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, suite) in iteration.suites.iter().enumerate() {
        insert.execute(params![
            iteration_id,
            codec::count(position),
            suite.name,
            suite.status().as_str(),
            suite.critical,
            suite.duration().as_secs_f64(),
        ])?;
    }
    Ok(())
}

/// Every interned test id of `loop_name`, loaded once so 100,000 results need no lookups.
fn test_ids(conn: &Connection, loop_name: &LoopName) -> rusqlite::Result<HashMap<String, i64>> {
    let mut statement =
        conn.prepare_cached("SELECT test_id, id FROM tests WHERE loop_name = ?1")?;
    let rows = statement.query_map([loop_name.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The failing tests of iteration row `baseline`, by interned id, with when they began failing.
fn failing_since(conn: &Connection, baseline: i64) -> rusqlite::Result<HashMap<i64, IterationRef>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT r.test, r.failing_since_loop, r.failing_since_iteration FROM results r
         WHERE {} AND r.failing_since_loop IS NOT NULL",
        schema::RESULTS_OF_ITERATION
    ))?;
    let rows = statement.query_map([baseline], codec::id_and_ref)?;
    rows.collect()
}

fn insert_result(
    insert: &mut rusqlite::CachedStatement<'_>,
    iteration_id: i64,
    test_row: i64,
    test: &TestResult,
    since: Option<IterationRef>,
) -> rusqlite::Result<i64> {
    insert.insert(params![
        iteration_id,
        test_row,
        test.suite,
        test.outcome.status().as_str(),
        test.duration_s,
        test.outcome.message(),
        codec::cap_detail(test.outcome.detail()),
        test.attempts,
        since.map(|s| s.loop_number),
        since.map(|s| s.iteration),
    ])
}

fn insert_clusters(
    tx: &Transaction<'_>,
    iteration: &Iteration,
    iteration_id: i64,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO clusters (iteration_id, signature, example, count, critical,
                               first_seen_loop, first_seen_iteration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for cluster in &iteration.clusters {
        insert.execute(params![
            iteration_id,
            cluster.signature,
            cluster.example,
            codec::count(cluster.tests.len()),
            cluster.critical,
            cluster.first_seen.loop_number,
            cluster.first_seen.iteration,
        ])?;
    }
    Ok(())
}

fn insert_root_causes(
    tx: &Transaction<'_>,
    iteration: &Iteration,
    iteration_id: i64,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO root_causes (iteration_id, position, cause, headline, keys, count, critical,
                                  first_seen_loop, first_seen_iteration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (position, cause) in iteration.root_causes.iter().enumerate() {
        insert.execute(params![
            iteration_id,
            codec::count(position),
            cause.id,
            cause.headline,
            crate::cause::keys(cause).join("\n"),
            codec::count(cause.tests.len()),
            cause.critical,
            cause.first_seen.loop_number,
            cause.first_seen.iteration,
        ])?;
    }
    Ok(())
}

impl Store {
    /// Records how the `[fix]` step after iteration `at` went, for the next iteration's report.
    pub fn record_fix(
        &mut self,
        loop_name: &LoopName,
        at: IterationRef,
        fix: &PriorFix,
    ) -> Result<(), StoreError> {
        let error = self.error(format!("record the fix after {at} of loop {loop_name}"));
        self.conn
            .execute(
                "UPDATE iterations SET fix_succeeded = ?4, fix_summary = ?5, fix_said = ?6
                 WHERE loop_id = (SELECT id FROM loops WHERE loop_name = ?1 AND number = ?2)
                   AND number = ?3",
                params![
                    loop_name.as_str(),
                    at.loop_number,
                    at.iteration,
                    fix.succeeded,
                    fix.summary,
                    fix.said,
                ],
            )
            .map_err(error)?;
        Ok(())
    }
}
