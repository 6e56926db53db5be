//! The decoded view of a text: every escape the masker knows turned back into the bytes it
//! stands for, so one search finds a secret however (and however mixed) it was escaped.
//!
//! Escapes are read left to right, each at most [`LONGEST_ESCAPE`] bytes:
//! - percent: `%HH` (either case); and `+` reads as a space, as form encoding writes one, so in
//!   the view `+` and space are the same character (patterns go through [`normalise`] too);
//! - backslash: `\"`, `\\`, `\/` and every other ASCII punctuation but `%` and `&` (JSON, Markdown,
//!   shells), `\b \f \n \r \t`, `\xHH`, `\uHHHH` (surrogate pairs joined);
//! - XML and HTML: `&quot; &apos; &lt; &gt; &amp;`, `&#DDD;` and `&#xHHH;`.
//!
//! `\%` and `\&` stay two characters because a backslash right before a percent-encoded or
//! entity-escaped secret must not swallow the escape's first byte.

use std::ops::Range;

/// The most input bytes one escape takes: `\uD83D\uDE00` (a surrogate pair).
pub(super) const LONGEST_ESCAPE: usize = 12;

/// The most input bytes that decode to one byte of the view: `&#0000034;` has seven digits,
/// the most a numeric reference may have here.
pub(super) const WIDEST_PER_BYTE: usize = 10;

/// The bytes that can start an escape, or (`+`) decode to something else on their own.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'%' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'&' as usize] = true;
    table[b'+' as usize] = true;
    table
};

/// Whether `input` could decode to something other than itself; when not, the view is skipped.
pub(super) fn may_change(input: &[u8]) -> bool {
    input.iter().any(|&b| SPECIAL[usize::from(b)])
}

/// `+` as a space: form encoding writes a space as `+`, so the view cannot tell them apart.
pub(super) fn normalise(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect()
}

/// One escape: the input bytes it took and the view bytes it became.
#[derive(Debug, Clone)]
struct Escape {
    input: Range<usize>,
    view: Range<usize>,
}

/// A text decoded, with what it takes to map positions in the view back to the text.
#[derive(Debug)]
pub(super) struct View {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// Every escape, in order; between them the view and the input match byte for byte.
    escapes: Vec<Escape>,
}

impl View {
    /// Decodes `input`.
    pub fn of(input: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(input.len());
        let mut escapes = Vec::new();
        let mut i = 0;
        while i < input.len() {
            // Most bytes are no escape: copy them a run at a time.
            let run = input[i..]
                .iter()
                .position(|&b| SPECIAL[usize::from(b)])
                .unwrap_or(input.len() - i);
            bytes.extend_from_slice(&input[i..i + run]);
            i += run;
            let Some(&first) = input.get(i) else { break };
            let rest = &input[i..];
            let escape = match first {
                b'%' => percent(rest),
                b'\\' => backslash(rest),
                b'&' => entity(rest),
                _ => None,
            };
            match escape {
                Some((taken, decoded)) => {
                    let start = bytes.len();
                    bytes.extend(decoded.as_bytes().iter().map(|&b| space_for_plus(b)));
                    escapes.push(Escape {
                        input: i..i + taken,
                        view: start..bytes.len(),
                    });
                    i += taken;
                }
                None => {
                    bytes.push(space_for_plus(first));
                    i += 1;
                }
            }
        }
        Self { bytes, escapes }
    }

    /// The input bytes that `view` (a range of [`Self::bytes`]) came from, whole escapes
    /// included.
    pub fn input_range(&self, view: Range<usize>) -> Range<usize> {
        self.input_start(view.start)..self.input_end(view.end)
    }

    fn input_start(&self, at: usize) -> usize {
        let before = self.escapes.partition_point(|e| e.view.start <= at);
        match before.checked_sub(1).map(|i| &self.escapes[i]) {
            None => at,
            Some(e) if at < e.view.end => e.input.start,
            Some(e) => e.input.end + (at - e.view.end),
        }
    }

