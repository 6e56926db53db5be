//! A suite's combined output: draining its pipes, and the capped log they feed.
//!
//! A suite may print gigabytes; greenloop keeps a bounded head on disk, a bounded tail in
//! memory, and counts the rest. The head is written as it arrives (so a crash still leaves a
//! useful log); the tail is written at the end after a marker line that says how much was cut.
//! [`drain`] reads stdout and stderr concurrently, redacts them, and feeds the log.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::unix::pipe::Receiver;
use tokio_util::sync::CancellationToken;

use crate::redact::Redactor;

/// After the command exits, how long its pipes may stay open before greenloop stops reading.
pub(crate) const PIPE_GRACE: Duration = Duration::from_millis(200);

/// Bytes read from a pipe at once.
const READ_CHUNK: usize = 64 * 1024;

/// How much of a suite's output is kept on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimit {
    /// Bytes kept from the start of the output.
    pub head: u64,
    /// Bytes kept from the end of the output.
    pub tail: u64,
}

/// How much of the end of a command's output is kept in memory for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailLimit {
    /// At most this many bytes.
    pub bytes: usize,
    /// At most this many lines.
    pub lines: usize,
}

impl TailLimit {
    /// What a failed suite shows: the last 4 KiB or 40 lines.
    pub const REPORT: Self = Self {
        bytes: 4096,
        lines: 40,
    };
}

/// What the log kept, once it is finished.
#[derive(Debug)]
pub(crate) struct LogSummary {
    /// Bytes counted but not written to the log.
    pub cut_bytes: u64,
    /// The last lines of output, lossily decoded, for the report.
    pub tail: String,
    /// Whether older output was left out of `tail`.
    pub tail_cut: bool,
    /// Why the log file could not be written in full (a full disk): the run's outcome is kept
    /// all the same, only its log is incomplete.
    pub write_error: Option<io::Error>,
}

/// A log file that keeps the first `head` bytes and the last `tail` bytes of what it is fed.
#[derive(Debug)]
pub(crate) struct CappedLog {
    file: BufWriter<File>,
    head_left: u64,
    tail: Ring,
    recent: Ring,
    recent_lines: usize,
    /// Whether the last byte on disk ends a line, so greenloop's own lines start on a new one.
    at_line_start: bool,
    /// The first write error; later output is still counted so the suite is never blocked.
    error: Option<io::Error>,
}

impl CappedLog {
    /// Creates (truncates) the log at `path`, creating its parent directories.
    pub async fn create(path: &Path, limit: LogLimit) -> io::Result<Self> {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let file = File::create(path).await?;
        Ok(Self {
            file: BufWriter::with_capacity(64 * 1024, file),
            head_left: limit.head,
            tail: Ring::new(usize::try_from(limit.tail).unwrap_or(usize::MAX)),
            recent: Ring::new(TailLimit::REPORT.bytes),
            recent_lines: TailLimit::REPORT.lines,
            at_line_start: true,
            error: None,
        })
    }

    /// Keeps `limit` of the output's end for the report instead of [`TailLimit::REPORT`];
    /// call it before the first write.
    pub fn keep_tail(&mut self, limit: TailLimit) {
        self.recent = Ring::new(limit.bytes);
        self.recent_lines = limit.lines;
    }

    /// Appends output: to disk while the head lasts, then to the in-memory tail.
    pub async fn write(&mut self, bytes: &[u8]) {
        self.recent.push(bytes);
        let to_head = usize::try_from(self.head_left)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let (head, rest) = bytes.split_at(to_head);
        if !head.is_empty() {
            self.head_left -= head.len() as u64;
            self.write_disk(head).await;
        }
        self.tail.push(rest);
    }

