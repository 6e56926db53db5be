//! How other programs write a secret, for the masker's tests: each form is made by an encoder
//! that shares no code with the masker (serde_json, quick-xml, the url crate, the base64 crate,
//! or a one-line loop), so a test fails when the masker and the world disagree.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// One way a secret can be written into text.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    /// What wrote it, for failure messages.
    pub name: &'static str,
    /// The text as it appears in output.
    pub text: String,
}

/// Every textual form of `secret` (base64 is separate: see [`base64_forms`]), deduplicated.
pub(crate) fn text_forms(secret: &str) -> Vec<Form> {
    let mut forms = vec![
        form("raw", secret.to_owned()),
        form("percent, upper hex, %20", percent(secret, false, true)),
        form("percent, lower hex, %20", percent(secret, false, false)),
        form("percent, upper hex, +", percent(secret, true, true)),
        form("percent, lower hex, +", percent(secret, true, false)),
        form("form-urlencoded (url crate)", form_urlencoded(secret)),
        form("json (serde_json)", json(secret)),
        form("json with \\/", json(secret).replace('/', "\\/")),
        form("json, \\u for all but alphanumerics", json_u(secret, false)),
        form("json, \\U hex upper", json_u(secret, true)),
        form(
            "xml (quick-xml)",
            quick_xml::escape::escape(secret).into_owned(),
        ),
        form("html decimal references", html_numeric(secret, false)),
        form("html hex references", html_numeric(secret, true)),
        form("markdown backslash escapes", markdown(secret)),
    ];
    if let Some(query) = url_query(secret) {
        forms.push(form("url query (url crate)", query));
    }
    let mut seen = std::collections::HashSet::new();
    forms.retain(|f| seen.insert(f.text.clone()));
    forms
}

/// `secret` base64-encoded inside longer data, at each of the three byte alignments, with the
/// standard and URL-safe alphabets, padded and not.
pub(crate) fn base64_forms(secret: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    for prefix in ["", "u", "us"] {
        for suffix in ["", "!", "?x"] {
            let data = format!("{prefix}{secret}{suffix}");
            forms.push(form("base64", STANDARD.encode(&data)));
            forms.push(form("base64 no pad", STANDARD_NO_PAD.encode(&data)));
            forms.push(form("base64 url-safe", URL_SAFE.encode(&data)));
            forms.push(form(
                "base64 url-safe no pad",
                URL_SAFE_NO_PAD.encode(&data),
            ));
        }
    }
    forms
}

/// Finds what is left of a secret in masked output.
pub(crate) struct Oracle {
    secret: Vec<u8>,
    forms: Vec<Form>,
}

impl Oracle {
    /// An oracle for `secret`'s text forms and its base64.
    pub fn new(secret: &str) -> Self {
        Self {
            secret: secret.as_bytes().to_vec(),
            forms: text_forms(secret),
        }
    }

    /// What `output` still holds of the secret: a text form verbatim, or base64 that decodes to
    /// it (every run of base64 characters is decoded at each of its four offsets).
    pub fn leaked(&self, output: &[u8]) -> Option<String> {
        for f in &self.forms {
            if contains(output, f.text.as_bytes()) {
                return Some(format!("{}: {:?}", f.name, f.text));
            }
        }
        let is_b64 = |b: &u8| b.is_ascii_alphanumeric() || b"+/-_".contains(b);
        // Base64 of the secret is at least 4/3 of its length.
        let shortest = self.secret.len() * 4 / 3;
        for run in output.split(|b| !is_b64(b)).filter(|r| r.len() >= shortest) {
            for offset in 0..4 {
                let body = &run[offset..];
                let body = &body[..body.len() / 4 * 4];
                for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                    if let Ok(decoded) = engine.decode(body)
                        && contains(&decoded, &self.secret)
                    {
                        return Some(format!("base64 {:?}", String::from_utf8_lossy(run)));
                    }
                }
            }
        }
        None
    }
}

/// What `output` still holds of `secret`, if anything (see [`Oracle::leaked`]).
pub(crate) fn leaked(output: &[u8], secret: &str) -> Option<String> {
    Oracle::new(secret).leaked(output)
}

fn form(name: &'static str, text: String) -> Form {
    Form { name, text }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every byte but RFC 3986's unreserved ones as `%XX`; space as `+` when `plus`.
fn percent(secret: &str, plus: bool, upper: bool) -> String {
    secret
        .bytes()
        .map(|b| match b {
            b' ' if plus => "+".to_owned(),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => char::from(b).to_string(),
            b if upper => format!("%{b:02X}"),
            b => format!("%{b:02x}"),
        })
        .collect()
}

fn form_urlencoded(secret: &str) -> String {
    let mut url = reqwest::Url::parse("http://h/").unwrap();
    url.query_pairs_mut().append_pair("t", secret);
    url.query().unwrap()["t=".len()..].to_owned()
}

/// What the url crate leaves of `secret` in a query: only some characters are encoded. It
/// deletes tabs and newlines, and trims spaces off the end of a url, which is no encoding: a
/// multi-line secret, or one that ends in a space, has no such form.
fn url_query(secret: &str) -> Option<String> {
    if secret.contains(['\t', '\n', '\r']) || secret.ends_with(' ') {
        return None;
    }
    let url = reqwest::Url::parse(&format!("http://h/?t={secret}")).ok()?;
    Some(url.query()?["t=".len()..].to_owned())
}

fn json(secret: &str) -> String {
    let quoted = serde_json::to_string(secret).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Every character but ASCII alphanumerics as `\uXXXX` (UTF-16 units, as JSON has it).
fn json_u(secret: &str, upper: bool) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        let mut units = [0; 2];
        for unit in c.encode_utf16(&mut units) {
            out += &if upper {
                format!("\\u{unit:04X}")
            } else {
                format!("\\u{unit:04x}")
            };
        }
    }
    out
}

fn html_numeric(secret: &str, hex: bool) -> String {
    secret
        .chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() => c.to_string(),
            c if hex => format!("&#x{:x};", u32::from(c)),
            c => format!("&#{};", u32::from(c)),
        })
        .collect()
}

/// Markdown (and shells) put a backslash before ASCII punctuation; `%` and `&` are left alone
/// here, as greenloop's own Markdown does, because after a backslash they begin escapes of
/// their own (see the masker's docs).
fn markdown(secret: &str) -> String {
    secret
        .chars()
        .map(|c| match c {
            c if c.is_ascii_punctuation() && c != '%' && c != '&' => format!("\\{c}"),
            c => c.to_string(),
        })
        .collect()
}
