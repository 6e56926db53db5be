//! JUnit XML ingest: reads the many dialects of JUnit XML into distinct, merged test cases.
//!
//! See `JUNIT.md` for the dialect rules this module follows.

mod decode;
mod elements;
mod error;
mod findings;
mod identity;
mod ingest;
mod merge;
mod outcome;
mod properties;
mod reader;
mod run;
mod time;

pub use error::JunitError;
pub use ingest::{read_bytes, read_file, read_files, read_regular};
pub use run::{DeclaredCounts, JunitCase, JunitRun};
