//! The loop rules: which numbers an iteration gets, when loops open and close, and recovery
//! of iterations a crash left running.
//!
//! The rules: the next iteration continues the open loop; a green iteration
//! closes it, and so does reaching `max_iterations` (see `write.rs`); the next run after a
//! closed loop opens Loop N+1 at Iteration 1; `new_loop` closes the open loop first; an
//! interrupted or error iteration leaves the loop open.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::codec;
use super::db::{Store, close_loop_row, open_loop_row};
use super::error::StoreError;
use crate::model::{IterationRef, LoopName};

/// The reason recorded when `begin_iteration(.., new_loop: true, ..)` closes the open loop.
pub const CLOSED_FOR_NEW_LOOP: &str = "closed for a new loop";

/// An iteration a crash left running, now marked interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    /// Its loop definition.
    pub loop_name: LoopName,
    /// Which iteration.
    pub at: IterationRef,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// What started it.
    pub trigger: String,
}

impl Store {
    /// Finds iterations of `loop_name` left `running` by a crash, marks them `interrupted` (one
    /// transaction), and returns them so the caller can write their reports. Their loop stays
    /// open.
    ///
    /// Only call it while holding the loop's run lock (`runner::record`): then no live process
    /// is running that loop, so whatever is still running was left by a crash.
    pub fn recover_interrupted(
        &mut self,
        loop_name: &LoopName,
    ) -> Result<Vec<Interrupted>, StoreError> {
        let error = self.error(format!(
            "recover interrupted iterations of loop {loop_name}"
        ));
        let tx = self.write().map_err(&error)?;
        let found = running(&tx, loop_name).map_err(&error)?;
        tx.execute(
            "UPDATE iterations SET verdict = 'interrupted' WHERE verdict IS NULL
             AND loop_id IN (SELECT id FROM loops WHERE loop_name = ?1)",
            [loop_name.as_str()],
        )
        .map_err(&error)?;
        tx.commit().map_err(error)?;
        Ok(found)
    }

    /// Iterations of `loop_name` left running (by a crash, or by a bug that stopped the
    /// process's iteration), oldest first; nothing is changed.
    pub fn running_iterations(&self, loop_name: &LoopName) -> Result<Vec<Interrupted>, StoreError> {
        running(&self.conn, loop_name)
            .map_err(self.error(format!("find the running iterations of loop {loop_name}")))
    }

    /// Concludes the running iteration `at` without results: its `verdict` (`interrupted` after
    /// a crash, `error` after a bug), why, now as its end, and its report's stem when the report
    /// could be written. Does nothing to an iteration that is no longer running.
    pub fn finish_lost(
        &mut self,
        loop_name: &LoopName,
        at: IterationRef,
        verdict: crate::model::Verdict,
        why: &str,
        report_stem: Option<&str>,
    ) -> Result<(), StoreError> {
        let error = self.error(format!("conclude iteration {at} of loop {loop_name}"));
        self.conn
            .execute(
                "UPDATE iterations SET verdict = ?4, error = ?5, finished_at = ?6, report_stem = ?7
                 WHERE verdict IS NULL AND number = ?3
                   AND loop_id = (SELECT id FROM loops WHERE loop_name = ?1 AND number = ?2)",
                rusqlite::params![
                    loop_name.as_str(),
                    at.loop_number,
                    at.iteration,
                    verdict.as_str(),
                    why,
                    codec::time(Utc::now()),
                    report_stem,
                ],
            )
            .map_err(error)?;
        Ok(())
    }

    /// One transaction: applies the loop rules to pick the numbers, inserts the iteration as
    /// running (with trigger and started_at), returns its IterationRef. `new_loop` closes the
    /// open loop first (reason "closed for a new loop").
    pub fn begin_iteration(
        &mut self,
        loop_name: &LoopName,
        new_loop: bool,
        trigger: &str,
        started_at: DateTime<Utc>,
    ) -> Result<IterationRef, StoreError> {
        let error = self.error(format!("start an iteration of loop {loop_name}"));
        let tx = self.write().map_err(&error)?;
        if let Some(at) = running_of(&tx, loop_name).map_err(&error)? {
            return Err(StoreError::StillRunning {
                loop_name: loop_name.clone(),
                at,
            });
        }
        let open = open_loop_row(&tx, loop_name).map_err(&error)?;
        let open = match open {
            Some((id, _)) if new_loop => {
                close_loop_row(&tx, id, CLOSED_FOR_NEW_LOOP).map_err(&error)?;
                None
            }
            other => other,
        };
        let (loop_id, loop_number) = match open {
            Some(open) => open,
            None => open_new_loop(&tx, loop_name, started_at).map_err(&error)?,
        };
        let iteration: u32 = tx
            .query_row(
                "SELECT coalesce(max(number), 0) + 1 FROM iterations WHERE loop_id = ?1",
                [loop_id],
                |r| r.get(0),
            )
            .map_err(&error)?;
        tx.execute(
            "INSERT INTO iterations (loop_id, number, trigger, started_at) VALUES (?1, ?2, ?3, ?4)",
            params![loop_id, iteration, trigger, codec::time(started_at)],
        )
        .map_err(&error)?;
        tx.commit().map_err(error)?;
        Ok(IterationRef {
            loop_number,
            iteration,
        })
    }

