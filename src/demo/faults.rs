//! The demo backend's fault switches: a small TOML file read again on every request and every
//! WebSocket connection, so a fix that edits it takes effect at once.

use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Which faults the backend injects. A missing key is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// The agent WebSocket closes with 1011 (internal error) when a user message arrives.
    pub ws_1011: bool,
    /// `/api/agents/start` and `/api/agents/status` answer 404, as if the routes were missing.
    pub agents_404: bool,
    /// The agent WebSocket sends `agent_started` and then nothing more.
    pub events_stop: bool,
    /// `GET /api/threads` never answers, so the suite that reads it hangs.
    pub suite_hangs: bool,
}

/// What went wrong with the faults file.
#[derive(Debug, thiserror::Error)]
pub enum FaultsError {
    /// The file exists but could not be read.
    #[error("failed to read the faults file {path}")]
    Read {
        /// The faults file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file is not a table of the known switches.
    #[error("failed to parse the faults file {path}")]
    Parse {
        /// The faults file.
        path: PathBuf,
        /// Why.
        #[source]
        source: toml::de::Error,
    },
    /// The defaults could not be copied into place.
    #[error("failed to copy the default faults {from} to {to}")]
    Seed {
        /// The checked-in defaults.
        from: PathBuf,
        /// The faults file.
        to: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl FaultsError {
    /// The error with its causes, on one line.
    pub fn describe(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            text.push_str(&format!(": {error}"));
            cause = error.source();
        }
        text
    }
}

impl Faults {
    /// Parses the text of a faults file.
    pub fn parse(text: &str, path: &Path) -> Result<Self, FaultsError> {
        toml::from_str(text).map_err(|source| FaultsError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads `path`. A file that does not exist means no faults: deleting it mends everything.
    pub async fn load(path: &Path) -> Result<Self, FaultsError> {
        match tokio::fs::read_to_string(path).await {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(FaultsError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The names of the faults that are on, in the file's order.
    pub fn active(&self) -> Vec<&'static str> {
        [
            ("ws_1011", self.ws_1011),
            ("agents_404", self.agents_404),
            ("events_stop", self.events_stop),
            ("suite_hangs", self.suite_hangs),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
    }
}

/// Copies `defaults` to `path` (creating its directory) unless `path` exists; says whether it
/// copied. The demo keeps one faults file per loop, so every new loop starts with all faults.
pub fn seed(path: &Path, defaults: &Path) -> Result<bool, FaultsError> {
    if path.exists() {
        return Ok(false);
    }
    let error = |source| FaultsError::Seed {
        from: defaults.to_owned(),
        to: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    std::fs::copy(defaults, path).map_err(error)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_are_off_and_unknown_keys_are_rejected() {
        let path = Path::new("faults.toml");
        let faults = Faults::parse("ws_1011 = true\nsuite_hangs = false\n", path).unwrap();
        assert_eq!(faults.active(), ["ws_1011"]);
        assert!(Faults::parse("ws_1012 = true\n", path).is_err());
        assert!(Faults::parse("ws_1011 = \"yes\"\n", path).is_err());
    }

    #[tokio::test]
    async fn a_missing_file_is_no_faults_and_seed_copies_once() {
        let dir = tempfile::tempdir().unwrap();
        let defaults = dir.path().join("defaults.toml");
        std::fs::write(&defaults, "agents_404 = true\n").unwrap();
        let path = dir.path().join("state/loop-1/faults.toml");
        assert_eq!(Faults::load(&path).await.unwrap(), Faults::default());
        assert!(seed(&path, &defaults).unwrap());
        std::fs::write(&path, "agents_404 = false\n").unwrap();
        assert!(!seed(&path, &defaults).unwrap(), "an existing file is kept");
        assert_eq!(Faults::load(&path).await.unwrap(), Faults::default());
    }
}
