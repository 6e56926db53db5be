//! The `revision` command: what was deployed, as the first line of a short command's stdout.
//!
//! It is not a supervised step with a log: it prints one line (`git rev-parse --short HEAD`),
//! and only its stdout counts. It still runs in its own process group with stdin closed
//! ([`super::capture`]), and the group is killed when it overruns
//! [`defaults::REVISION_TIMEOUT`].

use super::capture::{Captured, capture, first_line};
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
        .envs(spec.env.iter().map(|(k, v)| (k, v)));
    let output = match capture(&mut command, defaults::REVISION_TIMEOUT, &ctx.cancel).await {
        Captured::Output(output) => output,
        Captured::NotStarted(error) => {
            return unknown(format!("failed to start `{program}`: {error}"));
        }
        Captured::Unread(error) => return unknown(format!("failed to read `{program}`: {error}")),
        Captured::Cancelled => return unknown("interrupted".to_owned()),
        Captured::TimedOut => {
            return unknown(format!(
                "`{program}` did not finish within {}",
                humantime::format_duration(defaults::REVISION_TIMEOUT)
            ));
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said =
            first_line(&stderr, MAX_CHARS).map_or_else(String::new, |line| format!(": {line}"));
        return unknown(format!("`{program}` failed ({}){said}", output.status));
    }
    match first_line(&String::from_utf8_lossy(&output.stdout), MAX_CHARS) {
        Some(line) => Revision::Known(ctx.redactor.text(&line)),
        None => unknown(format!("`{program}` printed nothing")),
    }
}