    /// Closes the open loop with `reason` (the CLI passes "closed by user"); returns its
    /// number, or None when none was open.
    pub fn close_loop(
        &mut self,
        loop_name: &LoopName,
        reason: &str,
    ) -> Result<Option<u32>, StoreError> {
        let error = self.error(format!("close the open loop of {loop_name}"));
        let tx = self.write().map_err(&error)?;
        let Some((id, number)) = open_loop_row(&tx, loop_name).map_err(&error)? else {
            return Ok(None);
        };
        close_loop_row(&tx, id, reason).map_err(&error)?;
        tx.commit().map_err(error)?;
        Ok(Some(number))
    }

    /// The numbers the next iteration of `loop_name` would get now (what `begin_iteration`
    /// would reserve), without reserving them.
    pub fn next_iteration(
        &self,
        loop_name: &LoopName,
        new_loop: bool,
    ) -> Result<IterationRef, StoreError> {
        if let Some(open) = self.open_loop(loop_name)?.filter(|_| !new_loop) {
            return Ok(IterationRef {
                loop_number: open.loop_number,
                iteration: open.iteration + 1,
            });
        }
        let last: u32 = self
            .conn
            .query_row(
                "SELECT coalesce(max(number), 0) FROM loops WHERE loop_name = ?1",
                [loop_name.as_str()],
                |r| r.get(0),
            )
            .map_err(self.error(format!("read the loops of {loop_name}")))?;
        Ok(IterationRef {
            loop_number: last + 1,
            iteration: 1,
        })
    }

    /// The open loop's number and how many iterations it has, if any.
    pub fn open_loop(&self, loop_name: &LoopName) -> Result<Option<IterationRef>, StoreError> {
        self.conn
            .query_row(
                "SELECT l.number, count(i.id) FROM loops l LEFT JOIN iterations i ON i.loop_id = l.id
                 WHERE l.loop_name = ?1 AND l.closed_at IS NULL GROUP BY l.id",
                [loop_name.as_str()],
                |r| {
                    Ok(IterationRef {
                        loop_number: r.get(0)?,
                        iteration: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(self.error(format!("read the open loop of {loop_name}")))
    }
}

fn open_new_loop(
    conn: &Connection,
    loop_name: &LoopName,
    opened_at: DateTime<Utc>,
) -> rusqlite::Result<(i64, u32)> {
    let number: u32 = conn.query_row(
        "SELECT coalesce(max(number), 0) + 1 FROM loops WHERE loop_name = ?1",
        [loop_name.as_str()],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO loops (loop_name, number, opened_at) VALUES (?1, ?2, ?3)",
        params![loop_name.as_str(), number, codec::time(opened_at)],
    )?;
    Ok((conn.last_insert_rowid(), number))
}

fn running_of(conn: &Connection, loop_name: &LoopName) -> rusqlite::Result<Option<IterationRef>> {
    conn.query_row(
        "SELECT l.number, i.number FROM iterations i JOIN loops l ON l.id = i.loop_id
         WHERE i.verdict IS NULL AND l.loop_name = ?1",
        [loop_name.as_str()],
        |r| {
            Ok(IterationRef {
                loop_number: r.get(0)?,
                iteration: r.get(1)?,
            })
        },
    )
    .optional()
}

fn running(conn: &Connection, loop_name: &LoopName) -> rusqlite::Result<Vec<Interrupted>> {
    let mut statement = conn.prepare(
        "SELECT l.loop_name, l.number, i.number, i.started_at, i.trigger
         FROM iterations i JOIN loops l ON l.id = i.loop_id
         WHERE i.verdict IS NULL AND l.loop_name = ?1 ORDER BY l.number, i.number",
    )?;
    let rows = statement.query_map([loop_name.as_str()], |r| {
        Ok(Interrupted {
            loop_name: codec::loop_name(&r.get::<_, String>(0)?, 0)?,
            at: IterationRef {
                loop_number: r.get(1)?,
                iteration: r.get(2)?,
            },
            started_at: codec::parse_time(&r.get::<_, String>(3)?, 3)?,
            trigger: r.get(4)?,
        })
    })?;
    rows.collect()
}
