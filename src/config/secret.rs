//! Secret values: resolved from the environment or a file, never shown by `Debug`.

use std::fmt;
use std::path::Path;

use super::raw::RawSecret;

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
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("failed to read secret file `{}`: {e}", path.display()))?;
            let value = text.trim_end_matches(['\n', '\r']);
            if value.is_empty() {
                return Err(format!("secret file `{}` is empty", path.display()));
            }
            Ok(SecretValue(value.to_owned()))
        }
        _ => Err("a secret needs exactly one of `env = \"NAME\"` or `file = \"path\"`".into()),
    }
}
