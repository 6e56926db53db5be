//! The `Store` handle: opening the file, its pragmas, and helpers the other files share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::error::StoreError;
use super::schema;
use crate::model::{IterationRef, LoopName};

/// How long a statement waits for another connection's write lock before failing. Only a
/// second greenloop process (a CLI command next to the daemon) ever contends.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The history database: loops, iterations and every test result of every loop definition.
///
/// One `Store` owns one connection and is the only writer: it is `Send` but not `Sync`, so
/// callers hand it to one thread or task at a time and serialize access (the CLI uses it from
/// one task; the daemon gives it a thread of its own). Every mutating method is one
/// transaction, so a crash leaves the file as it was before the call or after it.
#[derive(Debug)]
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

impl Store {
    /// Opens (creating dirs and the file) in WAL mode with foreign keys on, busy_timeout set,
    /// and runs migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                dir: dir.to_owned(),
                source,
            })?;
        }
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        configure(&conn).map_err(open_error)?;
        schema::migrate(&mut conn, path, schema::MIGRATIONS)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// The database file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Wraps a SQLite error with what was being done and the database path.
    pub(super) fn error<A: Into<String>>(
        &self,
        action: A,
    ) -> impl Fn(rusqlite::Error) -> StoreError + use<A> {
        let path = self.path.clone();
        let action = action.into();
        move |source| StoreError::Sql {
            path: path.clone(),
            action: action.clone(),
            source,
        }
    }

    /// Starts a write transaction that holds the write lock from its first statement, so the
    /// numbers it reads cannot change before it writes.
    pub(super) fn write(&mut self) -> rusqlite::Result<Transaction<'_>> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers (the API, `greenloop history`) run while the daemon writes. NORMAL
    // sync is safe against a crash of greenloop itself; only a power cut can lose the last
    // commits, never corrupt the file.
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", "normal")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// The row id of the open loop of `loop_name` and its number.
pub(super) fn open_loop_row(
    conn: &Connection,
    loop_name: &LoopName,
) -> rusqlite::Result<Option<(i64, u32)>> {
    conn.prepare_cached("SELECT id, number FROM loops WHERE loop_name = ?1 AND closed_at IS NULL")?
        .query_row([loop_name.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Closes loop row `loop_id` now with `reason`.
pub(super) fn close_loop_row(
    conn: &Connection,
    loop_id: i64,
    reason: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE loops SET closed_at = ?2, close_reason = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![
            loop_id,
            super::codec::time(chrono::Utc::now()),
            reason
        ])?;
    Ok(())
}

/// The iteration `previous()` compares against: the newest iteration of `loop_name` strictly
/// before `before` whose battery ran to a green or failing verdict and whose detail is kept.
///
/// Error and interrupted iterations are skipped because their results are missing or partial:
/// comparing against them would report every test as added, then as new failures. Pruned
/// iterations are skipped because their tests are gone. Returns (row id, its ref).
pub(super) fn baseline_row(
    conn: &Connection,
    loop_name: &LoopName,
    before: IterationRef,
) -> rusqlite::Result<Option<(i64, IterationRef)>> {
    conn.prepare_cached(
        "SELECT i.id, l.number, i.number FROM iterations i JOIN loops l ON l.id = i.loop_id
         WHERE l.loop_name = ?1 AND i.verdict IN ('green', 'failing') AND i.detail_pruned = 0
           AND (l.number < ?2 OR (l.number = ?2 AND i.number < ?3))
         ORDER BY l.number DESC, i.number DESC LIMIT 1",
    )?
    .query_row(
        rusqlite::params![loop_name.as_str(), before.loop_number, before.iteration],
        |r| {
            Ok((
                r.get(0)?,
                IterationRef {
                    loop_number: r.get(1)?,
                    iteration: r.get(2)?,
                },
            ))
        },
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::Store;

    #[test]
    fn a_store_can_move_to_its_own_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
    }
}
