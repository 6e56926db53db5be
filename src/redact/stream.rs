//! Masking output that arrives in reads: [`StreamRedactor`] for one stream, and
//! [`InterleavedRedactor`] for a process's stdout and stderr sharing one log.
//!
//! A read may end anywhere, even inside a secret or one of its escapes, so the end of what has
//! arrived waits for the next read. What is emitted is exactly what masking the whole output at
//! once would give: each read is searched together with what was held back, the cut between
//! "emit" and "hold" is placed where no match can straddle it, and a match found before the cut
//! is complete, because it is no longer than what is held.

use super::redactor::{Redactor, apply};

/// Redacts a byte stream read by read, never letting a secret slip through a read boundary.
#[derive(Debug)]
pub struct StreamRedactor {
    redactor: Redactor,
    /// Output read but not yet emitted: never more than one match's width plus one read.
    pending: Vec<u8>,
}

impl StreamRedactor {
    pub(super) fn new(redactor: Redactor) -> Self {
        Self {
            redactor,
            pending: Vec::new(),
        }
    }

    /// Feeds a read; returns the bytes that are safe to emit now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.redactor.is_empty() {
            return chunk.to_vec();
        }
        self.pending.extend_from_slice(chunk);
        let scan = self.redactor.scan(&self.pending);
        // Hold the widest a match can be, less one: whatever starts before that is complete.
        let mut cut = self.pending.len().saturating_sub(self.redactor.hold());
        // Emitting whole lines keeps the log readable while a suite runs; it is safe when no
        // secret has a newline, because then no form of one crosses a line.
        if self.redactor.newline_free()
            && let Some(newline) = self.pending.iter().rposition(|&b| b == b'\n')
        {
            cut = cut.max(newline + 1);
        }
        // Held text starts where an escape starts, so the next search reads it as the whole
        // output would.
        if let Some(view) = &scan.view {
            cut = view.boundary_at_or_before(cut);
        }
        let done = scan.spans.partition_point(|s| s.start < cut);
        if let Some(last) = scan.spans[..done].last() {
            cut = cut.max(last.end);
        }
        let out = apply(&self.pending[..cut], &scan.spans[..done]);
        self.pending.drain(..cut);
        out
    }

    /// Flushes what is held back at the end of the stream.
    pub fn finish(&mut self) -> Vec<u8> {
        let rest = std::mem::take(&mut self.pending);
        self.redactor.bytes(&rest)
    }
}

/// Two streams written into one log as their reads arrive, like a process's stdout and stderr.
///
/// Each stream is masked on its own, so a secret that the other stream's output split in the
/// log is still caught; then the log they make is masked as a stream of its own, so two halves
/// that only meet in the log are caught too.
#[derive(Debug)]
pub struct InterleavedRedactor {
    streams: [StreamRedactor; 2],
    log: StreamRedactor,
}

impl InterleavedRedactor {
    pub(super) fn new(redactor: &Redactor) -> Self {
        Self {
            streams: [redactor.stream(), redactor.stream()],
            log: redactor.stream(),
        }
    }

    /// Feeds a read from stream `index` (0 or 1); returns what may be appended to the log now.
    pub fn push(&mut self, index: usize, chunk: &[u8]) -> Vec<u8> {
        let clean = self.streams[index].push(chunk);
        self.log.push(&clean)
    }

    /// Flushes both streams and the log at the end.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        for index in 0..2 {
            let rest = self.streams[index].finish();
            out.extend(self.log.push(&rest));
        }
        out.extend(self.log.finish());
        out
    }
}