    fn input_end(&self, at: usize) -> usize {
        let before = self.escapes.partition_point(|e| e.view.start < at);
        match before.checked_sub(1).map(|i| &self.escapes[i]) {
            None => at,
            Some(e) if at <= e.view.end => e.input.end,
            Some(e) => e.input.end + (at - e.view.end),
        }
    }

    /// `at` (an input position) moved back to the start of the escape it falls inside, so that
    /// text held back for the next read never begins halfway through an escape.
    pub fn boundary_at_or_before(&self, at: usize) -> usize {
        let before = self.escapes.partition_point(|e| e.input.start < at);
        match before.checked_sub(1).map(|i| &self.escapes[i]) {
            Some(e) if at < e.input.end => e.input.start,
            _ => at,
        }
    }
}

/// A secret that itself holds escape-like text (`%41`, `\n`, `&amp;`) can be written with any
/// of those read as escapes and the others not, depending on what encoded it: every such
/// mix of `secret`, as the view would show it. With more than `max_escapes` of them, only
/// none and all are given (2 to the power of their number would be too many patterns).
pub(super) fn escape_mixes(secret: &[u8], max_escapes: usize) -> Vec<Vec<u8>> {
    let view = View::of(secret);
    let escapes = &view.escapes;
    let mixes: Vec<u64> = if escapes.len() <= max_escapes {
        (0..1u64 << escapes.len()).collect()
    } else {
        vec![0, u64::MAX]
    };
    mixes
        .into_iter()
        .map(|decoded| {
            let mut out = Vec::with_capacity(secret.len());
            let mut at = 0;
            for (i, escape) in escapes.iter().enumerate() {
                out.extend(
                    secret[at..escape.input.start]
                        .iter()
                        .map(|&b| space_for_plus(b)),
                );
                if decoded >> i.min(63) & 1 == 1 {
                    out.extend_from_slice(&view.bytes[escape.view.clone()]);
                } else {
                    out.extend(
                        secret[escape.input.clone()]
                            .iter()
                            .map(|&b| space_for_plus(b)),
                    );
                }
                at = escape.input.end;
            }
            out.extend(secret[at..].iter().map(|&b| space_for_plus(b)));
            out
        })
        .collect()
}

fn space_for_plus(b: u8) -> u8 {
    if b == b'+' { b' ' } else { b }
}

/// What one escape decodes to: at most one character.
struct Decoded {
    buf: [u8; 4],
    len: usize,
}

