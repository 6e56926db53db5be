//! Secret values: resolved from the environment or a file, never shown by `Debug`.
//!
//! A secret file is read only when it is a regular file (a FIFO would block `check` forever, a
//! device such as `/dev/zero` would never end) and only up to [`MAX_SECRET_FILE`] bytes.

use std::fmt;
use std::path::Path;

use super::raw::RawSecret;
use crate::redact::{MIN_SECRET_LEN, SHORT_SECRET_LEN};

/// The largest secret file read: far above any token or private key, far below trouble.
pub const MAX_SECRET_FILE: u64 = 64 * 1024;

/// A resolved secret. Its `Debug` prints `***`, so a plan can be logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// The value itself, for rendering into a command or header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Reads the secret `raw` describes; relative files resolve against `root`. The error is a
/// sentence for a diagnostic and never contains the value.
pub fn resolve(raw: &RawSecret, root: &Path) -> Result<SecretValue, String> {
    match (&raw.env, &raw.file) {
        (Some(name), None) => match std::env::var(name) {
            Ok(value) if !value.is_empty() => Ok(SecretValue(value)),
            Ok(_) => Err(format!("environment variable `{name}` is empty")),
            Err(std::env::VarError::NotPresent) => {
                Err(format!("environment variable `{name}` is not set"))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(format!("environment variable `{name}` is not valid UTF-8"))
            }
        },
        (None, Some(file)) => {
            let path = root.join(file);
            let text = read_file(&path)
                .map_err(|why| format!("secret file `{}` {why}", path.display()))?;
            let value = text.trim_end_matches(['\n', '\r']);
            if value.is_empty() {
                return Err(format!("secret file `{}` is empty", path.display()));
            }
            Ok(SecretValue(value.to_owned()))
        }
        _ => Err("a secret needs exactly one of `env = \"NAME\"` or `file = \"path\"`".into()),
    }
}

/// What `check` says about a secret too short to mask well, if `value` is one.
pub fn short_warning(name: &str, value: &SecretValue) -> Option<String> {
    let len = value.expose().len();
    if len >= SHORT_SECRET_LEN {
        return None;
    }
    let what = if len < MIN_SECRET_LEN {
        format!(
            "secrets shorter than {MIN_SECRET_LEN} bytes are never masked, since masking them \
             would mask ordinary text"
        )
    } else {
        "it is masked, but not inside base64, and any text that happens to match it is masked \
         too"
        .to_owned()
    };
    Some(format!(
        "secret `{name}` is only {len} byte{} long: {what}; secrets of {SHORT_SECRET_LEN} bytes \
         or more are masked in every form",
        if len == 1 { "" } else { "s" }
    ))
}

/// The file's text, or why it cannot be a secret (the end of a sentence that names the file).
fn read_file(path: &Path) -> Result<String, String> {
    let bytes = crate::regular::read(path, MAX_SECRET_FILE).map_err(|error| match error {
        crate::regular::ReadError::TooLarge(_) => format!(
            "is larger than {} KiB, the most a secret file may hold",
            MAX_SECRET_FILE / 1024
        ),
        crate::regular::ReadError::NotRegular(kind) => {
            format!("is not a regular file (it is a {kind}); a secret file must be a plain file")
        }
        crate::regular::ReadError::Io(e) => format!("cannot be read: {e}"),
    })?;
    String::from_utf8(bytes).map_err(|_| "is not valid UTF-8".to_owned())
}
