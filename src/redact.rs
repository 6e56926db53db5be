//! Secret redaction: every byte greenloop writes passes through a [`Redactor`].
//!
//! Secrets are replaced by `***` in text and in byte streams (suite output may not be UTF-8
//! and may split a secret across two reads, so [`StreamRedactor`] holds back a short tail).

use std::sync::Arc;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Secrets shorter than this are not redacted: masking every "a" would destroy the report,
/// and a one- or two-character secret protects nothing anyway. `check` warns about them.
pub const MIN_SECRET_LEN: usize = 3;

/// Replaces every known secret value with [`MASK`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Redactor {
    secrets: Arc<Vec<Vec<u8>>>,
    /// Whether some secret starts with this byte: most output bytes are skipped with one lookup,
    /// which keeps masking cheap on a flood.
    starts: Arc<[bool; 256]>,
}

impl Default for Redactor {
    /// A redactor with no secrets: it passes everything through.
    fn default() -> Self {
        Self::new(std::iter::empty::<&[u8]>())
    }
}

impl Redactor {
    /// A redactor for these secret values; longest first, so a secret containing another is
    /// masked whole.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut secrets: Vec<Vec<u8>> = secrets
            .into_iter()
            .map(|s| s.as_ref().to_vec())
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        let mut starts = [false; 256];
        for secret in &secrets {
            starts[usize::from(secret[0])] = true;
        }
        Self {
            secrets: Arc::new(secrets),
            starts: Arc::new(starts),
        }
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The length of the longest secret, in bytes.
    fn longest(&self) -> usize {
        self.secrets.first().map_or(0, Vec::len)
    }

    /// `text` with every secret replaced.
    pub fn text(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_owned();
        }
        String::from_utf8(self.bytes(text.as_bytes()))
            .expect("replacing whole UTF-8 substrings with ASCII keeps UTF-8 valid")
    }

    /// `text` with every secret replaced, reusing `text` itself when it holds none: reports of
    /// 100,000 tests are tens of megabytes, not worth copying to find nothing.
    pub fn mask(&self, text: String) -> String {
        if !self.is_empty() && self.contains_secret(text.as_bytes()) {
            self.text(&text)
        } else {
            text
        }
    }

    /// Whether any secret occurs in `bytes`.
    fn contains_secret(&self, bytes: &[u8]) -> bool {
        (0..bytes.len()).any(|i| {
            self.starts[usize::from(bytes[i])]
                && self.secrets.iter().any(|s| bytes[i..].starts_with(s))
        })
    }

    /// `bytes` with every secret replaced.
    pub fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        'scan: while i < bytes.len() {
            if !self.starts[usize::from(bytes[i])] {
                out.push(bytes[i]);
                i += 1;
                continue;
            }
            for secret in self.secrets.iter() {
                if bytes[i..].starts_with(secret) {
                    out.extend_from_slice(MASK.as_bytes());
                    i += secret.len();
                    continue 'scan;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        out
    }

    /// A stream redactor for output that arrives in chunks.
    pub fn stream(&self) -> StreamRedactor {
        StreamRedactor {
            redactor: self.clone(),
            pending: Vec::new(),
        }
    }
}

/// Redacts a byte stream chunk by chunk, never letting a secret slip through a chunk boundary.
#[derive(Debug)]
pub struct StreamRedactor {
    redactor: Redactor,
    pending: Vec<u8>,
}

impl StreamRedactor {
    /// Feeds a chunk; returns the bytes that are safe to emit now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.redactor.is_empty() {
            return chunk.to_vec();
        }
        self.pending.extend_from_slice(chunk);
        // Emit up to the last newline when there is one (secrets do not span lines in
        // practice), otherwise all but a tail that could be the start of a secret.
        let hold = self.redactor.longest() - 1;
        let cut = match self.pending.iter().rposition(|&b| b == b'\n') {
            Some(newline) => newline + 1,
            None => self.pending.len().saturating_sub(hold),
        };
        let ready: Vec<u8> = self.pending.drain(..cut).collect();
        self.redactor.bytes(&ready)
    }

    /// Flushes what is held back at the end of the stream.
    pub fn finish(&mut self) -> Vec<u8> {
        let rest = std::mem::take(&mut self.pending);
        self.redactor.bytes(&rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_and_the_longest_secret_first() {
        let redactor = Redactor::new(["hunter2", "hunter2-admin"]);
        assert_eq!(
            redactor.text("a hunter2-admin b hunter2 c"),
            "a *** b *** c"
        );
    }

    #[test]
    fn mask_reuses_text_without_secrets_and_masks_text_with_them() {
        let redactor = Redactor::new(["hunter2"]);
        let clean = String::from("nothing to hide");
        let pointer = clean.as_ptr();
        let masked = redactor.mask(clean);
        assert_eq!(masked.as_ptr(), pointer, "no copy when nothing matches");
        assert_eq!(redactor.mask("pw=hunter2!".into()), "pw=***!");
    }

    #[test]
    fn ignores_secrets_too_short_to_mask_safely() {
        let redactor = Redactor::new(["ab", ""]);
        assert!(redactor.is_empty());
        assert_eq!(redactor.text("abc"), "abc");
    }

    #[test]
    fn stream_catches_a_secret_split_across_chunks() {
        let redactor = Redactor::new(["s3cr3t-token"]);
        let mut stream = redactor.stream();
        let mut out = stream.push(b"token=s3cr");
        out.extend(stream.push(b"3t-tok"));
        out.extend(stream.push(b"en and more\nnext "));
        out.extend(stream.finish());
        assert_eq!(out, b"token=*** and more\nnext ");
    }

    #[test]
    fn stream_passes_non_utf8_bytes_through() {
        let redactor = Redactor::new(["secret"]);
        let mut stream = redactor.stream();
        let mut out = stream.push(b"\xff\xfe secret \xc3\n");
        out.extend(stream.finish());
        assert_eq!(out, b"\xff\xfe *** \xc3\n");
    }
}
