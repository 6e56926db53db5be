//! The normalised signature of an error message: the same failure in four tests, with four
//! request ids, ports and timestamps, becomes one line.
//!
//! What is masked, and as what:
//!
//! | placeholder  | masks |
//! | ------------ | ----- |
//! | `<uuid>`     | `8-4-4-4-12` hex UUIDs |
//! | `<time>`     | ISO 8601 timestamps, `HH:MM:SS[.fff]`, epoch seconds/millis (10/13 digits from 1) |
//! | `<ip>`       | IPv4 and IPv6 addresses |
//! | `<port>`     | a number after `<ip>:`, `localhost:`, `host.name:` or the word `port` |
//! | `<path>`     | file paths: `/tmp/…`, `/x/y.py`, `~/…`, `C:\…`, `\\share\…` (not URL routes) |
//! | `<duration>` | numbers with a unit attached: `250ms`, `1.23s`, `1m30s` |
//! | `<hex>`      | `0x…` (memory addresses too), and hex runs of 7+ with a digit and a letter (git shas) |
//! | `<id>`       | long tokens (16+) mixing 2+ digits with letters, no letter run over 8 (ULIDs, tokens) |
//! | `<n>`        | every other number, and runs of 5+ digits inside words (`user_12345`) |
//!
//! What is kept: every word, all punctuation, digits inside short words (`sha256`, `v1`,
//! `urllib3`, `test_1_x`), `HTTP/1.1`, and **codes**. A code is what a reader acts on — 404 vs
//! 500, WebSocket close 1011 vs 1006 — so merging them would hide the very difference a
//! signature exists to show, while keeping a count by mistake merely splits one cluster in two.
//! An integer is kept as a code when:
//!
//! - the word before it names a code (`code`, `status`, `errno`, `signal`, or ends in
//!   `code`/`status`, like `status_code`, `exitCode`) and it has at most 4 digits; or
//! - it is in a code range — HTTP `100..=599`, WebSocket `1000..=1015` and `3000..=4999` — and
//!   it opens the message or follows a word that reports one (`received`, `answered`, `sent`,
//!   `got`, `expected`, `returned`, `assert`, `with`, `response`, `http…`, `…error`,
//!   `…exception`) or another kept code (so `assert 404 == 200` keeps both).
//!
//! A number followed by a unit word (`500 milliseconds`, `404 bytes`) is a quantity, never a
//! code. So `line 404` and `with 1500 ms` are masked, `received 1011` and `HTTPError: 503` are
//! not.
//!
//! Only the first non-blank line counts (the rest is a traceback), whitespace runs collapse to
//! one space, and the result stops after [`MAX_LEN`] bytes with `…`. One pass over the line
//! with bounded look-ahead, one output buffer and no other allocation: linear in the message.

use super::lexemes::{self, is_word};

#[cfg(test)]
mod tests;

/// The longest signature, in bytes, before it is cut with `…`: long enough to hold a requests
/// `ConnectionError` with its `[Errno 111] Connection refused`.
pub const MAX_LEN: usize = 320;

/// Source and config file extensions: a number after `file.py:` is a line, not a port.
const FILE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cfg", "cjs", "clj", "cpp", "cs", "dart", "erl", "ex", "exs", "go", "h", "hpp",
    "html", "ini", "java", "js", "json", "jsx", "kt", "kts", "lua", "md", "mjs", "php", "pl",
    "proto", "py", "rb", "rs", "scala", "sh", "sql", "svelte", "swift", "tf", "toml", "ts", "tsx",
    "txt", "vue", "xml", "yaml", "yml",
];

/// Words after which a number in a code range is a code (`answered` is how greenloop's own
/// HTTP probe words a status).
const REPORTING_WORDS: &[&str] = &[
    "answered", "assert", "closed", "expect", "expected", "got", "received", "response", "return",
    "returned", "returns", "sent", "with",
];

/// Words that make the number before them a quantity, never a code: `with 500 milliseconds`.
const QUANTITY_UNITS: &[&str] = &[
    "bytes",
    "h",
    "hour",
    "hours",
    "millisecond",
    "milliseconds",
    "min",
    "mins",
    "minute",
    "minutes",
    "ms",
    "s",
    "sec",
    "second",
    "seconds",
    "secs",
];

/// The normalised signature of `message`; empty when the message is blank.
pub fn signature(message: &str) -> String {
    let line = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut scan = Scan {
        b: line.as_bytes(),
        s: line,
        out: String::with_capacity(line.len().min(MAX_LEN) + 4),
        space: false,
        context: Context::Reporting,
    };
    scan.run();
    scan.out
}

