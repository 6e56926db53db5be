//! What each webhook was last told, kept in `state/notify/<loop>.json` so reminders and
//! "unchanged" survive restarts; written atomically, under the loop's run lock.
//!
//! Webhooks are known by their position among the loop's `[[notify]]` entries (1-based): their
//! urls are secrets and are not written anywhere. Reordering the entries mixes up whose reminder
//! is when, for one interval at most.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::decide::LastSent;
use crate::config::defaults;
use crate::model::LoopName;
use crate::report::files::write_atomic;

/// The file's format version.
const VERSION: u32 = 1;

/// The last message each webhook of one loop definition got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyState {
    version: u32,
    /// By 1-based position in the loop file.
    webhooks: BTreeMap<usize, LastSent>,
}

impl NotifyState {
    /// The last message webhook `position` got.
    pub fn last(&self, position: usize) -> Option<&LastSent> {
        self.webhooks.get(&position)
    }

    /// Remembers that webhook `position` got `sent`.
    pub fn record(&mut self, position: usize, sent: LastSent) {
        self.webhooks.insert(position, sent);
    }

    /// Reads the state at `path`. A missing file is an empty state; so is one that cannot be
    /// read or parsed (logged): the worst that follows is one early reminder.
    pub fn load(path: &Path) -> Self {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Self::default(),
            Err(e) => {
                tracing::warn!("failed to read {}, starting afresh: {e}", path.display());
                return Self::default();
            }
        };
        match serde_json::from_str::<Self>(&text) {
            Ok(state) if state.version == VERSION => state,
            Ok(state) => {
                tracing::warn!(
                    "{} has version {}, not {VERSION}; starting afresh",
                    path.display(),
                    state.version
                );
                Self::default()
            }
            Err(e) => {
                tracing::warn!("failed to parse {}, starting afresh: {e}", path.display());
                Self::default()
            }
        }
    }

    /// Writes the state to `path` (temp file, then rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let state = Self {
            version: VERSION,
            webhooks: self.webhooks.clone(),
        };
        let text = serde_json::to_string_pretty(&state).map_err(std::io::Error::other)?;
        write_atomic(path, text.as_bytes())
    }
}

/// `state/notify/<loop>.json`.
pub fn state_path(state_dir: &Path, name: &LoopName) -> PathBuf {
    state_dir
        .join(defaults::NOTIFY_STATE_DIR)
        .join(format!("{name}.json"))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::notify::Event;

    fn sent(event: Event, seconds: i64) -> LastSent {
        LastSent {
            event,
            at: DateTime::<Utc>::from_timestamp(1_800_000_000 + seconds, 0).unwrap(),
        }
    }

    #[test]
    fn round_trips_and_survives_a_missing_or_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = state_path(dir.path(), &LoopName::new("staging").unwrap());
        assert_eq!(NotifyState::load(&path), NotifyState::default());

        let mut state = NotifyState::default();
        state.record(1, sent(Event::Failing, 0));
        state.record(2, sent(Event::Reminder, 60));
        state.save(&path).unwrap();
        let loaded = NotifyState::load(&path);
        assert_eq!(loaded.last(1), Some(&sent(Event::Failing, 0)));
        assert_eq!(loaded.last(2), Some(&sent(Event::Reminder, 60)));
        assert_eq!(loaded.last(3), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");

        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(NotifyState::load(&path), NotifyState::default());
        std::fs::write(&path, r#"{"version": 99, "webhooks": {}}"#).unwrap();
        assert_eq!(NotifyState::load(&path), NotifyState::default());
    }
}
