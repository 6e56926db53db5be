//! The database schema as an ordered list of migrations, tracked with `PRAGMA user_version`.
//!
//! Migration `n` (1-based) takes the file from version `n - 1` to `n`. Each runs in its own
//! transaction together with its `user_version` bump, so a failure leaves the file at the last
//! good version. Never edit a released step: append a new one, and extend the old-database test
//! in `tests/store.rs` so it proves the new step carries old data forward.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::error::StoreError;

/// Version 1: loops, iterations with their summary, interned test ids, and per-iteration detail
/// (suite results, test results, clusters).
const V1: &str = "
CREATE TABLE loops (
    id           INTEGER PRIMARY KEY,
    loop_name    TEXT NOT NULL,
    number       INTEGER NOT NULL CHECK (number >= 1),
    opened_at    TEXT NOT NULL,
    closed_at    TEXT,
    close_reason TEXT,
    UNIQUE (loop_name, number)
);
-- At most one open loop per definition: the loop rules depend on it.
CREATE UNIQUE INDEX loops_one_open ON loops (loop_name) WHERE closed_at IS NULL;

CREATE TABLE iterations (
    id            INTEGER PRIMARY KEY,
    loop_id       INTEGER NOT NULL REFERENCES loops (id),
    number        INTEGER NOT NULL CHECK (number >= 1),
    -- NULL while running.
    verdict       TEXT CHECK (verdict IN ('green', 'failing', 'error', 'interrupted')),
    trigger       TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    error         TEXT,
    total         INTEGER NOT NULL DEFAULT 0,
    passed        INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    timeouts      INTEGER NOT NULL DEFAULT 0,
    flaky         INTEGER NOT NULL DEFAULT 0,
    new_failures  INTEGER NOT NULL DEFAULT 0,
    fixed         INTEGER NOT NULL DEFAULT 0,
    removed       INTEGER NOT NULL DEFAULT 0,
    report_stem   TEXT,
    -- 1 once prune() deleted this iteration's suites, results and clusters.
    detail_pruned INTEGER NOT NULL DEFAULT 0,
    UNIQUE (loop_id, number)
);
CREATE INDEX iterations_running ON iterations (id) WHERE verdict IS NULL;

-- Test ids are long and repeat in every iteration: store each once per definition.
CREATE TABLE tests (
    id        INTEGER PRIMARY KEY,
    loop_name TEXT NOT NULL,
    test_id   TEXT NOT NULL,
    UNIQUE (loop_name, test_id)
);

CREATE TABLE suite_results (
    iteration_id INTEGER NOT NULL REFERENCES iterations (id),
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL,
    critical     INTEGER NOT NULL,
    duration_s   REAL NOT NULL,
    PRIMARY KEY (iteration_id, position)
) WITHOUT ROWID;

CREATE TABLE results (
    iteration_id            INTEGER NOT NULL REFERENCES iterations (id),
    test                    INTEGER NOT NULL REFERENCES tests (id),
    suite                   TEXT NOT NULL,
    status                  TEXT NOT NULL,
    duration_s              REAL,
    message                 TEXT NOT NULL,
    detail                  TEXT NOT NULL,
    attempts                INTEGER NOT NULL,
    failing_since_loop      INTEGER,
    failing_since_iteration INTEGER
);
CREATE INDEX results_by_iteration ON results (iteration_id);
-- No index on (test): it cost 40% of recording time, and only `history --test` would use it.

CREATE TABLE clusters (
    iteration_id         INTEGER NOT NULL REFERENCES iterations (id),
    signature            TEXT NOT NULL,
    example              TEXT NOT NULL,
    count                INTEGER NOT NULL,
    critical             INTEGER NOT NULL,
    first_seen_loop      INTEGER NOT NULL,
    first_seen_iteration INTEGER NOT NULL
);
CREATE INDEX clusters_by_iteration ON clusters (iteration_id);
";

/// Version 2: recording 100,000 results spent a third of its time maintaining the index on
/// `results(iteration_id)` and probing foreign keys per row. One iteration's results are
/// written in one exclusive transaction, so their rowids are contiguous: each iteration now
/// records its first and last result rowid, and reading an iteration is a rowid range scan.
/// The writer interns every test id in the same transaction, which is what the foreign keys
/// checked.
const V2: &str = "
CREATE TABLE results_v2 (
    iteration_id            INTEGER NOT NULL,
    test                    INTEGER NOT NULL,
    suite                   TEXT NOT NULL,
    status                  TEXT NOT NULL,
    duration_s              REAL,
    message                 TEXT NOT NULL,
    detail                  TEXT NOT NULL,
    attempts                INTEGER NOT NULL,
    failing_since_loop      INTEGER,
    failing_since_iteration INTEGER
);
INSERT INTO results_v2
    SELECT iteration_id, test, suite, status, duration_s, message, detail, attempts,
           failing_since_loop, failing_since_iteration
    FROM results ORDER BY iteration_id, rowid;
DROP TABLE results;
ALTER TABLE results_v2 RENAME TO results;
ALTER TABLE iterations ADD COLUMN first_result INTEGER;
ALTER TABLE iterations ADD COLUMN last_result INTEGER;
CREATE INDEX migrate_results_by_iteration ON results (iteration_id);
UPDATE iterations SET
    first_result = (SELECT min(rowid) FROM results WHERE iteration_id = iterations.id),
    last_result = (SELECT max(rowid) FROM results WHERE iteration_id = iterations.id);
DROP INDEX migrate_results_by_iteration;
";

