//! How model values are written as SQLite text and read back.
//!
//! Statuses and verdicts are stored as the lowercase words reports use, so the database is
//! readable with the `sqlite3` shell; times are RFC 3339 UTC with microseconds, which sort as
//! text.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Type;
use serde::Deserialize;
use serde::de::IntoDeserializer;

use crate::model::{IterationRef, LoopName, SuiteStatus, TestId, TestStatus, Verdict};

/// Tracebacks beyond this many bytes are cut: the log files keep the whole output, and one
/// runaway traceback per test times 100,000 tests would bloat the database.
pub const DETAIL_CAP_BYTES: usize = 16 * 1024;

/// Formats a time for storage.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored time; `column` is the index used in the conversion error.
pub fn parse_time(text: &str, column: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| conversion(column, e))
}

/// Parses a stored verdict.
pub fn parse_verdict(text: &str, column: usize) -> rusqlite::Result<Verdict> {
    Ok(match text {
        "green" => Verdict::Green,
        "failing" => Verdict::Failing,
        "error" => Verdict::Error,
        "interrupted" => Verdict::Interrupted,
        other => return Err(unknown("verdict", other, column)),
    })
}

/// Parses a stored test status.
pub fn parse_test_status(text: &str, column: usize) -> rusqlite::Result<TestStatus> {
    Ok(match text {
        "passed" => TestStatus::Passed,
        "flaky" => TestStatus::Flaky,
        "skipped" => TestStatus::Skipped,
        "failed" => TestStatus::Failed,
        "error" => TestStatus::Error,
        "timeout" => TestStatus::Timeout,
        other => return Err(unknown("test status", other, column)),
    })
}

/// Parses a stored suite status.
pub fn parse_suite_status(text: &str, column: usize) -> rusqlite::Result<SuiteStatus> {
    Ok(match text {
        "passed" => SuiteStatus::Passed,
        "failed" => SuiteStatus::Failed,
        "error" => SuiteStatus::Error,
        "timeout" => SuiteStatus::Timeout,
        "interrupted" => SuiteStatus::Interrupted,
        other => return Err(unknown("suite status", other, column)),
    })
}

/// Rebuilds a stored test id verbatim.
///
/// `TestId::new` would re-split and re-collapse the text; the stored id is already canonical,
/// so it goes through the id's serde form, which takes the string as is without copying.
pub fn test_id(text: String) -> TestId {
    let deserializer: serde::de::value::StringDeserializer<serde::de::value::Error> =
        text.into_deserializer();
    TestId::deserialize(deserializer).expect("a string always deserializes into a TestId")
}

/// Rebuilds a stored loop name, checking it as the config loader would.
pub fn loop_name(text: &str, column: usize) -> rusqlite::Result<LoopName> {
    LoopName::new(text).map_err(|e| conversion(column, e))
}

/// A count as SQLite's integer; counts never come near `i64::MAX`, so saturating is only a
/// guard against nonsense, not a data path.
pub fn count(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// Reads a count written by [`count`].
pub fn read_count(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<u64> {
    let n: i64 = row.get(column)?;
    u64::try_from(n).map_err(|e| conversion(column, e))
}

/// Reads an optional (loop, iteration) pair from two nullable columns.
pub fn optional_ref(loop_number: Option<u32>, iteration: Option<u32>) -> Option<IterationRef> {
    Some(IterationRef {
        loop_number: loop_number?,
        iteration: iteration?,
    })
}

/// Cuts `text` to at most `DETAIL_CAP_BYTES`, on a character boundary, saying so at the end.
pub fn cap_detail(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= DETAIL_CAP_BYTES {
        return text.into();
    }
    let mut end = DETAIL_CAP_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… [{} bytes cut by greenloop]",
        &text[..end],
        text.len() - end
    )
    .into()
}

fn unknown(what: &str, value: &str, column: usize) -> rusqlite::Error {
    conversion(column, format!("unknown {what} `{value}`"))
}

fn conversion(
    column: usize,
    error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, error.into())
}

/// A row whose first three columns are a row id, a loop number and an iteration number.
pub fn id_and_ref(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, IterationRef)> {
    Ok((
        row.get(0)?,
        IterationRef {
            loop_number: row.get(1)?,
            iteration: row.get(2)?,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for verdict in [
            Verdict::Green,
            Verdict::Failing,
            Verdict::Error,
            Verdict::Interrupted,
        ] {
            assert_eq!(parse_verdict(verdict.as_str(), 0).unwrap(), verdict);
        }
        for status in [
            TestStatus::Passed,
            TestStatus::Flaky,
            TestStatus::Skipped,
            TestStatus::Failed,
            TestStatus::Error,
            TestStatus::Timeout,
        ] {
            assert_eq!(parse_test_status(status.as_str(), 0).unwrap(), status);
        }
        for status in [
            SuiteStatus::Passed,
            SuiteStatus::Failed,
            SuiteStatus::Error,
            SuiteStatus::Timeout,
            SuiteStatus::Interrupted,
        ] {
            assert_eq!(parse_suite_status(status.as_str(), 0).unwrap(), status);
        }
        assert!(parse_verdict("purple", 3).is_err());
    }

    #[test]
    fn test_ids_are_kept_verbatim() {
        let id = TestId::new("ws", "tests.e2e", "test_events[a  b]");
        assert_eq!(test_id(id.as_str().to_owned()), id);
    }

    #[test]
    fn long_details_are_cut_on_a_character_boundary() {
        let long = "é".repeat(DETAIL_CAP_BYTES);
        let capped = cap_detail(&long);
        assert!(capped.len() < long.len());
        assert!(capped.ends_with(&format!("[{} bytes cut by greenloop]", DETAIL_CAP_BYTES)));
        assert_eq!(cap_detail("short"), "short");
    }
}