    /// Writes the tail (after a cut marker if anything was cut) and greenloop's closing `notes`,
    /// one per line, then flushes.
    pub async fn finish(mut self, notes: &[String]) -> LogSummary {
        let cut_bytes = self.tail.evicted;
        let kept = self.tail.contents();
        if cut_bytes > 0 {
            self.write_line(&format!("[greenloop: {cut_bytes} bytes cut]"))
                .await;
        }
        self.write_disk(&kept).await;
        for note in notes {
            self.write_line(&format!("[greenloop: {note}]")).await;
        }
        if self.error.is_none()
            && let Err(error) = self.file.flush().await
        {
            self.error = Some(error);
        }
        let (tail, tail_cut) = report_tail(
            &self.recent.contents(),
            self.recent.evicted > 0,
            self.recent_lines,
        );
        LogSummary {
            cut_bytes,
            tail,
            tail_cut,
            write_error: self.error,
        }
    }

    /// Writes one line of greenloop's own, starting a new line if the output left one open.
    async fn write_line(&mut self, line: &str) {
        if !self.at_line_start {
            self.write_disk(b"\n").await;
        }
        self.write_disk(line.as_bytes()).await;
        self.write_disk(b"\n").await;
    }

    async fn write_disk(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else { return };
        self.at_line_start = last == b'\n';
        if self.error.is_none()
            && let Err(error) = self.file.write_all(bytes).await
        {
            self.error = Some(error);
        }
    }
}

