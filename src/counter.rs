//! Loop and iteration numbering, persisted between runs in `state/<loop>.counter.json`.
//!
//! This is the minimal memory the iteration engine needs; the history store replaces it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{LoopName, Verdict};
use crate::report::files::write_atomic;

/// Where a loop definition stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// The newest loop's number; 0 before the first run.
    pub loop_number: u32,
    /// The newest iteration's number within that loop.
    pub iteration: u32,
    /// Whether that loop is still open.
    pub open: bool,
}

impl Counter {
    /// The numbers the next iteration gets: the open loop's next iteration, or Iteration 1 of
    /// a new loop when none is open or `new_loop` is asked for.
    pub fn next(self, new_loop: bool) -> Self {
        if self.open && !new_loop {
            Self {
                iteration: self.iteration + 1,
                ..self
            }
        } else {
            Self {
                loop_number: self.loop_number + 1,
                iteration: 1,
                open: true,
            }
        }
    }

    /// The state after an iteration with `verdict`: a green iteration closes its loop, and so
    /// does reaching `max_iterations`.
    pub fn after(self, verdict: Verdict, max_iterations: Option<u32>) -> Self {
        let exhausted = max_iterations.is_some_and(|max| self.iteration >= max);
        Self {
            open: self.open && verdict != Verdict::Green && !exhausted,
            ..self
        }
    }
}

fn path(state_dir: &Path, name: &LoopName) -> PathBuf {
    state_dir.join(format!("{name}.counter.json"))
}

/// Reads the counter of `name`; a missing file means the loop never ran.
pub fn load(state_dir: &Path, name: &LoopName) -> std::io::Result<Counter> {
    match std::fs::read(path(state_dir, name)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Counter::default()),
        Err(e) => Err(e),
    }
}

/// Saves the counter of `name` atomically.
pub fn save(state_dir: &Path, name: &LoopName, counter: Counter) -> std::io::Result<()> {
    std::fs::create_dir_all(state_dir)?;
    let json = serde_json::to_vec_pretty(&counter).expect("counter serializes");
    write_atomic(&path(state_dir, name), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_open_continue_and_close() {
        let first = Counter::default().next(false);
        assert_eq!(
            first,
            Counter {
                loop_number: 1,
                iteration: 1,
                open: true
            }
        );
        let failing = first.after(Verdict::Failing, Some(3));
        assert_eq!(
            failing.next(false),
            Counter {
                loop_number: 1,
                iteration: 2,
                open: true
            }
        );
        let green = failing.next(false).after(Verdict::Green, Some(3));
        assert!(!green.open);
        assert_eq!(
            green.next(false),
            Counter {
                loop_number: 2,
                iteration: 1,
                open: true
            }
        );
    }

    #[test]
    fn max_iterations_closes_and_new_loop_restarts() {
        let third = Counter {
            loop_number: 1,
            iteration: 3,
            open: true,
        };
        assert!(!third.after(Verdict::Failing, Some(3)).open);
        assert!(third.after(Verdict::Failing, None).open);
        assert_eq!(
            third.next(true),
            Counter {
                loop_number: 2,
                iteration: 1,
                open: true
            }
        );
    }
}
