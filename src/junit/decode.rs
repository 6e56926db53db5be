//! Bytes to text before parsing: BOMs, UTF-16, and lossy decoding of invalid UTF-8.
//!
//! quick-xml rejects invalid UTF-8 outright. A producer that pastes raw process output into
//! `<failure>` text (a common way to get a stray Latin-1 byte) would then lose every result in
//! the file, so greenloop decodes lossily instead, keeps the results, and records a finding:
//! the bad bytes can only sit in text, where a U+FFFD is harmless, or in a name, where it is at
//! least visible.

use std::borrow::Cow;

use super::findings::Findings;

/// The document as text, or `None` when it holds nothing but whitespace.
pub(crate) fn decode<'b>(bytes: &'b [u8], findings: &mut Findings) -> Option<Cow<'b, str>> {
    let text = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8_lossy(rest, findings),
        [0xFF, 0xFE, rest @ ..] => Cow::Owned(utf16(rest, u16::from_le_bytes, findings)),
        [0xFE, 0xFF, rest @ ..] => Cow::Owned(utf16(rest, u16::from_be_bytes, findings)),
        _ => utf8_lossy(bytes, findings),
    };
    if text.trim().is_empty() {
        None
    } else {
        Some(text)
    }
}

fn utf8_lossy<'b>(bytes: &'b [u8], findings: &mut Findings) -> Cow<'b, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(e) => {
            findings.say(format!(
                "is not valid UTF-8 (first bad byte at offset {}); decoded lossily, the bad bytes \
                 read as U+FFFD and every result was kept",
                e.valid_up_to()
            ));
            Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, findings: &mut Findings) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut bad = 0_u64;
    let text = char::decode_utf16(units)
        .map(|c| {
            c.unwrap_or_else(|_| {
                bad += 1;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    if bad > 0 || !bytes.len().is_multiple_of(2) {
        findings.say(format!(
            "is UTF-16 with {bad} invalid code units; decoded lossily and every result was kept"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf8_is_borrowed_without_findings() {
        let mut findings = Findings::default();
        let text = decode(b"\xEF\xBB\xBF<a/>", &mut findings).unwrap();
        assert!(matches!(text, Cow::Borrowed("<a/>")));
        assert!(findings.into_sentences("f".as_ref()).is_empty());
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_with_a_finding() {
        let mut findings = Findings::default();
        let text = decode(b"<a>caf\xE9</a>", &mut findings).unwrap();
        assert_eq!(text, "<a>caf\u{FFFD}</a>");
        let sentences = findings.into_sentences("f.xml".as_ref());
        assert_eq!(sentences.len(), 1);
        assert!(sentences[0].starts_with("f.xml: is not valid UTF-8 (first bad byte at offset 6)"));
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("<a/>".encode_utf16().flat_map(u16::to_le_bytes));
        let mut findings = Findings::default();
        assert_eq!(decode(&bytes, &mut findings).unwrap(), "<a/>");
    }

    #[test]
    fn whitespace_only_is_empty() {
        let mut findings = Findings::default();
        assert!(decode(b" \n\t ", &mut findings).is_none());
        assert!(decode(b"", &mut findings).is_none());
    }
}
