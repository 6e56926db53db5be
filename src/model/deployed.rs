//! What changed in the system under test between iterations: revisions, and the commits between
//! them when the loop names its repository (`[deploy] repo`).

use serde::{Deserialize, Serialize};

use super::history::IterationRef;

/// The revision deployed now, compared with the revisions of earlier iterations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployChange {
    /// The revision deployed now (the first line of `[deploy] revision`).
    pub revision: String,
    /// The previous iteration (the one this iteration is diffed against) and its revision,
    /// when it recorded one.
    pub previous: Option<(IterationRef, String)>,
    /// The last green iteration and its revision, when there is one with a revision.
    pub last_green: Option<(IterationRef, String)>,
    /// With `[deploy] repo`: the commits deployed since the last green iteration (or, before
    /// any green one, since the previous iteration).
    pub since_green: Option<Commits>,
    /// With `[deploy] repo`: the commits deployed since the previous iteration, which a new
    /// root cause arrived with.
    pub since_previous: Option<Commits>,
}

impl DeployChange {
    /// Whether the revision differs from the previous iteration's (unknown counts as same).
    pub fn changed(&self) -> bool {
        self.previous
            .as_ref()
            .is_some_and(|(_, before)| *before != self.revision)
    }
}

/// The commits in `from..to`, newest first, as `git log --oneline` gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commits {
    /// The older revision.
    pub from: String,
    /// The newer revision.
    pub to: String,
    /// At most the cap's number of commits, newest first.
    pub list: Vec<Commit>,
    /// Commits in the range beyond `list`.
    pub more: usize,
    /// Why the range could not be listed (git failed, a revision unknown to the repository).
    pub error: Option<String>,
}

/// One commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// Its abbreviated hash.
    pub sha: String,
    /// Its subject line, secrets masked.
    pub subject: String,
}

/// How the `[fix]` step went after an iteration, as the next iteration's report tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorFix {
    /// The iteration the fix ran after.
    pub after: IterationRef,
    /// It exited by itself with code 0.
    pub succeeded: bool,
    /// e.g. "exit 0 in 3.21 s".
    pub summary: String,
    /// The last line it printed, e.g. "mended ws_1011: …".
    pub said: Option<String>,
}

/// An address the battery pointed at, for the report's environment section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Where it comes from: a probe's name or a `[vars]` name.
    pub name: String,
    /// The URL, secrets masked.
    pub url: String,
}

/// A test runner's version, as a suite's JUnit states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerVersion {
    /// The suite.
    pub suite: String,
    /// What ran it, e.g. "go1.22.1" or "java 17.0.9".
    pub runner: String,
}
