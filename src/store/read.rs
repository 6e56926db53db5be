//! Reading history back: the previous iteration for the diff, every iteration's summary, and
//! one test across iterations.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec;
use super::db::{Store, baseline_row};
use super::error::StoreError;
use super::schema;
use crate::model::{
    IterationRef, IterationSummary, LoopName, Previous, PriorCluster, PriorFix, PriorRootCause,
    PriorTest, SuiteStatus, TestHistoryRow, TestId, Totals, Verdict,
};

/// How many matching ids an ambiguous-suffix error lists.
const AMBIGUOUS_LISTED: usize = 10;

impl Store {
    /// The newest green or failing iteration of this definition strictly before `before`,
    /// across loop boundaries, with every test's status and failing_since, suite statuses and
    /// clusters.
    ///
    /// Error and interrupted iterations are skipped (their results are missing or partial, so
    /// diffing against them would call every test added and then new), and so are iterations
    /// whose detail `prune` deleted. `None` when there is no such iteration.
    pub fn previous(
        &self,
        loop_name: &LoopName,
        before: IterationRef,
    ) -> Result<Option<Previous>, StoreError> {
        let error = self.error(format!(
            "read the iteration before {before} of loop {loop_name}"
        ));
        let Some((row, at)) = baseline_row(&self.conn, loop_name, before).map_err(&error)? else {
            return Ok(None);
        };
        load_previous(&self.conn, row, at).map(Some).map_err(error)
    }

    /// The verdict of the newest finished iteration of this definition strictly before
    /// `before`, across loop boundaries, skipping interrupted ones (they say nothing about the
    /// system under test); `None` when there is none. Unlike [`Self::previous`], `error`
    /// iterations count: notifications say when a loop starts or stops being able to run.
    pub fn verdict_before(
        &self,
        loop_name: &LoopName,
        before: IterationRef,
    ) -> Result<Option<Verdict>, StoreError> {
        let read = || -> rusqlite::Result<Option<Verdict>> {
            self.conn
                .prepare_cached(
                    "SELECT i.verdict FROM iterations i JOIN loops l ON l.id = i.loop_id
                     WHERE l.loop_name = ?1 AND i.verdict IN ('green', 'failing', 'error')
                       AND (l.number < ?2 OR (l.number = ?2 AND i.number < ?3))
                     ORDER BY l.number DESC, i.number DESC LIMIT 1",
                )?
                .query_row(
                    params![loop_name.as_str(), before.loop_number, before.iteration],
                    |r| codec::parse_verdict(&r.get::<_, String>(0)?, 0),
                )
                .optional()
        };
        read().map_err(self.error(format!(
            "read the verdict before {before} of loop {loop_name}"
        )))
    }

    /// The newest green iteration of this definition strictly before `before` that recorded a
    /// revision, with that revision: where "the commits deployed since the last green" start.
    pub fn last_green_revision(
        &self,
        loop_name: &LoopName,
        before: IterationRef,
    ) -> Result<Option<(IterationRef, String)>, StoreError> {
        let read = || -> rusqlite::Result<Option<(IterationRef, String)>> {
            self.conn
                .prepare_cached(
                    "SELECT l.number, i.number, i.revision
                     FROM iterations i JOIN loops l ON l.id = i.loop_id
                     WHERE l.loop_name = ?1 AND i.verdict = 'green' AND i.revision IS NOT NULL
                       AND (l.number < ?2 OR (l.number = ?2 AND i.number < ?3))
                     ORDER BY l.number DESC, i.number DESC LIMIT 1",
                )?
                .query_row(
                    params![loop_name.as_str(), before.loop_number, before.iteration],
                    |r| {
                        Ok((
                            IterationRef {
                                loop_number: r.get(0)?,
                                iteration: r.get(1)?,
                            },
                            r.get(2)?,
                        ))
                    },
                )
                .optional()
        };
        read().map_err(self.error(format!(
            "read the last green revision before {before} of loop {loop_name}"
        )))
    }

    /// Every loop definition with history, sorted.
    pub fn loop_names(&self) -> Result<Vec<LoopName>, StoreError> {
        let read = || -> rusqlite::Result<Vec<LoopName>> {
            let mut statement = self
                .conn
                .prepare_cached("SELECT DISTINCT loop_name FROM loops ORDER BY loop_name")?;
            let rows =
                statement.query_map([], |row| codec::loop_name(&row.get::<_, String>(0)?, 0))?;
            rows.collect()
        };
        read().map_err(self.error("list the loop definitions with history".to_owned()))
    }