/// Version 3: what reports explain with. Each iteration keeps the revision it deployed (a new
/// root cause says which deploy brought it), what the `[fix]` after it did (the next report
/// says so), the suites that recovered (index and history show them as fixed), and its root
/// causes (the next iteration tells a cause it already had from a new one).
const V3: &str = "
ALTER TABLE iterations ADD COLUMN revision TEXT;
ALTER TABLE iterations ADD COLUMN fix_succeeded INTEGER;
ALTER TABLE iterations ADD COLUMN fix_summary TEXT;
ALTER TABLE iterations ADD COLUMN fix_said TEXT;
-- One line per recovered suite, as SuiteRecovery::describe says it; '' when none.
ALTER TABLE iterations ADD COLUMN recovered TEXT NOT NULL DEFAULT '';

CREATE TABLE root_causes (
    iteration_id         INTEGER NOT NULL REFERENCES iterations (id),
    position             INTEGER NOT NULL,
    cause                TEXT NOT NULL,
    headline             TEXT NOT NULL,
    -- Newline-separated: the mergeable facts and cluster signatures it is recognised by.
    keys                 TEXT NOT NULL,
    count                INTEGER NOT NULL,
    critical             INTEGER NOT NULL,
    first_seen_loop      INTEGER NOT NULL,
    first_seen_iteration INTEGER NOT NULL,
    PRIMARY KEY (iteration_id, position)
) WITHOUT ROWID;
";

/// The rows of `results` of the iteration whose row id is `?1`, as a rowid range (alias `r`).
pub const RESULTS_OF_ITERATION: &str = "r.rowid BETWEEN
    (SELECT first_result FROM iterations WHERE id = ?1) AND (SELECT last_result FROM iterations WHERE id = ?1)";

/// Every migration, oldest first; the schema version is this list's length.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The schema version this build writes.
pub fn current_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// Brings the database at `path` up to `migrations.len()`, refusing a newer file.
pub fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<(), StoreError> {
    let supported = migrations.len() as u32;
    let found = user_version(conn).map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    if found > supported {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for (index, sql) in migrations.iter().enumerate().skip(found as usize) {
        let version = index as u32 + 1;
        apply(conn, sql, version).map_err(|source| StoreError::Migrate {
            path: path.to_owned(),
            version,
            source,
        })?;
    }
    Ok(())
}

/// Reads `PRAGMA user_version`.
pub fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

fn apply(conn: &mut Connection, sql: &str, version: u32) -> rusqlite::Result<()> {
    // Immediate: take the write lock before reading anything, so two processes opening the
    // same fresh file cannot both decide to run the same step.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if user_version(&tx)? >= version {
        return Ok(());
    }
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn an_empty_database_reaches_the_current_version() {
        let mut conn = memory();
        migrate(&mut conn, Path::new("mem.db"), MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), current_version());
        // Running again is a no-op, not an error.
        migrate(&mut conn, Path::new("mem.db"), MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), current_version());
    }

    #[test]
    fn a_failing_step_leaves_the_previous_version_and_its_data() {
        let mut conn = memory();
        migrate(&mut conn, Path::new("mem.db"), MIGRATIONS).unwrap();
        conn.execute(
            "INSERT INTO loops (loop_name, number, opened_at) VALUES ('a', 1, 'now')",
            [],
        )
        .unwrap();
        let current = current_version();
        let broken = [
            MIGRATIONS,
            &["ALTER TABLE loops ADD COLUMN note TEXT; THIS IS NOT SQL;"],
        ]
        .concat();
        let err = migrate(&mut conn, Path::new("state/greenloop.db"), &broken).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "failed to migrate history database state/greenloop.db to schema version {}",
                current + 1
            )
        );
        assert_eq!(user_version(&conn).unwrap(), current);
        // The half-applied step was rolled back: the column it added is gone.
        assert!(conn.prepare("SELECT note FROM loops").is_err());
        let loops: i64 = conn
            .query_row("SELECT count(*) FROM loops", [], |r| r.get(0))
            .unwrap();
        assert_eq!(loops, 1);
    }

    #[test]
    fn a_next_step_applies_on_top_of_existing_data() {
        let mut conn = memory();
        migrate(&mut conn, Path::new("mem.db"), MIGRATIONS).unwrap();
        conn.execute(
            "INSERT INTO loops (loop_name, number, opened_at) VALUES ('a', 1, 'now')",
            [],
        )
        .unwrap();
        let next = [
            MIGRATIONS,
            &["ALTER TABLE loops ADD COLUMN note TEXT DEFAULT 'kept';"],
        ]
        .concat();
        migrate(&mut conn, Path::new("mem.db"), &next).unwrap();
        assert_eq!(user_version(&conn).unwrap(), current_version() + 1);
        let (name, note): (String, String) = conn
            .query_row("SELECT loop_name, note FROM loops", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((name.as_str(), note.as_str()), ("a", "kept"));
    }

    #[test]
    fn the_released_version_1_is_unchanged() {
        // tests/store_upkeep.rs builds its "old database" from this frozen copy; editing V1
        // in place would let that test pass while real old files failed to migrate.
        let frozen = include_str!("../../tests/fixtures/store/v1_schema.sql");
        let (_header, body) = frozen.split_once('\n').unwrap();
        assert_eq!(body.trim(), V1.trim());
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = memory();
        conn.pragma_update(None, "user_version", 7).unwrap();
        let err = migrate(&mut conn, Path::new("state/greenloop.db"), MIGRATIONS).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "database schema version 7 of state/greenloop.db is newer than this greenloop understands ({})",
                current_version()
            )
        );
        assert_eq!(user_version(&conn).unwrap(), 7);
    }
}
