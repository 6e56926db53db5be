//! The end of a log file, read for evidence: at most a cap's worth of its last bytes, in whole
//! lines, secrets masked, and the line number in the file where the kept part starts.
//!
//! Only regular files are opened: a FIFO would block the reader until something writes to it,
//! and a device may never end.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::redact::Redactor;

/// Bytes read at a time while counting the lines before the kept part.
const COUNT_CHUNK: usize = 64 * 1024;

/// What was kept of a file's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tail {
    /// Whole lines (the last may lack its newline), lossily decoded and masked.
    pub text: String,
    /// The line number in the file of `text`'s first line, from 1.
    pub first_line: usize,
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TailError {
    /// A FIFO, a device, a directory, a socket.
    #[error("it is not a regular file")]
    NotRegular,
    /// It could not be opened or read.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Reads the last `cap` bytes of the regular file at `path` (following symlinks). When the
/// start is cut, the partial line at the cut is dropped, and the lines before it are counted
/// by streaming through them, never holding more than a small buffer.
pub(crate) fn read_tail(path: &Path, cap: u64, redactor: &Redactor) -> Result<Tail, TailError> {
    regular(&std::fs::metadata(path)?)?;
    // O_NONBLOCK: should the path become a FIFO between the check and the open, the open
    // returns at once instead of waiting for a writer; it changes nothing for a regular file.
    let mut file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    regular(&metadata)?;
    let skip = metadata.len().saturating_sub(cap);
    let (lines_before, whole) = count_lines(&mut file, skip)?;
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes)?;
    let (start, first_line) = match (whole, bytes.iter().position(|&b| b == b'\n')) {
        (true, _) => (0, lines_before + 1),
        (false, Some(newline)) => (newline + 1, lines_before + 2),
        (false, None) => (bytes.len(), lines_before + 1),
    };
    let text = String::from_utf8_lossy(&bytes[start..]).into_owned();
    Ok(Tail {
        text: redactor.mask(text),
        first_line,
    })
}

fn regular(metadata: &Metadata) -> Result<(), TailError> {
    if metadata.is_file() {
        Ok(())
    } else {
        Err(TailError::NotRegular)
    }
}

/// Reads the first `skip` bytes of `file`, counting newlines; also says whether the read
/// stopped at the start of a line (nothing skipped, or a newline just before the cut).
fn count_lines(file: &mut File, skip: u64) -> io::Result<(usize, bool)> {
    let mut buffer = vec![0; COUNT_CHUNK];
    let mut left = skip;
    let mut newlines = 0;
    let mut last = b'\n';
    while left > 0 {
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(COUNT_CHUNK);
        let read = match file.read(&mut buffer[..want]) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        newlines += buffer[..read].iter().filter(|&&b| b == b'\n').count();
        last = buffer[read - 1];
        left -= read as u64;
    }
    Ok((newlines, last == b'\n'))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Tail, TailError, read_tail};
    use crate::redact::Redactor;

    fn tail(dir: &Path, content: &str, cap: u64) -> Tail {
        let path = dir.join("app.log");
        std::fs::write(&path, content).unwrap();
        read_tail(&path, cap, &Redactor::default()).unwrap()
    }

    #[test]
    fn a_file_within_the_cap_is_read_whole_from_line_one() {
        let dir = tempfile::tempdir().unwrap();
        let got = tail(dir.path(), "one\ntwo\nthree", 100);
        assert_eq!(got.text, "one\ntwo\nthree");
        assert_eq!(got.first_line, 1);
    }

    #[test]
    fn a_cut_inside_a_line_drops_that_line_and_counts_the_lines_before() {
        let dir = tempfile::tempdir().unwrap();
        // 24 bytes; the last 8 start inside "four".
        let got = tail(dir.path(), "one\ntwo\nthree\nfour\nfive\n", 8);
        assert_eq!(got.text, "five\n");
        assert_eq!(got.first_line, 5);
    }

    #[test]
    fn a_cut_just_after_a_newline_keeps_the_line_that_starts_there() {
        let dir = tempfile::tempdir().unwrap();
        let got = tail(dir.path(), "one\ntwo\nthree\n", 6);
        assert_eq!(got.text, "three\n");
        assert_eq!(got.first_line, 3);
    }

    #[test]
    fn a_single_line_longer_than_the_cap_leaves_nothing_whole() {
        let dir = tempfile::tempdir().unwrap();
        let got = tail(dir.path(), &"x".repeat(50), 10);
        assert_eq!(got.text, "");
    }

    #[test]
    fn secrets_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "login with token=s3cr3t-value failed\n").unwrap();
        let got = read_tail(&path, 1024, &Redactor::new(["s3cr3t-value"])).unwrap();
        assert_eq!(got.text, "login with token=*** failed\n");
    }

    #[test]
    fn a_directory_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_tail(dir.path(), 1024, &Redactor::default()),
            Err(TailError::NotRegular)
        ));
    }
}
