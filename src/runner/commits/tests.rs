//! The git output parsed, and ranges listed from real repositories made in a temp dir.

use std::path::Path;
use std::process::Command;

use tokio_util::sync::CancellationToken;

use super::*;

/// Runs git in `dir` with a fixed identity and none of this machine's configuration (a global
/// `commit.gpgsign` would make every commit here fail).
fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A repository with one empty commit per subject, oldest first; their short hashes.
fn repo(subjects: &[&str]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    git_in(dir.path(), &["init", "-q"]);
    let shas = subjects
        .iter()
        .map(|subject| {
            git_in(
                dir.path(),
                &["commit", "-q", "--allow-empty", "-m", subject],
            );
            git_in(dir.path(), &["rev-parse", "--short", "HEAD"])
        })
        .collect();
    (dir, shas)
}

fn commit(sha: &str, subject: &str) -> Commit {
    Commit {
        sha: sha.to_owned(),
        subject: subject.to_owned(),
    }
}

async fn listed(repo: &Path, from: &str, to: &str, cap: usize) -> Commits {
    range(
        repo,
        from,
        to,
        cap,
        &Redactor::default(),
        &CancellationToken::new(),
    )
    .await
}

fn at(loop_number: u32, iteration: u32) -> IterationRef {
    IterationRef {
        loop_number,
        iteration,
    }
}

#[test]
fn oneline_output_parses_into_commits_with_subjects_masked_and_cut() {
    let redactor = Redactor::new(["hunter2-token"]);
    // The secret straddles the cut: masked first, none of it survives.
    let long = format!("{}hunter2-token{}", "y".repeat(195), "z".repeat(100));
    let stdout = format!(
        "4f2a9c1 Break the health endpoint\n\n0b1c2d3 rotate hunter2-token  \n9e8d7c6\n5a5a5a5 {long}\n"
    );
    let commits = parse_oneline(&stdout, &redactor);
    assert_eq!(
        commits[..3],
        [
            commit("4f2a9c1", "Break the health endpoint"),
            commit("0b1c2d3", "rotate ***"),
            commit("9e8d7c6", ""),
        ]
    );
    assert_eq!(commits[3].subject.chars().count(), MAX_CHARS);
    assert!(
        commits[3].subject.ends_with("y***z…"),
        "{}",
        commits[3].subject
    );
    assert_eq!(commits.len(), 4);
}

#[test]
fn rev_list_counts_parse_or_say_what_was_printed() {
    assert_eq!(parse_count("137\n"), Ok(137));
    assert_eq!(
        parse_count("fatal\n"),
        Err("`git rev-list --count` printed \"fatal\"".to_owned())
    );
}

#[tokio::test]
async fn a_range_lists_newest_first_up_to_the_cap_and_counts_the_rest() {
    let (dir, shas) = repo(&["a", "b", "c", "d", "e"]);
    let all = listed(dir.path(), &shas[0], &shas[4], 50).await;
    assert_eq!(
        all.list,
        [
            commit(&shas[4], "e"),
            commit(&shas[3], "d"),
            commit(&shas[2], "c"),
            commit(&shas[1], "b"),
        ]
    );
    assert_eq!((all.more, all.error), (0, None));

    let capped = listed(dir.path(), &shas[0], &shas[4], 2).await;
    assert_eq!(capped.list, [commit(&shas[4], "e"), commit(&shas[3], "d")]);
    assert_eq!((capped.more, capped.error), (2, None));

    let exactly = listed(dir.path(), &shas[2], &shas[4], 2).await;
    assert_eq!((exactly.list.len(), exactly.more), (2, 0));
}

#[tokio::test]
async fn a_rollback_lists_nothing_and_the_same_revision_asks_no_git() {
    let (dir, shas) = repo(&["a", "b"]);
    let back = listed(dir.path(), &shas[1], &shas[0], 50).await;
    assert_eq!((back.list.len(), back.more, back.error), (0, 0, None));
    // No repository there at all: only not calling git keeps this free of an error.
    let same = listed(Path::new("/nonexistent/greenloop"), "abc", "abc", 50).await;
    assert_eq!(
        same,
        Commits {
            from: "abc".into(),
            to: "abc".into(),
            list: Vec::new(),
            more: 0,
            error: None,
        }
    );
}

#[tokio::test]
async fn git_failures_become_the_range_error_with_gits_first_line() {
    let (dir, shas) = repo(&["a"]);
    let unknown = listed(dir.path(), &shas[0], "deadbeef", 50).await;
    let error = unknown.error.expect("an unknown revision is an error");
    assert!(error.starts_with("fatal:"), "{error}");
    assert!(error.contains("deadbeef"), "{error}");
    assert!(unknown.list.is_empty());

    let empty = tempfile::tempdir().unwrap();
    let not_a_repo = listed(empty.path(), "a", "b", 50).await;
    let error = not_a_repo.error.expect("not a repository is an error");
    assert!(error.contains("not a git repository"), "{error}");
}

#[tokio::test]
async fn a_revision_that_looks_like_an_option_stays_a_revision() {
    let (dir, shas) = repo(&["a"]);
    let target = dir.path().join("written");
    let from = format!("--output={}", target.display());
    let commits = listed(dir.path(), &from, &shas[0], 50).await;
    assert!(commits.error.is_some());
    // As an option, git would have written its log to `written..<sha>`.
    let written: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with("written"))
        .collect();
    assert!(
        written.is_empty(),
        "git took the revision for an option: {written:?}"
    );
}

#[tokio::test]
async fn ranges_start_at_the_last_green_or_else_the_previous_revision() {
    let (dir, shas) = repo(&["green", "previous", "now"]);
    let redactor = Redactor::default();
    let cancel = CancellationToken::new();
    let both = Baselines {
        previous: Some((at(1, 2), shas[1].clone())),
        last_green: Some((at(1, 1), shas[0].clone())),
    };
    let lists = list_ranges(dir.path(), &shas[2], &both, &redactor, &cancel).await;
    let green = lists.since_green.expect("a range since the last green");
    let previous = lists.since_previous.expect("a range since the previous");
    assert_eq!(green.from, shas[0]);
    assert_eq!(green.list.len(), 2);
    assert_eq!(previous.from, shas[1]);
    assert_eq!(previous.list, [commit(&shas[2], "now")]);

    let no_green = Baselines {
        previous: Some((at(1, 2), shas[1].clone())),
        last_green: None,
    };
    let lists = list_ranges(dir.path(), &shas[2], &no_green, &redactor, &cancel).await;
    assert_eq!(lists.since_green, lists.since_previous);
    assert_eq!(lists.since_green.map(|c| c.from), Some(shas[1].clone()));

    let nothing = list_ranges(
        dir.path(),
        &shas[2],
        &Baselines::default(),
        &redactor,
        &cancel,
    )
    .await;
    assert_eq!(nothing, Listed::default());
}

#[test]
fn a_deploy_change_needs_a_known_revision() {
    let baselines = Baselines {
        previous: Some((at(1, 2), "abc".into())),
        last_green: None,
    };
    assert_eq!(
        deploy_change(None, baselines.clone(), Listed::default()),
        None
    );
    let change = deploy_change(Some("def"), baselines, Listed::default()).unwrap();
    assert_eq!(change.revision, "def");
    assert_eq!(change.previous, Some((at(1, 2), "abc".into())));
    assert!(change.changed());
}
