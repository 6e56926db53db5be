//! The commits deployed between iterations: with `[deploy] repo`, `git log` over the ranges
//! from the last green and the previous iteration's revisions to this one, run after the deploy
//! and before the iteration is judged.
//!
//! Git failing (not installed, not a repository, a revision it does not know) never fails the
//! iteration: the range carries git's first line of stderr as its `error`, and the report says
//! so. Subjects and errors are masked here, before any reporter escapes them for Markdown, so
//! escaping can never split a secret the last-line redaction would then miss.
//!
//! A range lists at most [`defaults::COMMITS_SHOWN`] commits (`git log -n <cap + 1>`); only when
//! there are more does a second call, `git rev-list --count`, say exactly how many more.

use std::path::Path;

use tokio_util::sync::CancellationToken;

use super::capture::{Captured, capture, first_line};
use super::record::Begun;
use super::suite::SuiteContext;
use crate::config::{LoopPlan, defaults};
use crate::model::{Commit, Commits, DeployChange, DeployOutcome, IterationRef, Revision};
use crate::redact::Redactor;

/// Characters of a subject or a git error kept: a subject is a commit's first paragraph, which
/// can be a whole unwrapped message.
const MAX_CHARS: usize = 200;

/// The revisions earlier iterations deployed, which the commit ranges start from; loaded from
/// the store when the iteration begins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Baselines {
    /// The previous iteration (the one this one is diffed against) and its revision.
    pub previous: Option<(IterationRef, String)>,
    /// The newest green iteration before this one that recorded a revision, and that revision.
    pub last_green: Option<(IterationRef, String)>,
}

impl Baselines {
    /// Where "since the last green iteration" starts: its revision, or before any green
    /// iteration the previous iteration's.
    fn green_from(&self) -> Option<&(IterationRef, String)> {
        self.last_green.as_ref().or(self.previous.as_ref())
    }
}

/// The commit lists of one iteration; both `None` without `[deploy] repo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Listed {
    /// From the last green iteration's revision (or the previous one's) to this one.
    pub since_green: Option<Commits>,
    /// From the previous iteration's revision to this one.
    pub since_previous: Option<Commits>,
}

/// Lists the commits deployed since the last green and since the previous iteration of
/// `begun`, when the loop names its `repo` and the deploy said which revision it deployed.
pub(crate) async fn list(
    plan: &LoopPlan,
    begun: &Begun,
    deploy: Option<&DeployOutcome>,
    ctx: &SuiteContext,
) -> Listed {
    let Some(repo) = plan.deploy.as_ref().and_then(|d| d.repo.as_deref()) else {
        return Listed::default();
    };
    let Some(Revision::Known(to)) = deploy.and_then(|d| d.revision.as_ref()) else {
        return Listed::default();
    };
    // A stopped iteration is reported as interrupted; a range saying git was interrupted too
    // would only be noise.
    if ctx.cancel.is_cancelled() {
        return Listed::default();
    }
    list_ranges(repo, to, begun.baselines(), &ctx.redactor, &ctx.cancel).await
}

/// The two ranges ending at `to`; one git call when both start at the same revision.
async fn list_ranges(
    repo: &Path,
    to: &str,
    baselines: &Baselines,
    redactor: &Redactor,
    cancel: &CancellationToken,
) -> Listed {
    let green_from = baselines
        .green_from()
        .map(|(_, revision)| revision.as_str());
    let previous_from = baselines.previous.as_ref().map(|(_, r)| r.as_str());
    let since_green = match green_from {
        Some(from) => Some(range(repo, from, to, defaults::COMMITS_SHOWN, redactor, cancel).await),
        None => None,
    };
    let since_previous = match previous_from {
        Some(from) if Some(from) == green_from => since_green.clone(),
        Some(from) => Some(range(repo, from, to, defaults::COMMITS_SHOWN, redactor, cancel).await),
        None => None,
    };
    Listed {
        since_green,
        since_previous,
    }
}