/// What the previous token says about a number that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A word naming a code: keep any short integer.
    Naming,
    /// The message's start, a reporting word or a kept code: keep integers in code ranges.
    Reporting,
    /// The word `port`.
    Port,
    /// An address or host name: a number right after `:` is its port.
    Host,
    /// Anything else: mask.
    Plain,
}

struct Scan<'a> {
    b: &'a [u8],
    s: &'a str,
    out: String,
    space: bool,
    context: Context,
}

impl Scan<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.b.len() {
            if self.out.len() >= MAX_LEN {
                if !self.s[i..].trim_start().is_empty() {
                    self.out.push('…');
                }
                return;
            }
            let (s, c) = (self.s, self.b[i]);
            i = if let Some(len) = whitespace_len(&s[i..]) {
                self.space = true;
                i + len
            } else if let Some(end) = self.placeholder(i) {
                end
            } else if is_word(c) {
                self.word_or_number(i)
            } else {
                self.emit(&s[i..i + 1]);
                i + 1
            };
        }
    }

    /// Writes `text`, with one space first if whitespace separated it from the previous token.
    fn emit(&mut self, text: &str) {
        if std::mem::take(&mut self.space) && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.out.push_str(text);
    }

    fn mask(&mut self, placeholder: &str, context: Context) {
        self.emit(placeholder);
        self.context = context;
    }

    fn previous_byte(&self, i: usize) -> Option<u8> {
        i.checked_sub(1).map(|p| self.b[p])
    }

    /// Masks a lexeme starting at `i` (which starts a token) and returns its end.
    fn placeholder(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let c = b[i];
        let prev = self.previous_byte(i);
        if prev.is_some_and(is_word) {
            return None;
        }
        let path_may_start = prev.is_none_or(|p| !b":/.\\".contains(&p));
        let found = if path_may_start && let Some(end) = lexemes::path(b, i) {
            (end, "<path>", Context::Plain)
        } else if c.is_ascii_digit() {
            let end = lexemes::iso_timestamp(b, i)
                .or_else(|| lexemes::time_of_day(b, i))
                .map(|e| (e, "<time>", Context::Plain))
                .or_else(|| lexemes::ipv4(b, i).map(|e| (e, "<ip>", Context::Host)))
                .or_else(|| lexemes::uuid(b, i).map(|e| (e, "<uuid>", Context::Plain)))
                .or_else(|| lexemes::ipv6(b, i).map(|e| (e, "<ip>", Context::Host)))
                .or_else(|| lexemes::duration(b, i).map(|e| (e, "<duration>", Context::Plain)));
            end?
        } else if c.is_ascii_hexdigit() || (c == b':' && b.get(i + 1) == Some(&b':')) {
            lexemes::uuid(b, i)
                .map(|e| (e, "<uuid>", Context::Plain))
                .or_else(|| lexemes::ipv6(b, i).map(|e| (e, "<ip>", Context::Host)))?
        } else {
            return None;
        };
        let (end, text, context) = found;
        self.mask(text, context);
        Some(end)
    }

    /// Emits the word (or number) starting at `i` and returns its end.
    fn word_or_number(&mut self, i: usize) -> usize {
        let (s, b) = (self.s, self.b);
        let end = i + word_len(&s[i..]);
        let word = &s[i..end];
        if word.bytes().all(|c| c.is_ascii_digit()) {
            return self.number(i, end);
        }
        if let Some(rest) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X"))
            && !rest.is_empty()
            && rest.bytes().all(|c| c.is_ascii_hexdigit())
        {
            self.mask("<hex>", Context::Plain);
            return end;
        }
        if word.eq_ignore_ascii_case("http") && b.get(end) == Some(&b'/') {
            let version = b[end + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == b'.')
                .count();
            self.emit(&s[i..end + 1 + version]);
            self.context = Context::Reporting;
            return end + 1 + version;
        }
        self.emit_word(word);
        self.context = word_context(word, self.previous_byte(i) == Some(b'.'));
        end
    }

    /// Emits a word part by part (parts split at `_`), masking the parts that are ids.
    fn emit_word(&mut self, word: &str) {
        let mut first = true;
        for part in word.split('_') {
            if !std::mem::take(&mut first) {
                self.out.push('_');
            }
            let masked = id_placeholder(part);
            if let Some(placeholder) = masked {
                self.emit(placeholder);
            } else {
                self.emit_long_digit_runs_masked(part);
            }
        }
    }

    fn emit_long_digit_runs_masked(&mut self, part: &str) {
        let mut rest = part;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            let len = rest[start..].bytes().take_while(u8::is_ascii_digit).count();
            let (before, run) = (&rest[..start], &rest[start..start + len]);
            self.emit(before);
            self.emit(if len >= 5 { "<n>" } else { run });
            rest = &rest[start + len..];
        }
        self.emit(rest);
    }

    /// A whole number from `i` to `end`: a decimal, a port, an epoch time, a code, or `<n>`.
    fn number(&mut self, i: usize, end: usize) -> usize {
        let b = self.b;
        if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
            let mut j = end;
            while b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                j += 1 + b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            }
            self.mask("<n>", Context::Plain);
            return j;
        }
        let digits = &self.s[i..end];
        let after_colon = self.previous_byte(i) == Some(b':');
        let is_port =
            self.context == Context::Port || (self.context == Context::Host && after_colon);
        let is_epoch = matches!(digits.len(), 10 | 13) && digits.starts_with('1');
        if is_port {
            self.mask("<port>", Context::Plain);
        } else if is_epoch {
            self.mask("<time>", Context::Plain);
        } else if is_code(digits, self.context) && !self.quantity_follows(end) {
            self.emit(digits);
            self.context = Context::Reporting;
        } else {
            self.mask("<n>", Context::Plain);
        }
        end
    }
}