/// Reads stdout and stderr concurrently into `log`, until both close or, once `exited` is
/// cancelled, [`PIPE_GRACE`] passes; returns the bytes read and whether the pipes were still
/// open then. Each pipe is masked on its own and the log they make is masked again (see
/// [`crate::redact::InterleavedRedactor`]), so a read boundary or the other pipe's output in
/// between never lets a secret through.
pub(crate) async fn drain(
    pipes: [Receiver; 2],
    log: &mut CappedLog,
    redactor: &Redactor,
    start: Instant,
    activity: &AtomicU64,
    exited: &CancellationToken,
) -> (u64, bool) {
    let [mut stdout, mut stderr] = pipes;
    let mut masker = redactor.interleaved();
    // One buffer per pipe, because both reads are in flight at once.
    let mut buffers = [vec![0; READ_CHUNK], vec![0; READ_CHUNK]];
    let mut open = [true, true];
    let mut give_up_at: Option<Instant> = None;
    let mut total = 0;
    let leaked = loop {
        if open == [false, false] {
            break false;
        }
        let [out_buffer, err_buffer] = &mut buffers;
        let (index, read) = tokio::select! {
            read = stdout.read(out_buffer), if open[0] => (0, read),
            read = stderr.read(err_buffer), if open[1] => (1, read),
            () = exited.cancelled(), if give_up_at.is_none() => {
                give_up_at = Some(Instant::now() + PIPE_GRACE);
                continue;
            }
            () = tokio::time::sleep_until(give_up_at.unwrap_or(start).into()), if give_up_at.is_some() => {
                break true;
            }
        };
        match read {
            Ok(n) if n > 0 => {
                total += n as u64;
                let since_start = start.elapsed().as_nanos();
                activity.store(
                    u64::try_from(since_start).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                let clean = masker.push(index, &buffers[index][..n]);
                log.write(&clean).await;
            }
            // EOF; a read error on a pipe cannot be retried, so it ends that stream too.
            _ => open[index] = false,
        }
    };
    log.write(&masker.finish()).await;
    (total, leaked)
}

/// The last `max_lines` lines of `recent`, lossily decoded, and whether anything before them
/// is missing; `truncated` means older output was dropped, so the first, partial line is
/// dropped too.
fn report_tail(recent: &[u8], truncated: bool, max_lines: usize) -> (String, bool) {
    let mut bytes = recent;
    if truncated
        && let Some(newline) = bytes.iter().position(|&b| b == b'\n')
        && newline + 1 < bytes.len()
    {
        bytes = &bytes[newline + 1..];
    }
    let text = String::from_utf8_lossy(bytes);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let start = body
        .rmatch_indices('\n')
        .nth(max_lines.saturating_sub(1))
        .map_or(0, |(index, _)| index + 1);
    (text[start..].to_owned(), truncated || start > 0)
}

/// A byte ring that keeps the last `cap` bytes pushed and counts the ones it dropped.
#[derive(Debug)]
struct Ring {
    cap: usize,
    /// Grows up to `cap`, so a large limit costs memory only when output is large.
    buf: Vec<u8>,
    /// Once `buf` is full: the index of the oldest byte, which is the next to be overwritten.
    oldest: usize,
    evicted: u64,
}

impl Ring {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            buf: Vec::new(),
            oldest: 0,
            evicted: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let skip = bytes.len().saturating_sub(self.cap);
        self.evicted += skip as u64;
        let bytes = &bytes[skip..];
        let room = self.cap - self.buf.len();
        let (fill, mut rest) = bytes.split_at(room.min(bytes.len()));
        self.buf.extend_from_slice(fill);
        self.evicted += rest.len() as u64;
        // `rest` is at most `cap` long, so this wraps at most once.
        while !rest.is_empty() {
            let n = (self.cap - self.oldest).min(rest.len());
            self.buf[self.oldest..self.oldest + n].copy_from_slice(&rest[..n]);
            self.oldest = (self.oldest + n) % self.cap;
            rest = &rest[n..];
        }
    }

    fn contents(&self) -> Vec<u8> {
        let (newer, older) = self.buf.split_at(self.oldest);
        [older, newer].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_after(cap: usize, pushes: &[&[u8]]) -> (Vec<u8>, u64) {
        let mut ring = Ring::new(cap);
        for push in pushes {
            ring.push(push);
        }
        (ring.contents(), ring.evicted)
    }

    #[test]
    fn ring_keeps_the_last_bytes_across_wraps() {
        assert_eq!(ring_after(5, &[b"abc"]), (b"abc".to_vec(), 0));
        assert_eq!(ring_after(5, &[b"abc", b"def"]), (b"bcdef".to_vec(), 1));
        assert_eq!(
            ring_after(5, &[b"abc", b"def", b"gh", b"i"]),
            (b"efghi".to_vec(), 4)
        );
        assert_eq!(
            ring_after(5, &[b"ab", b"0123456789"]),
            (b"56789".to_vec(), 7)
        );
        assert_eq!(ring_after(0, &[b"abc"]), (Vec::new(), 3));
    }

    #[test]
    fn report_tail_keeps_the_last_lines_and_drops_a_partial_first_line() {
        let lines = TailLimit::REPORT.lines;
        assert_eq!(
            report_tail(b"one\ntwo\n", false, lines),
            ("one\ntwo\n".to_owned(), false)
        );
        assert_eq!(
            report_tail(b"ne\ntwo\n", true, lines),
            ("two\n".to_owned(), true)
        );
        assert_eq!(
            report_tail(b"\xffno newline", true, lines).0,
            "\u{fffd}no newline"
        );
        let many: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let (tail, cut) = report_tail(many.as_bytes(), false, lines);
        assert!(cut);
        assert_eq!(tail.lines().count(), lines);
        assert!(tail.starts_with("line 60\n") && tail.ends_with("line 99\n"));
    }

    #[tokio::test]
    async fn log_keeps_head_and_tail_with_a_marker_between() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/suite.log");
        let mut log = CappedLog::create(&path, LogLimit { head: 4, tail: 3 })
            .await
            .unwrap();
        log.write(b"ab").await;
        log.write(b"cdefgh").await;
        log.write(b"ijk").await;
        let summary = log.finish(&["exited with code 0".to_owned()]).await;
        assert!(summary.write_error.is_none());
        assert_eq!(summary.cut_bytes, 4);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "abcd\n[greenloop: 4 bytes cut]\nijk\n[greenloop: exited with code 0]\n"
        );
    }

    #[tokio::test]
    async fn log_without_a_cut_is_the_whole_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("suite.log");
        let mut log = CappedLog::create(&path, LogLimit { head: 4, tail: 10 })
            .await
            .unwrap();
        log.write(b"hello\nworld\n").await;
        let summary = log.finish(&[]).await;
        assert!(summary.write_error.is_none());
        assert_eq!(summary.cut_bytes, 0);
        assert_eq!(summary.tail, "hello\nworld\n");
        assert_eq!(std::fs::read(&path).unwrap(), b"hello\nworld\n");
    }
}