/// The commits in `from..to`, newest first, at most `cap` of them.
async fn range(
    repo: &Path,
    from: &str,
    to: &str,
    cap: usize,
    redactor: &Redactor,
    cancel: &CancellationToken,
) -> Commits {
    let mut commits = Commits {
        from: from.to_owned(),
        to: to.to_owned(),
        list: Vec::new(),
        more: 0,
        error: None,
    };
    if from == to {
        return commits;
    }
    let spec = format!("{from}..{to}");
    let limit = format!("--max-count={}", cap + 1);
    // `--end-of-options`: a revision is whatever the `revision` command printed, and one that
    // starts with `-` must not become an option (`--output=<file>` writes a file); `--`: nor
    // may it be taken for a path.
    let log = [
        "log",
        "--oneline",
        "--no-decorate",
        "--no-color",
        "--no-show-signature",
        &limit,
        "--end-of-options",
        &spec,
        "--",
    ];
    let mut list = match git(repo, &log, cancel).await {
        Ok(stdout) => parse_oneline(&stdout, redactor),
        Err(error) => {
            commits.error = Some(cut(&redactor.text(&error)));
            return commits;
        }
    };
    if list.len() > cap {
        list.truncate(cap);
        let count = ["rev-list", "--count", "--end-of-options", &spec, "--"];
        match git(repo, &count, cancel)
            .await
            .and_then(|out| parse_count(&out))
        {
            Ok(total) => commits.more = total.saturating_sub(cap),
            Err(error) => {
                // The log said there is at least one more; how many is what failed.
                commits.more = 1;
                commits.error = Some(cut(&redactor.text(&format!(
                    "counting the commits beyond the first {cap} failed: {error}"
                ))));
            }
        }
    }
    commits.list = list;
    commits
}

/// Runs `git -C <repo> <args>` and returns its stdout, or what went wrong in one line: git's
/// first line of stderr when it says something.
async fn git(repo: &Path, args: &[&str], cancel: &CancellationToken) -> Result<String, String> {
    let mut command = tokio::process::Command::new("git");
    command
        .arg("-C")
        .arg(repo)
        .args(args)
        // English messages, whatever the host's locale, so reports read the same everywhere.
        .env("LC_ALL", "C")
        // Set when greenloop itself runs under git (a hook, `git rebase --exec`): they would
        // point git at that repository instead of `repo`.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    let output = match capture(&mut command, defaults::GIT_TIMEOUT, cancel).await {
        Captured::Output(output) => output,
        Captured::NotStarted(error) => return Err(format!("failed to start `git`: {error}")),
        Captured::Unread(error) => return Err(format!("failed to read `git`: {error}")),
        Captured::Cancelled => return Err("interrupted".to_owned()),
        Captured::TimedOut => {
            return Err(format!(
                "`git {}` did not finish within {}",
                args[0],
                humantime::format_duration(defaults::GIT_TIMEOUT)
            ));
        }
    };
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    // Not cut here: masking comes first, so a cut never leaves part of a secret behind.
    Err(
        first_line(&String::from_utf8_lossy(&output.stderr), usize::MAX)
            .unwrap_or_else(|| format!("`git {}` failed ({})", args[0], output.status)),
    )
}

/// `git log --oneline --no-decorate` output: one `<sha> <subject>` per line; a commit with an
/// empty message has no subject.
fn parse_oneline(stdout: &str, redactor: &Redactor) -> Vec<Commit> {
    stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (sha, subject) = line.split_once(' ').unwrap_or((line, ""));
            Commit {
                sha: sha.trim().to_owned(),
                subject: cut(&redactor.text(subject.trim())),
            }
        })
        .collect()
}

/// `git rev-list --count` output: one number.
fn parse_count(stdout: &str) -> Result<usize, String> {
    stdout
        .trim()
        .parse()
        .map_err(|_| format!("`git rev-list --count` printed {:?}", stdout.trim()))
}

/// `text` cut to [`MAX_CHARS`] characters, saying so; called after masking, never before.
fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(MAX_CHARS - 1).collect();
    kept.push('…');
    kept
}

/// What this iteration's revision is against earlier ones: `None` unless the deploy said which
/// revision it deployed. Pure: the lists were made by [`list`] before.
pub(crate) fn deploy_change(
    revision: Option<&str>,
    baselines: Baselines,
    listed: Listed,
) -> Option<DeployChange> {
    Some(DeployChange {
        revision: revision?.to_owned(),
        previous: baselines.previous,
        last_green: baselines.last_green,
        since_green: listed.since_green,
        since_previous: listed.since_previous,
    })
}

#[cfg(test)]
mod tests;