    /// Every iteration's summary row, newest first.
    pub fn history(&self, loop_name: &LoopName) -> Result<Vec<IterationSummary>, StoreError> {
        let read = || -> rusqlite::Result<Vec<IterationSummary>> {
            let mut statement = self.conn.prepare_cached(
                "SELECT l.number, i.number, i.started_at, i.finished_at, i.verdict, i.trigger,
                        i.total, i.passed, i.failed, i.errors, i.skipped, i.timeouts, i.flaky,
                        i.new_failures, i.fixed, i.removed, i.report_stem, i.recovered
                 FROM iterations i JOIN loops l ON l.id = i.loop_id
                 WHERE l.loop_name = ?1 ORDER BY l.number DESC, i.number DESC",
            )?;
            let rows = statement.query_map([loop_name.as_str()], summary)?;
            rows.collect()
        };
        read().map_err(self.error(format!("read the history of loop {loop_name}")))
    }

    /// One test across iterations, oldest first.
    ///
    /// `pattern` matches a full id exactly, else as a suffix that starts a `::` or `.`
    /// separated part (`test_events` matches `ws::tests.e2e::test_events`, `events` does not).
    /// A suffix matching several ids is an error listing up to 10 of them; matching nothing
    /// gives an empty list.
    pub fn test_history(
        &self,
        loop_name: &LoopName,
        pattern: &str,
    ) -> Result<Vec<TestHistoryRow>, StoreError> {
        let error = self.error(format!(
            "read the history of test {pattern} in loop {loop_name}"
        ));
        let candidates = matching_tests(&self.conn, loop_name, pattern).map_err(&error)?;
        let (row, id) = match candidates.len() {
            0 => return Ok(Vec::new()),
            1 => candidates.into_iter().next().expect("one candidate"),
            count => {
                return Err(StoreError::AmbiguousTest {
                    pattern: pattern.to_owned(),
                    count,
                    listed: candidates
                        .into_iter()
                        .take(AMBIGUOUS_LISTED)
                        .map(|(_, id)| id)
                        .collect(),
                });
            }
        };
        test_rows(&self.conn, row, &id).map_err(error)
    }
}

fn load_previous(conn: &Connection, row: i64, at: IterationRef) -> rusqlite::Result<Previous> {
    let (verdict, totals, revision, fix) = conn.query_row(
        "SELECT verdict, total, passed, failed, errors, skipped, timeouts, flaky, revision,
                fix_succeeded, fix_summary, fix_said
         FROM iterations WHERE id = ?1",
        [row],
        |r| {
            let fix = match (
                r.get::<_, Option<bool>>(9)?,
                r.get::<_, Option<String>>(10)?,
            ) {
                (Some(succeeded), Some(summary)) => Some(PriorFix {
                    after: at,
                    succeeded,
                    summary,
                    said: r.get(11)?,
                }),
                _ => None,
            };
            Ok((
                codec::parse_verdict(&r.get::<_, String>(0)?, 0)?,
                totals(r, 1)?,
                r.get::<_, Option<String>>(8)?,
                fix,
            ))
        },
    )?;
    let (tests, signatures) = prior_tests(conn, row)?;
    Ok(Previous {
        at: Some(at),
        verdict: Some(verdict),
        totals,
        tests,
        suites: prior_suites(conn, row)?,
        clusters: prior_clusters(conn, row)?,
        root_causes: prior_root_causes(conn, row)?,
        signatures,
        revision,
        fix,
    })
}

