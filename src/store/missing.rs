//! Iterations recorded without a report (the report could not be written — a full or
//! read-only `reports/`), read back whole so a later run can write the report from here.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::codec;
use super::db::Store;
use super::error::StoreError;
use super::schema;
use crate::model::{IterationRef, LoopName, Outcome, TestResult, TestStatus, Verdict};

/// An iteration as the history keeps it, for writing its report again.
#[derive(Debug, Clone)]
pub struct StoredIteration {
    /// Which iteration.
    pub at: IterationRef,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why it is as it is (including why its report could not be written).
    pub error: Option<String>,
    /// What started it.
    pub trigger: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Each suite's name and whether it is critical, in order.
    pub suites: Vec<(String, bool)>,
    /// Every test result, with its suite.
    pub tests: Vec<TestResult>,
}

impl Store {
    /// Finished iterations of `loop_name` whose report was never written and whose results
    /// are still kept, oldest first.
    pub fn missing_reports(
        &self,
        loop_name: &LoopName,
    ) -> Result<Vec<StoredIteration>, StoreError> {
        let error = self.error(format!("find the missing reports of loop {loop_name}"));
        let rows: Vec<(i64, IterationRef)> = self
            .conn
            .prepare_cached(
                "SELECT i.id, l.number, i.number FROM iterations i JOIN loops l ON l.id = i.loop_id
                 WHERE l.loop_name = ?1 AND i.report_stem IS NULL AND i.detail_pruned = 0
                   AND i.verdict IN ('green', 'failing')
                 ORDER BY l.number, i.number",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([loop_name.as_str()], codec::id_and_ref)?
                    .collect()
            })
            .map_err(&error)?;
        rows.into_iter()
            .map(|(row, at)| stored(&self.conn, row, at).map_err(&error))
            .collect()
    }

    /// Records that the report of iteration `at` was written after all, under `stem`, and
    /// replaces its `error` note.
    pub fn set_report(
        &mut self,
        loop_name: &LoopName,
        at: IterationRef,
        stem: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE iterations SET report_stem = ?4, error = ?5 WHERE number = ?3
                   AND loop_id = (SELECT id FROM loops WHERE loop_name = ?1 AND number = ?2)",
                params![
                    loop_name.as_str(),
                    at.loop_number,
                    at.iteration,
                    stem,
                    error
                ],
            )
            .map_err(self.error(format!("record the report of {at} of loop {loop_name}")))?;
        Ok(())
    }
}

fn stored(conn: &Connection, row: i64, at: IterationRef) -> rusqlite::Result<StoredIteration> {
    let (verdict, error, trigger, started_at, finished_at) = conn.query_row(
        "SELECT verdict, error, trigger, started_at, finished_at FROM iterations WHERE id = ?1",
        [row],
        |r| {
            Ok((
                codec::parse_verdict(&r.get::<_, String>(0)?, 0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                codec::parse_time(&r.get::<_, String>(3)?, 3)?,
                codec::parse_time(&r.get::<_, String>(4)?, 4)?,
            ))
        },
    )?;
    let suites = conn
        .prepare_cached(
            "SELECT name, critical FROM suite_results WHERE iteration_id = ?1 ORDER BY position",
        )?
        .query_map([row], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, bool)>>>()?;
    let tests = conn
        .prepare_cached(&format!(
            "SELECT t.test_id, r.suite, r.status, r.duration_s, r.message, r.detail, r.attempts
             FROM results r JOIN tests t ON t.id = r.test WHERE {} ORDER BY r.rowid",
            schema::RESULTS_OF_ITERATION
        ))?
        .query_map([row], |r| {
            let status = codec::parse_test_status(&r.get::<_, String>(2)?, 2)?;
            let (message, detail): (String, String) = (r.get(4)?, r.get(5)?);
            Ok(TestResult {
                id: codec::test_id(r.get(0)?),
                suite: r.get(1)?,
                outcome: outcome(status, message, detail),
                duration_s: r.get(3)?,
                attempts: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<TestResult>>>()?;
    Ok(StoredIteration {
        at,
        verdict,
        error,
        trigger,
        started_at,
        finished_at,
        suites,
        tests,
    })
}

fn outcome(status: TestStatus, message: String, detail: String) -> Outcome {
    match status {
        TestStatus::Passed => Outcome::Passed,
        TestStatus::Flaky => Outcome::Flaky {
            failures: 1,
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
