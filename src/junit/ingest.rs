//! The public entry points: one document, one file, or several files that make one run.

use std::path::{Path, PathBuf};

use super::error::JunitError;
use super::merge::{Merger, duplicates_finding};
use super::reader::{ParsedFile, parse_bytes};
use super::run::{DeclaredCounts, JunitRun};

/// Reads one JUnit document from memory; `origin` only names it in errors and findings.
///
/// Invalid UTF-8 is decoded lossily with a finding rather than rejected, so one stray byte in a
/// traceback does not cost the whole file's results.
pub fn read_bytes(bytes: &[u8], origin: &Path) -> Result<JunitRun, JunitError> {
    parse_bytes(bytes, origin).map(finish)
}

/// Reads one JUnit file from disk (only a regular file: see [`read_regular`]).
pub fn read_file(path: &Path) -> Result<JunitRun, JunitError> {
    let bytes = read_regular(path)?;
    let parsed = parse_bytes(&bytes, path);
    // Free the file before building the case list: for big files this halves the peak.
    drop(bytes);
    parsed.map(finish)
}

/// Reads several files making one run (Surefire's `TEST-*.xml`, a glob), merging cases across
/// files by key: the same key twice is one test, the worst status wins, and attempts add up.
///
/// A broken file contributes an error and no cases; every other file's results are kept.
pub fn read_files(paths: &[PathBuf]) -> (JunitRun, Vec<JunitError>) {
    let mut merger = Merger::default();
    let mut declared = DeclaredCounts::default();
    let mut findings = Vec::new();
    let mut runners = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let parsed = read_regular(path).and_then(|bytes| parse_bytes(&bytes, path));
        match parsed {
            Ok(parsed) => {
                for runner in &parsed.runners {
                    if !runners.contains(runner) {
                        runners.push(runner.clone());
                    }
                }
                absorb(parsed, &mut merger, &mut declared, &mut findings);
            }
            Err(error) => errors.push(error),
        }
    }
    let (cases, duplicates) = merger.finish();
    findings.extend(duplicates_finding(&duplicates));
    let run = JunitRun {
        cases,
        declared,
        findings,
        runners,
    };
    (run, errors)
}

/// The bytes of the JUnit file `path`, which must be a regular file (see
/// [`crate::regular::read`]): a named pipe left where JUnit was expected is a broken result,
/// never a hang. JUnit files have no cap beyond memory: 100,000 cases are 60 MB.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, JunitError> {
    crate::regular::read(path, u64::MAX).map_err(|error| match error {
        crate::regular::ReadError::NotRegular(kind) => JunitError::NotRegular {
            path: path.to_owned(),
            kind,
        },
        crate::regular::ReadError::Io(source) => JunitError::Io {
            path: path.to_owned(),
            source,
        },
        crate::regular::ReadError::TooLarge(_) => unreachable!("JUnit files have no cap"),
    })
}

fn finish(parsed: ParsedFile) -> JunitRun {
    let (cases, duplicates) = parsed.cases.finish();
    let mut findings = parsed.findings;
    findings.extend(duplicates_finding(&duplicates));
    JunitRun {
        cases,
        declared: parsed.declared,
        findings,
        runners: parsed.runners,
    }
}

/// Adds one file's cases to a run's. Files are parsed whole before this, so a broken file
/// contributes nothing rather than the part before its breakage.
fn absorb(
    parsed: ParsedFile,
    merger: &mut Merger,
    declared: &mut DeclaredCounts,
    findings: &mut Vec<String>,
) {
    merger.absorb(parsed.cases);
    declared.add(&parsed.declared);
    findings.extend(parsed.findings);
}
