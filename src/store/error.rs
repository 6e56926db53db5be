//! The history store's one error type: every message names the database and what failed.

use std::path::PathBuf;

use crate::model::{IterationRef, LoopName};

/// Everything that can go wrong in the history store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory that should hold the database could not be created.
    #[error("failed to create directory {} for the history database", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open the file or set it up (WAL, foreign keys, timeouts).
    #[error("failed to open history database {}{}", path.display(), meaning(source))]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer greenloop; touching it could lose data.
    #[error(
        "database schema version {found} of {} is newer than this greenloop understands ({supported})",
        path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A schema migration failed; the file keeps its previous version.
    #[error(
        "failed to migrate history database {} to schema version {version}{}",
        path.display(),
        meaning(source)
    )]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// The version that could not be reached.
        version: u32,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// A read or write failed; `action` says which, e.g. "record iteration Loop 1 / Iteration 3".
    #[error("failed to {action} in history database {}{}", path.display(), meaning(source))]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What was being done, starting with a verb.
        action: String,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// `finish_iteration` was asked to record an iteration that is not running.
    #[error("failed to record iteration {at} of loop {loop_name}: it is {state}, not running")]
    NotRunning {
        /// The loop definition.
        loop_name: LoopName,
        /// The iteration.
        at: IterationRef,
        /// "unknown", "finished" or "interrupted".
        state: &'static str,
    },
    /// `begin_iteration` found an iteration of the same loop definition still running.
    #[error(
        "failed to start an iteration of loop {loop_name}: {at} is still running (recover interrupted iterations first if greenloop crashed)"
    )]
    StillRunning {
        /// The loop definition.
        loop_name: LoopName,
        /// The running iteration.
        at: IterationRef,
    },
    /// A test-id suffix matched more than one test.
    #[error("`{pattern}` matches {count} tests; give the full id of one of: {}", listed.join(", "))]
    AmbiguousTest {
        /// What the user typed.
        pattern: String,
        /// How many distinct ids matched.
        count: usize,
        /// Up to 10 of them, sorted.
        listed: Vec<String>,
    },
}

/// What a SQLite failure means for the person reading the message — SQLite's own words
/// ("disk I/O error: Error code 4874") say it only to those who know its codes. Empty when
/// there is nothing to add to the cause that follows.
fn meaning(error: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode;
    let rusqlite::Error::SqliteFailure(failure, _) = error else {
        return "";
    };
    match failure.code {
        ErrorCode::DiskFull => ": the disk holding it is full",
        ErrorCode::ReadOnly => ": it (or its directory) is read-only",
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
            ": another process holds a lock on it"
        }
        ErrorCode::SystemIoFailure => ": a disk I/O error — is the disk full or failing?",
        ErrorCode::CannotOpen => ": the file or its directory cannot be opened",
        ErrorCode::PermissionDenied => ": permission denied",
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
            ": the file is damaged or not a database (restore it from a backup)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_says_so() {
        let error = StoreError::Sql {
            path: "state/greenloop.db".into(),
            action: "record iteration Loop 1 / Iteration 3 of loop api".into(),
            source: sqlite(rusqlite::ffi::SQLITE_FULL),
        };
        assert_eq!(
            error.to_string(),
            "failed to record iteration Loop 1 / Iteration 3 of loop api in history database state/greenloop.db: the disk holding it is full"
        );
        // SQLITE_IOERR_SHMSIZE, what a full disk looks like when the WAL index grows.
        let error = StoreError::Open {
            path: "state/greenloop.db".into(),
            source: sqlite(4874),
        };
        assert_eq!(
            error.to_string(),
            "failed to open history database state/greenloop.db: a disk I/O error — is the disk full or failing?"
        );
        let error = StoreError::Open {
            path: "state/greenloop.db".into(),
            source: sqlite(rusqlite::ffi::SQLITE_READONLY),
        };
        assert!(
            error
                .to_string()
                .ends_with(": it (or its directory) is read-only")
        );
    }
}
