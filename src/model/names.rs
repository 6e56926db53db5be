//! Names that end up in paths and URLs, checked once.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The name of a loop definition: its file stem, safe to use in paths and URLs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LoopName(String);

/// A loop name that would be unsafe as a file or URL component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a valid loop name: use lowercase letters, digits, `-` and `_`, starting with a letter or digit"
)]
pub struct InvalidLoopName(String);

impl LoopName {
    /// Checks `name`: lowercase ASCII letters, digits, `-` and `_`, not starting with `-`/`_`.
    pub fn new(name: &str) -> Result<Self, InvalidLoopName> {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(InvalidLoopName(name.to_owned()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoopName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
