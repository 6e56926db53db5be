//! The `revision` command: what was deployed, as the first line of a short command's stdout.
//!
//! It is not a supervised step with a log: it prints one line (`git rev-parse --short HEAD`),
//! and only its stdout counts. It still runs in its own process group with stdin closed, and
//! the group is killed when it overruns [`defaults::REVISION_TIMEOUT`].

use std::process::Stdio;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::suite::SuiteContext;
use crate::config::{Template, defaults};
use crate::model::Revision;

/// Characters of the revision kept; a longer first line is cut.
const MAX_CHARS: usize = 200;

/// Runs `argv` and reads what it says was deployed.
pub(crate) async fn read_revision(argv: &[Template], ctx: &SuiteContext) -> Revision {
    let spec = super::step::spec(ctx, argv, None, "revision.log", Vec::new());
    let unknown = |reason: String| Revision::Unknown {
        reason: ctx.redactor.text(&reason),
    };
    let Some((program, args)) = spec.argv.split_first() else {
        return unknown("the command is empty".into());
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .current_dir(&spec.workdir)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return unknown(format!("failed to start `{program}`: {error}")),
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let ran = tokio::select! {
        output = tokio::time::timeout(defaults::REVISION_TIMEOUT, child.wait_with_output()) => {
            output.map_or(Ran::TimedOut, Ran::Output)
        }
        () = ctx.cancel.cancelled() => Ran::Cancelled,
    };
    let output = match ran {
        Ran::Output(Ok(output)) => output,
        Ran::Output(Err(error)) => return unknown(format!("failed to read `{program}`: {error}")),
        Ran::TimedOut | Ran::Cancelled => {
            // Dropping the child killed it; whatever it started in its group goes too.
            if let Some(group) = group {
                let _ = killpg(group, Signal::SIGKILL);
            }
            return unknown(match ran {
                Ran::Cancelled => "interrupted".to_owned(),
                _ => format!(
                    "`{program}` did not finish within {}",
                    humantime::format_duration(defaults::REVISION_TIMEOUT)
                ),
            });
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = first_line(&stderr).map_or_else(String::new, |line| format!(": {line}"));
        return unknown(format!("`{program}` failed ({}){said}", output.status));
    }
    match first_line(&String::from_utf8_lossy(&output.stdout)) {
        Some(line) => Revision::Known(ctx.redactor.text(&line)),
        None => unknown(format!("`{program}` printed nothing")),
    }
}

/// How the revision command ended.
enum Ran {
    Output(std::io::Result<std::process::Output>),
    TimedOut,
    Cancelled,
}

/// The first non-blank line, trimmed and cut to [`MAX_CHARS`].
fn first_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    Some(line.chars().take(MAX_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn first_line_skips_blanks_and_caps_length() {
        assert_eq!(first_line("\n  abc123 \nmore"), Some("abc123".into()));
        assert_eq!(first_line(" \n\n"), None);
        assert_eq!(first_line(&"x".repeat(500)).map(|l| l.len()), Some(200));
    }
}