impl Scan<'_> {
    /// Whether one space and a unit word follow `end`, as in `1500 ms`.
    fn quantity_follows(&self, end: usize) -> bool {
        let Some(rest) = self.s.get(end..).and_then(|r| r.strip_prefix(' ')) else {
            return false;
        };
        let word_end = rest.bytes().take_while(|&c| is_word(c)).count();
        let word = &rest[..word_end];
        QUANTITY_UNITS.iter().any(|u| word.eq_ignore_ascii_case(u))
    }
}

/// The byte length of the whitespace character opening `text`, Unicode's too (a non-breaking
/// space is a space to the reader); `None` when it opens with anything else.
fn whitespace_len(text: &str) -> Option<usize> {
    let c = text.chars().next()?;
    c.is_whitespace().then(|| c.len_utf8())
}

/// The byte length of the word opening `text`: ASCII alphanumerics, `_`, and non-ASCII
/// characters other than whitespace.
fn word_len(text: &str) -> usize {
    text.char_indices()
        .find(|&(_, c)| {
            if c.is_ascii() {
                !is_word(c as u8)
            } else {
                c.is_whitespace()
            }
        })
        .map_or(text.len(), |(at, _)| at)
}

fn is_code(digits: &str, context: Context) -> bool {
    let Ok(value) = digits.parse::<u32>() else {
        return false;
    };
    match context {
        Context::Naming => digits.len() <= 4,
        Context::Reporting => {
            (100..=599).contains(&value)
                || (1000..=1015).contains(&value)
                || (3000..=4999).contains(&value)
        }
        _ => false,
    }
}

/// What a word says about a number after it; `dotted` when a `.` joins it to the word before,
/// as the last label of a host name or a file name is.
fn word_context(word: &str, dotted: bool) -> Context {
    let is = |w: &&str| word.eq_ignore_ascii_case(w);
    let ends = |suffix: &str| {
        word.len() >= suffix.len()
            && word.as_bytes()[word.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let starts = |prefix: &str| {
        word.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if ["errno", "signal"].iter().any(is) || ends("code") || ends("status") {
        Context::Naming
    } else if is(&"port") {
        Context::Port
    } else if REPORTING_WORDS.iter().any(is) || starts("http") || ends("error") || ends("exception")
    {
        Context::Reporting
    } else if is(&"localhost")
        || (dotted
            && word.bytes().all(|c| c.is_ascii_alphabetic())
            && !FILE_EXTENSIONS.iter().any(is))
    {
        Context::Host
    } else {
        Context::Plain
    }
}

/// The placeholder for a word part that is an id: `<hex>` for a hex run of 7+ with a digit and
/// a letter (a git short sha is 7), `<id>` for a long token that mixes digits into letters.
fn id_placeholder(part: &str) -> Option<&'static str> {
    let bytes = part.as_bytes();
    let digit_count = bytes.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = bytes.iter().any(u8::is_ascii_alphabetic);
    if bytes.len() >= 7 && digit_count > 0 && letters && bytes.iter().all(u8::is_ascii_hexdigit) {
        return Some("<hex>");
    }
    let longest_letter_run = part
        .split(|c: char| !c.is_ascii_alphabetic())
        .map(str::len)
        .max()
        .unwrap_or(0);
    let is_token = bytes.len() >= 16 && digit_count >= 2 && letters && longest_letter_run <= 8;
    is_token.then_some("<id>")
}
