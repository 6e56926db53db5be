//! [`Redactor`]: finds every form of every secret in a text with two linear passes of one
//! Aho-Corasick automaton — over the text as it is, and over its decoded view when it holds
//! anything that could be an escape — and replaces each with [`MASK`].

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};

use super::decode::{self, LONGEST_ESCAPE, View, WIDEST_PER_BYTE};
use super::forms;
use super::stream::{InterleavedRedactor, StreamRedactor};

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Secrets shorter than this are not masked at all: masking every "a" would destroy the
/// report, and a one- or two-byte secret protects nothing anyway.
pub const MIN_SECRET_LEN: usize = 3;

/// Secrets shorter than this are too short to mask well (a three-byte secret is masked, but
/// not inside base64, and text that merely looks like it is masked too); `check` warns.
pub const SHORT_SECRET_LEN: usize = 4;

/// Replaces every known secret value, in every form the masker knows, with [`MASK`]. Cheap to
/// clone. Its `Debug` shows how many patterns it has, never what they are.
#[derive(Clone, Default)]
pub struct Redactor {
    /// `None` when there is nothing to mask.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    /// Every pattern of every secret, leftmost-longest so a secret containing another is
    /// masked whole.
    searcher: AhoCorasick,
    /// The most input bytes one match can cover (a pattern found in the view, each of its bytes
    /// escaped as widely as possible).
    longest_match: usize,
    /// No pattern contains a newline, so no match crosses one.
    newline_free: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let patterns = self.inner.as_ref().map_or(0, |i| i.searcher.patterns_len());
        f.debug_struct("Redactor")
            .field("patterns", &patterns)
            .finish()
    }
}

/// Where the secrets in a text are, and its decoded view when one was made.
pub(super) struct Scan {
    /// Byte ranges to mask, sorted and disjoint.
    pub spans: Vec<Range<usize>>,
    /// The decoded view, when the text could differ from it.
    pub view: Option<View>,
}

impl Redactor {
    /// A redactor for these secret values; those shorter than [`MIN_SECRET_LEN`] are left out.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut patterns: Vec<Vec<u8>> = secrets
            .into_iter()
            .filter(|s| s.as_ref().len() >= MIN_SECRET_LEN)
            .flat_map(|s| forms::patterns(s.as_ref()))
            .collect();
        patterns.sort();
        patterns.dedup();
        if patterns.is_empty() {
            return Self::default();
        }
        let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let newline_free = patterns.iter().all(|p| !p.contains(&b'\n'));
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("a few hundred short patterns are within the automaton's limits");
        Self {
            inner: Some(Arc::new(Inner {
                searcher,
                longest_match: longest * WIDEST_PER_BYTE,
                newline_free,
            })),
        }
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.inner.is_none()
    }

    /// `text` with every secret replaced.
    pub fn text(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_owned();
        }
        // A match starts and ends on character boundaries unless a secret's decoded shape
        // begins or ends inside a character; then the odd byte becomes U+FFFD rather than a
        // panic.
        String::from_utf8(self.bytes(text.as_bytes()))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// `text` with every secret replaced, reusing `text` itself when it holds none: reports of
    /// 100,000 tests are tens of megabytes, not worth copying to find nothing.
    pub fn mask(&self, text: String) -> String {
        if self.is_empty() || self.scan(text.as_bytes()).spans.is_empty() {
            text
        } else {
            self.text(&text)
        }
    }

    /// `bytes` with every secret replaced.
    pub fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        if self.is_empty() {
            return bytes.to_vec();
        }
        apply(bytes, &self.scan(bytes).spans)
    }

    /// A stream redactor for output that arrives in chunks.
    pub fn stream(&self) -> StreamRedactor {
        StreamRedactor::new(self.clone())
    }

    /// A redactor for two streams that share one log, like a process's stdout and stderr.
    pub fn interleaved(&self) -> InterleavedRedactor {
        InterleavedRedactor::new(self)
    }

    /// How many bytes at the end of a stream must wait for more: the most one match can cover,
    /// less one, and never less than the longest escape (so an escape is never cut in two).
    pub(super) fn hold(&self) -> usize {
        self.inner
            .as_ref()
            .map_or(0, |i| i.longest_match.saturating_sub(1).max(LONGEST_ESCAPE))
    }

    /// Whether no match can cross a newline, so a stream may emit up to its last one.
    pub(super) fn newline_free(&self) -> bool {
        self.inner.as_ref().is_none_or(|i| i.newline_free)
    }

    /// Finds every secret in `input`: in the text as it is, then in its decoded view.
    pub(super) fn scan(&self, input: &[u8]) -> Scan {
        let Some(inner) = &self.inner else {
            return Scan {
                spans: Vec::new(),
                view: None,
            };
        };
        let mut spans: Vec<Range<usize>> =
            inner.searcher.find_iter(input).map(|m| m.range()).collect();
        let view = decode::may_change(input).then(|| View::of(input));
        if let Some(view) = &view {
            spans.extend(
                inner
                    .searcher
                    .find_iter(&view.bytes)
                    .map(|m| view.input_range(m.range())),
            );
        }
        Scan {
            spans: merge(spans),
            view,
        }
    }
}

/// Sorts `spans` and joins those that overlap or touch, so each masked stretch reads `***` once.
fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_unstable_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// `input` with each of `spans` (sorted, disjoint) replaced by [`MASK`].
pub(super) fn apply(input: &[u8], spans: &[Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut at = 0;
    for span in spans {
        out.extend_from_slice(&input[at..span.start]);
        out.extend_from_slice(MASK.as_bytes());
        at = span.end;
    }
    out.extend_from_slice(&input[at..]);
    out
}
