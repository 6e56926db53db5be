//! Short commands whose output is read whole rather than logged: the `revision` command and the
//! `git` calls that list deployed commits.
//!
//! They print a line or a few dozen, so the supervisor's log and head/tail machinery would be
//! overhead; they still run the way every command here runs: in their own process group, stdin
//! closed, stdout and stderr drained together, the group killed when they overrun or the
//! iteration is cancelled.

use std::process::{Output, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio_util::sync::CancellationToken;

/// How a short command ended.
pub(crate) enum Captured {
    /// It exited; its whole output.
    Output(Output),
    /// It could not be started.
    NotStarted(std::io::Error),
    /// Its output could not be read.
    Unread(std::io::Error),
    /// It overran its time and was killed.
    TimedOut,
    /// The iteration was cancelled; it was killed.
    Cancelled,
}

/// Runs `command` to its end, at most `timeout`, reading stdout and stderr as it goes (a
/// command that fills one pipe while the other is waited on would never end).
pub(crate) async fn capture(
    command: &mut tokio::process::Command,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Captured {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Captured::NotStarted(error),
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let captured = tokio::select! {
        output = tokio::time::timeout(timeout, child.wait_with_output()) => match output {
            Ok(Ok(output)) => return Captured::Output(output),
            Ok(Err(error)) => return Captured::Unread(error),
            Err(_) => Captured::TimedOut,
        },
        () = cancel.cancelled() => Captured::Cancelled,
    };
    // Dropping the child killed it; whatever it started in its group goes too.
    if let Some(group) = group {
        let _ = killpg(group, Signal::SIGKILL);
    }
    captured
}

/// The first non-blank line of `text`, trimmed and cut to `max_chars` characters.
pub(crate) fn first_line(text: &str, max_chars: usize) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    Some(line.chars().take(max_chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_skips_blanks_and_caps_length() {
        assert_eq!(first_line("\n  abc123 \nmore", 200), Some("abc123".into()));
        assert_eq!(first_line(" \n\n", 200), None);
        assert_eq!(
            first_line(&"x".repeat(500), 200).map(|l| l.len()),
            Some(200)
        );
    }

    #[tokio::test]
    async fn a_command_past_its_time_is_killed_with_its_group() {
        let started = std::time::Instant::now();
        let mut command = tokio::process::Command::new("sh");
        command.args(["-c", "sleep 30 & wait"]);
        let captured = capture(
            &mut command,
            Duration::from_millis(200),
            &CancellationToken::new(),
        )
        .await;
        assert!(matches!(captured, Captured::TimedOut));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