impl Decoded {
    fn byte(b: u8) -> Self {
        Self {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn char(c: char) -> Self {
        let mut buf = [0; 4];
        let len = c.encode_utf8(&mut buf).len();
        Self { buf, len }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

fn hex(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// `%HH`.
fn percent(rest: &[u8]) -> Option<(usize, Decoded)> {
    let value = hex(rest.get(1..3)?)?;
    Some((3, Decoded::byte(value as u8)))
}

/// `\` and what follows it.
fn backslash(rest: &[u8]) -> Option<(usize, Decoded)> {
    let next = *rest.get(1)?;
    let simple = |b| Some((2, Decoded::byte(b)));
    match next {
        b'u' => unicode(rest),
        b'x' => Some((4, Decoded::byte(hex(rest.get(2..4)?)? as u8))),
        b'b' => simple(0x08),
        b'f' => simple(0x0c),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'%' | b'&' => None,
        b' ' => simple(b' '),
        b if b.is_ascii_punctuation() => simple(b),
        _ => None,
    }
}

/// `\uHHHH`, or a surrogate pair `\uHHHH\uHHHH`; a lone surrogate is no escape.
fn unicode(rest: &[u8]) -> Option<(usize, Decoded)> {
    let unit = hex(rest.get(2..6)?)?;
    if let Some(c) = char::from_u32(unit) {
        return Some((6, Decoded::char(c)));
    }
    if !(0xD800..0xDC00).contains(&unit) || rest.get(6..8)? != b"\\u" {
        return None;
    }
    let low = hex(rest.get(8..12)?)?;
    if !(0xDC00..0xE000).contains(&low) {
        return None;
    }
    let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
    Some((12, Decoded::char(c)))
}

/// `&name;`, `&#DDD;` or `&#xHHH;`.
fn entity(rest: &[u8]) -> Option<(usize, Decoded)> {
    const NAMED: [(&[u8], u8); 5] = [
        (b"&quot;", b'"'),
        (b"&apos;", b'\''),
        (b"&lt;", b'<'),
        (b"&gt;", b'>'),
        (b"&amp;", b'&'),
    ];
    if let Some((name, b)) = NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
        return Some((name.len(), Decoded::byte(*b)));
    }
    let body = rest.strip_prefix(b"&#")?;
    let (digits_at, radix) = match body.first()? {
        b'x' | b'X' => (3, 16),
        _ => (2, 10),
    };
    let end = rest.iter().take(WIDEST_PER_BYTE).position(|&b| b == b';')?;
    let digits = std::str::from_utf8(rest.get(digits_at..end)?).ok()?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(digits, radix).ok()?)?;
    Some((end + 1, Decoded::char(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(input: &str) -> String {
        String::from_utf8(View::of(input.as_bytes()).bytes).unwrap()
    }

    #[test]
    fn decodes_each_kind_of_escape() {
        assert_eq!(decoded("a%20b%2fc+d"), "a b/c d");
        assert_eq!(decoded(r#"\"\\\/\n\u00e9\u00E9\x41\<"#), "\"\\/\né\u{e9}A<");
        assert_eq!(decoded(r"\ud83d\ude00"), "😀");
        assert_eq!(
            decoded("&quot;&lt;&gt;&amp;&apos;&#34;&#x3C;&#X3e;"),
            "\"<>&'\"<>"
        );
    }

    #[test]
    fn leaves_what_is_no_escape_alone() {
        assert_eq!(decoded("100% %4 %zz"), "100% %4 %zz");
        assert_eq!(decoded(r"C:\Users \u12 \ud83d."), r"C:\Users \u12 \ud83d.");
        assert_eq!(
            decoded("&nbsp; &# &#; &#xz; & &#12345678;"),
            "&nbsp; &# &#; &#xz; & &#12345678;"
        );
        // A backslash does not take the first byte of a percent or entity escape.
        assert_eq!(decoded(r"\%22\&quot;"), "\\\"\\\"");
    }

    #[test]
    fn maps_view_ranges_back_to_whole_escapes() {
        let input = "ab%22cd\\u00e9f";
        let view = View::of(input.as_bytes());
        assert_eq!(String::from_utf8_lossy(&view.bytes), "ab\"cdéf");
        // `"cd` in the view is `%22cd` in the input.
        assert_eq!(view.input_range(2..5), 2..7);
        // `é` (two bytes in the view) is the whole `\u00e9`; `f` follows it.
        assert_eq!(view.input_range(5..7), 7..13);
        assert_eq!(view.input_range(7..8), 13..14);
        assert_eq!(view.input_range(0..1), 0..1);
        assert_eq!(view.boundary_at_or_before(4), 2);
        assert_eq!(view.boundary_at_or_before(5), 5);
        assert_eq!(view.boundary_at_or_before(9), 7);
    }

    #[test]
    fn escape_mixes_read_each_escape_like_part_both_ways() {
        // `%41` and a backslash-n, each either as written or decoded; `+` is always a space.
        let mut mixes = escape_mixes(b"a%41\\n+", 4);
        mixes.sort();
        let mut expected = vec![
            b"a%41\\n ".to_vec(),
            b"aA\\n ".to_vec(),
            b"a%41\n ".to_vec(),
            b"aA\n ".to_vec(),
        ];
        expected.sort();
        assert_eq!(mixes, expected);
        assert_eq!(escape_mixes(b"plain+text", 4), [b"plain text".to_vec()]);
        assert_eq!(escape_mixes(b"%41%42%43", 2).len(), 2);
    }
}
