//! Retention: old iterations keep their summary row, but lose their per-test detail.

use rusqlite::{Connection, params};

use super::codec;
use super::db::Store;
use super::error::StoreError;
use crate::model::{IterationRef, LoopName};

impl Store {
    /// Keeps test/suite/cluster detail rows of the newest `keep` iterations of this definition
    /// and deletes older detail rows; never deletes iteration summary rows or loop rows.
    /// Returns the refs whose detail was pruned by this call, oldest first (so the caller can
    /// delete their logs). A running iteration is never pruned.
    pub fn prune(
        &mut self,
        loop_name: &LoopName,
        keep: u32,
    ) -> Result<Vec<IterationRef>, StoreError> {
        let error = self.error(format!("prune old iterations of loop {loop_name}"));
        let tx = self.write().map_err(&error)?;
        let old = beyond(&tx, loop_name, keep).map_err(&error)?;
        if old.is_empty() {
            // Nothing to prune, so no id lost its last result: skip the sweep below, which
            // reads every result and costs a tenth of recording 100,000 tests.
            return Ok(Vec::new());
        }
        for &(row, _) in &old {
            delete_detail(&tx, row).map_err(&error)?;
        }
        // Ids no kept result refers to any more would only grow the database. NOT IN makes
        // SQLite build one temporary index over results.test instead of scanning per id.
        tx.execute(
            "DELETE FROM tests WHERE loop_name = ?1 AND id NOT IN (SELECT test FROM results)",
            [loop_name.as_str()],
        )
        .map_err(&error)?;
        tx.commit().map_err(error)?;
        Ok(old.into_iter().rev().map(|(_, at)| at).collect())
    }
}

/// Finished iterations older than the newest `keep`, newest first, whose detail is still kept.
fn beyond(
    conn: &Connection,
    loop_name: &LoopName,
    keep: u32,
) -> rusqlite::Result<Vec<(i64, IterationRef)>> {
    let mut statement = conn.prepare(
        "SELECT id, loop_number, number FROM (
             SELECT i.id, l.number AS loop_number, i.number, i.verdict, i.detail_pruned
             FROM iterations i JOIN loops l ON l.id = i.loop_id WHERE l.loop_name = ?1
             ORDER BY l.number DESC, i.number DESC LIMIT -1 OFFSET ?2)
         WHERE detail_pruned = 0 AND verdict IS NOT NULL",
    )?;
    let rows = statement.query_map(params![loop_name.as_str(), keep], codec::id_and_ref)?;
    rows.collect()
}

fn delete_detail(conn: &Connection, row: i64) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM results AS r WHERE r.rowid BETWEEN
             (SELECT first_result FROM iterations WHERE id = ?1)
             AND (SELECT last_result FROM iterations WHERE id = ?1)",
        "DELETE FROM suite_results WHERE iteration_id = ?1",
        "DELETE FROM clusters WHERE iteration_id = ?1",
        "DELETE FROM root_causes WHERE iteration_id = ?1",
        "UPDATE iterations SET detail_pruned = 1 WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([row])?;
    }
    Ok(())
}
