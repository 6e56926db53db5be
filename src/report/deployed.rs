//! The report's parts about what was deployed against earlier iterations: the revision
//! "was" note in the header, the commits deployed since the last green iteration inside "What
//! changed", and the JSON's `deployed`.
//!
//! Subjects and git errors arrive masked (the runner masks them before any escaping here).

use std::fmt::Write;

use serde::Serialize;

use crate::model::{Commits, DeployChange, Iteration, IterationRef};

/// The header's note after the revision when it changed since the previous iteration, e.g.
/// " (was `4f2a9c1` in Loop 1 / Iteration 2)"; empty otherwise.
pub fn revision_was(it: &Iteration) -> String {
    match &it.deployed {
        Some(change) if change.changed() => match &change.previous {
            Some((at, before)) => format!(" (was `{before}` in {at})"),
            None => String::new(),
        },
        _ => String::new(),
    }
}

/// The block inside "What changed" listing the commits deployed since the last green
/// iteration (or, before any, since the previous one); nothing without `[deploy] repo`.
pub fn commits(out: &mut String, it: &Iteration) {
    if let Some(change) = &it.deployed {
        commits_block(out, change);
    }
}

fn commits_block(out: &mut String, change: &DeployChange) {
    let Some(commits) = &change.since_green else {
        return;
    };
    // The runner started the range at the last green iteration when there was one.
    let (since, at) = match (&change.last_green, &change.previous) {
        (Some((at, _)), _) => ("the last green iteration", at),
        (None, Some((at, _))) => ("the previous iteration", at),
        (None, None) => return,
    };
    let range = format!("({at}, `{}`) → `{}`", commits.from, commits.to);
    if commits.list.is_empty() {
        let why = match &commits.error {
            Some(error) => format!("git could not list them: {}", inline(error)),
            None if commits.from == commits.to => "the same revision is deployed".to_owned(),
            None => format!(
                "`{}` has no commit that `{}` lacks (a rollback?)",
                commits.to, commits.from
            ),
        };
        let _ = writeln!(
            out,
            "**Commits deployed since {since}** {range}: none — {why}.\n"
        );
        return;
    }
    let _ = writeln!(out, "**Commits deployed since {since}** {range}:\n");
    for commit in &commits.list {
        let subject = inline(&commit.subject);
        let _ = writeln!(out, "- `{}` {subject}", commit.sha);
    }
    if commits.more > 0 {
        let _ = writeln!(out, "- …and {} more", commits.more);
    }
    if let Some(error) = &commits.error {
        let _ = writeln!(out, "\n{}.", inline(error));
    }
    out.push('\n');
}

/// Keeps text on one line and stops it from opening Markdown emphasis, code, links or HTML:
/// a commit subject is anyone's text.
fn inline(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '~' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The JSON's `deployed`: the revision against earlier iterations' and the commits between.
#[derive(Serialize)]
pub struct DeployedJson<'a> {
    revision: &'a str,
    previous: Option<RevisionAtJson<'a>>,
    last_green: Option<RevisionAtJson<'a>>,
    since_green: Option<CommitsJson<'a>>,
    since_previous: Option<CommitsJson<'a>>,
}

/// An earlier iteration and the revision it deployed.
#[derive(Serialize)]
struct RevisionAtJson<'a> {
    #[serde(flatten)]
    at: IterationRef,
    revision: &'a str,
}

/// A range of commits, newest first.
#[derive(Serialize)]
struct CommitsJson<'a> {
    from: &'a str,
    to: &'a str,
    commits: Vec<CommitJson<'a>>,
    more: usize,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct CommitJson<'a> {
    sha: &'a str,
    subject: &'a str,
}

/// `deployed`, when the deploy said which revision it deployed.
pub fn json(it: &Iteration) -> Option<DeployedJson<'_>> {
    let change = it.deployed.as_ref()?;
    Some(DeployedJson {
        revision: &change.revision,
        previous: revision_at(change.previous.as_ref()),
        last_green: revision_at(change.last_green.as_ref()),
        since_green: change.since_green.as_ref().map(commits_json),
        since_previous: change.since_previous.as_ref().map(commits_json),
    })
}

fn revision_at(pair: Option<&(IterationRef, String)>) -> Option<RevisionAtJson<'_>> {
    pair.map(|(at, revision)| RevisionAtJson { at: *at, revision })
}

fn commits_json(commits: &Commits) -> CommitsJson<'_> {
    CommitsJson {
        from: &commits.from,
        to: &commits.to,
        commits: commits
            .list
            .iter()
            .map(|c| CommitJson {
                sha: &c.sha,
                subject: &c.subject,
            })
            .collect(),
        more: commits.more,
        error: commits.error.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Commit;

    fn at(loop_number: u32, iteration: u32) -> IterationRef {
        IterationRef {
            loop_number,
            iteration,
        }
    }

    fn change(since_green: Commits, last_green: bool) -> DeployChange {
        DeployChange {
            revision: since_green.to.clone(),
            previous: Some((at(1, 2), "bbb2222".into())),
            last_green: last_green.then(|| (at(1, 1), "aaa1111".into())),
            since_green: Some(since_green),
            since_previous: None,
        }
    }

    fn range(from: &str, to: &str, list: &[(&str, &str)], more: usize) -> Commits {
        Commits {
            from: from.into(),
            to: to.into(),
            list: list
                .iter()
                .map(|(sha, subject)| Commit {
                    sha: (*sha).into(),
                    subject: (*subject).into(),
                })
                .collect(),
            more,
            error: None,
        }
    }

    fn block(change: &DeployChange) -> String {
        let mut out = String::new();
        commits_block(&mut out, change);
        out
    }

    #[test]
    fn commits_since_the_last_green_are_listed_escaped_with_the_rest_counted() {
        let commits = range(
            "aaa1111",
            "ccc3333",
            &[
                ("ccc3333", "add *changelog* <entry>"),
                ("bbb2222", "break it"),
            ],
            3,
        );
        assert_eq!(
            block(&change(commits, true)),
            "**Commits deployed since the last green iteration** (Loop 1 / Iteration 1, `aaa1111`) → `ccc3333`:\n\n\
             - `ccc3333` add \\*changelog\\* \\<entry\\>\n\
             - `bbb2222` break it\n\
             - …and 3 more\n\n"
        );
    }

    #[test]
    fn before_any_green_iteration_the_range_starts_at_the_previous_one() {
        let commits = range("bbb2222", "ccc3333", &[("ccc3333", "x")], 0);
        assert!(block(&change(commits, false)).starts_with(
            "**Commits deployed since the previous iteration** (Loop 1 / Iteration 2, `bbb2222`) → `ccc3333`:"
        ));
    }

    #[test]
    fn an_empty_range_says_why() {
        let same = range("aaa1111", "aaa1111", &[], 0);
        assert!(
            block(&change(same, true)).ends_with(": none — the same revision is deployed.\n\n")
        );
        let mut failed = range("aaa1111", "zzz", &[], 0);
        failed.error = Some("fatal: bad revision 'aaa1111..zzz'".into());
        assert!(block(&change(failed, true)).ends_with(
            ": none — git could not list them: fatal: bad revision 'aaa1111..zzz'.\n\n"
        ));
    }
}
