//! Why a JUnit file could not be used.
//!
//! Every variant names the file and says what was wrong with it, because the message ends up in
//! a report read by someone who has to go and fix the producer.

use std::path::PathBuf;

/// A JUnit file that yielded no results; its cases are not counted at all.
#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    /// The file could not be read from disk.
    #[error("failed to read JUnit file {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The path is a named pipe, a device or a directory: reading it could block forever or
    /// never end, so it is not read.
    #[error(
        "failed to read JUnit file {}: not a regular file (a {kind}), so it was not read",
        path.display()
    )]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is instead: "named pipe", "device", "directory", "socket".
        kind: &'static str,
    },
    /// The file holds nothing, or only whitespace.
    #[error("failed to read JUnit file {}: the file is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is XML but its root element is not `<testsuites>` or `<testsuite>`.
    #[error(
        "failed to read JUnit file {}: not JUnit XML (root element is <{root}>, expected <testsuites> or <testsuite>)",
        path.display()
    )]
    NotJunit {
        /// The file.
        path: PathBuf,
        /// The root element's name.
        root: String,
    },
    /// The file ends before its elements are closed, as when the producer was killed mid-write.
    #[error(
        "failed to read JUnit file {}: truncated at line {line} (byte {offset}), inside <{inside}>; none of its results were used",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// 1-based line where the input ran out.
        line: u64,
        /// Byte offset where the input ran out.
        offset: u64,
        /// The innermost element left open.
        inside: String,
    },
    /// The XML is not well-formed.
    #[error(
        "failed to parse JUnit file {} at line {line} (byte {offset}): {reason}",
        path.display()
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: u64,
        /// Byte offset of the error.
        offset: u64,
        /// What the XML parser objected to.
        reason: String,
    },
}

impl JunitError {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Self::Io { path, .. }
            | Self::NotRegular { path, .. }
            | Self::Empty { path }
            | Self::NotJunit { path, .. }
            | Self::Truncated { path, .. }
            | Self::Malformed { path, .. } => path,
        }
    }
}
