//! The byte strings the masker searches for, per secret: the secret itself, what it is in the
//! decoded view, and its base64 encodings.
//!
//! Percent, JSON, XML/HTML and backslash forms need no patterns of their own: the decoded view
//! ([`super::decode`]) turns them back into the secret. Base64 cannot be decoded in place (it
//! has no delimiters, and a secret inside a larger value starts at any of three byte
//! alignments), so its forms are listed: for each alignment, the characters that depend on the
//! secret's bits alone, in the standard and the URL-safe alphabet, plus the whole encoding of
//! the secret on its own, padded and not.

use super::decode::{escape_mixes, normalise};

/// A secret with more escape-like parts than this is searched for with all of them read as
/// written and all decoded, not every mix (32 patterns at most per secret for this).
const MAX_ESCAPE_MIXES: usize = 5;

/// Patterns shorter than this are not searched for: they would match ordinary text.
const MIN_PATTERN_LEN: usize = 3;

/// Base64 characters that depend on the secret alone are only searched for from this many on:
/// three or fewer would turn up by chance in any long base64 value.
const MIN_BASE64_CORE: usize = 4;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Every pattern for `secret`, unsorted and possibly repeated.
pub(super) fn patterns(secret: &[u8]) -> Vec<Vec<u8>> {
    let mut patterns = vec![secret.to_vec()];
    // In the decoded view; a secret that itself holds escape-like text (`%41`, `&amp;`) is
    // looked for with each such part read as written and decoded.
    patterns.extend(escape_mixes(secret, MAX_ESCAPE_MIXES));
    for alphabet in [STANDARD, URL_SAFE] {
        let mut whole = encode(secret, alphabet);
        patterns.push(whole.clone());
        while !whole.len().is_multiple_of(4) {
            whole.push(b'=');
        }
        patterns.push(whole);
        for alignment in 0..3 {
            let core = core(secret, alignment, alphabet);
            if core.len() >= MIN_BASE64_CORE {
                patterns.push(core);
            }
        }
    }
    // The view reads `+` as a space, so base64 with `+` is searched for that way too.
    let in_view: Vec<Vec<u8>> = patterns.iter().map(|p| normalise(p)).collect();
    patterns.extend(in_view);
    patterns.retain(|p| p.len() >= MIN_PATTERN_LEN);
    patterns
}

/// Base64 of `bytes` without padding.
fn encode(bytes: &[u8], alphabet: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        let chars = group.len() + 1;
        for i in 0..chars {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize]);
        }
    }
    out
}

/// The base64 characters of `secret` placed `alignment` bytes into a group of three that depend
/// on no byte around it: they appear wherever the secret is encoded at that alignment.
fn core(secret: &[u8], alignment: usize, alphabet: &[u8; 64]) -> Vec<u8> {
    let mut data = vec![0; alignment];
    data.extend_from_slice(secret);
    let encoded = encode(&data, alphabet);
    // Character k covers bits 6k..6k+6; the secret covers bits 8a..8(a+len).
    let first = (8 * alignment).div_ceil(6);
    let end = (8 * (alignment + secret.len())) / 6;
    encoded
        .get(first..end)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes(), STANDARD), encoded.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff], URL_SAFE), b"-_8");
    }

    #[test]
    fn cores_are_what_every_encoding_at_their_alignment_contains() {
        let secret = b"hunter2!";
        for alignment in 0..3 {
            let core = core(secret, alignment, STANDARD);
            assert!(core.len() >= MIN_BASE64_CORE, "{alignment}");
            for (before, after) in [(b"xyz", b"" as &[u8]), (b"\0\0\0", b"tail")] {
                let mut data = before[..alignment].to_vec();
                data.extend_from_slice(secret);
                data.extend_from_slice(after);
                let encoded = encode(&data, STANDARD);
                assert!(
                    encoded.windows(core.len()).any(|w| w == core),
                    "alignment {alignment}: {core:?} not in {encoded:?}"
                );
            }
        }
    }
}