fn prior_root_causes(conn: &Connection, row: i64) -> rusqlite::Result<Vec<PriorRootCause>> {
    let mut statement = conn.prepare_cached(
        "SELECT cause, headline, keys, first_seen_loop, first_seen_iteration, count
         FROM root_causes WHERE iteration_id = ?1 ORDER BY position",
    )?;
    let rows = statement.query_map([row], |r| {
        Ok(PriorRootCause {
            id: r.get(0)?,
            headline: r.get(1)?,
            keys: r.get::<_, String>(2)?.lines().map(str::to_owned).collect(),
            first_seen: IterationRef {
                loop_number: r.get(3)?,
                iteration: r.get(4)?,
            },
            count: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// Every test of iteration row `row` with its status and failing_since, and the error
/// signature of each failing one (as clustering computes it, so the next diff can tell a test
/// failing for another reason) — one pass over the iteration's rows; passing tests' messages
/// are not even read.
fn prior_tests(conn: &Connection, row: i64) -> rusqlite::Result<PriorTests> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT t.test_id, r.status, r.failing_since_loop, r.failing_since_iteration,
                CASE WHEN r.failing_since_loop IS NOT NULL THEN r.message END
         FROM results r JOIN tests t ON t.id = r.test WHERE {}",
        schema::RESULTS_OF_ITERATION
    ))?;
    let mut rows = statement.query([row])?;
    let (mut tests, mut signatures) = (BTreeMap::new(), BTreeMap::new());
    while let Some(r) = rows.next()? {
        let id = codec::test_id(r.get(0)?);
        let prior = PriorTest {
            status: codec::parse_test_status(&r.get::<_, String>(1)?, 1)?,
            failing_since: codec::optional_ref(r.get(2)?, r.get(3)?),
        };
        if let Some(message) = r.get::<_, Option<String>>(4)? {
            signatures.insert(id.clone(), crate::cluster::key(&message, prior.status));
        }
        tests.insert(id, prior);
    }
    Ok((tests, signatures))
}

/// A previous iteration's tests, and the signatures of its failing ones.
type PriorTests = (BTreeMap<TestId, PriorTest>, BTreeMap<TestId, String>);

fn prior_suites(conn: &Connection, row: i64) -> rusqlite::Result<BTreeMap<String, SuiteStatus>> {
    let mut statement =
        conn.prepare_cached("SELECT name, status FROM suite_results WHERE iteration_id = ?1")?;
    let rows = statement.query_map([row], |r| {
        Ok((
            r.get(0)?,
            codec::parse_suite_status(&r.get::<_, String>(1)?, 1)?,
        ))
    })?;
    rows.collect()
}

fn prior_clusters(conn: &Connection, row: i64) -> rusqlite::Result<Vec<PriorCluster>> {
    let mut statement = conn.prepare_cached(
        "SELECT signature, first_seen_loop, first_seen_iteration, count FROM clusters
         WHERE iteration_id = ?1 ORDER BY rowid",
    )?;
    let rows = statement.query_map([row], |r| {
        Ok(PriorCluster {
            signature: r.get(0)?,
            first_seen: IterationRef {
                loop_number: r.get(1)?,
                iteration: r.get(2)?,
            },
            count: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// Reads the seven totals columns starting at `first`.
fn totals(r: &Row<'_>, first: usize) -> rusqlite::Result<Totals> {
    Ok(Totals {
        total: codec::read_count(r, first)?,
        passed: codec::read_count(r, first + 1)?,
        failed: codec::read_count(r, first + 2)?,
        errors: codec::read_count(r, first + 3)?,
        skipped: codec::read_count(r, first + 4)?,
        timeouts: codec::read_count(r, first + 5)?,
        flaky: codec::read_count(r, first + 6)?,
    })
}

fn summary(r: &Row<'_>) -> rusqlite::Result<IterationSummary> {
    let finished_at: Option<String> = r.get(3)?;
    let verdict: Option<String> = r.get(4)?;
    Ok(IterationSummary {
        at: IterationRef {
            loop_number: r.get(0)?,
            iteration: r.get(1)?,
        },
        started_at: codec::parse_time(&r.get::<_, String>(2)?, 2)?,
        finished_at: finished_at.map(|t| codec::parse_time(&t, 3)).transpose()?,
        verdict: verdict.map(|v| codec::parse_verdict(&v, 4)).transpose()?,
        trigger: r.get(5)?,
        totals: totals(r, 6)?,
        new_failures: r.get(13)?,
        fixed: r.get(14)?,
        removed: r.get(15)?,
        report_stem: r.get(16)?,
        recovered: r.get::<_, String>(17)?.lines().map(str::to_owned).collect(),
    })
}

/// The interned tests `pattern` names: the exact id alone when there is one, else every id
/// it is a part-aligned suffix of, sorted.
fn matching_tests(
    conn: &Connection,
    loop_name: &LoopName,
    pattern: &str,
) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut statement =
        conn.prepare_cached("SELECT id, test_id FROM tests WHERE loop_name = ?1 ORDER BY test_id")?;
    let all = statement
        .query_map([loop_name.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
    if let Some(exact) = all.iter().find(|(_, id)| id == pattern) {
        return Ok(vec![exact.clone()]);
    }
    Ok(all
        .into_iter()
        .filter(|(_, id)| is_part_suffix(id, pattern))
        .collect())
}

fn is_part_suffix(id: &str, pattern: &str) -> bool {
    !pattern.is_empty()
        && id
            .strip_suffix(pattern)
            .is_some_and(|head| head.ends_with("::") || head.ends_with('.'))
}

/// Every stored result of interned test `test`. This scans the results table (there is no
/// index on the test column, to keep recording fast); `history --test` is a rare, interactive
/// query, and retention bounds the table.
fn test_rows(conn: &Connection, test: i64, id: &str) -> rusqlite::Result<Vec<TestHistoryRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT l.number, i.number, r.status, r.message, r.duration_s
         FROM results r JOIN iterations i ON i.id = r.iteration_id JOIN loops l ON l.id = i.loop_id
         WHERE r.test = ?1 ORDER BY l.number, i.number",
    )?;
    let rows = statement.query_map(params![test], |r| {
        Ok(TestHistoryRow {
            at: IterationRef {
                loop_number: r.get(0)?,
                iteration: r.get(1)?,
            },
            id: codec::test_id(id.to_owned()),
            status: codec::parse_test_status(&r.get::<_, String>(2)?, 2)?,
            message: r.get(3)?,
            duration_s: r.get(4)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::is_part_suffix;

    #[test]
    fn suffixes_match_whole_parts_only() {
        let id = "ws::tests.e2e::test_events";
        assert!(is_part_suffix(id, "test_events"));
        assert!(is_part_suffix(id, "e2e::test_events"));
        assert!(is_part_suffix(id, "tests.e2e::test_events"));
        assert!(!is_part_suffix(id, "events"));
        assert!(!is_part_suffix(id, ""));
    }
}
