//! The report's parts about the steps around the battery: the deploy line and revision in the
//! header, the Deploy section (why the battery did not run, or why the service stopped, with
//! the end of its output), and the Diagnostics section with each `[[collect]]`'s output.

use std::fmt::Write;

use super::text::{duration, fenced};
use crate::model::{DeployOutcome, DeployStatus, Iteration, Revision, ServiceEnd, Verdict};

/// The header's `Deploy` line, and `Revision` when one was read.
pub fn header_lines(out: &mut String, it: &Iteration) {
    let Some(deploy) = &it.deploy else {
        let _ = writeln!(out, "- **Deploy:** none configured");
        return;
    };
    let _ = writeln!(
        out,
        "- **Deploy:** {} {}{}",
        if deploy.ok() { "✔" } else { "✘" },
        deploy.summary(),
        log_link(deploy)
    );
    match &deploy.revision {
        Some(Revision::Known(revision)) => {
            let was = super::deployed::revision_was(it);
            let _ = writeln!(out, "- **Revision:** `{revision}`{was}");
        }
        Some(Revision::Unknown { reason }) => {
            let _ = writeln!(out, "- **Revision:** unknown — {reason}");
        }
        None => {}
    }
}

/// Whether the deploy kept the battery from running.
/// Also when nothing ran at all: an iteration a crash or a bug stopped, or whose loop file does
/// not validate — its "what changed" and integrity sections would only mislead.
pub fn battery_skipped(it: &Iteration) -> bool {
    it.deploy.as_ref().is_some_and(|d| !d.ok())
        || (it.suites.is_empty() && matches!(it.verdict, Verdict::Interrupted | Verdict::Error))
}

/// The Deploy section: only when the deploy failed, or its service exited during the battery.
pub fn deploy_section(out: &mut String, it: &Iteration) {
    let Some(deploy) = &it.deploy else { return };
    let command = format!("`{}`", deploy.command.join(" "));
    let said = if deploy.failure().is_some() {
        format!(
            "The {} {command} did not bring the system up (see above), so the battery did not run.",
            deploy.kind.as_str()
        )
    } else if let Some(ServiceEnd::ExitedEarly { end, after }) = &deploy.service_end {
        format!(
            "The service {command} {} {} after it started, while the battery ran: tests after that found nothing to talk to.",
            end.describe(),
            duration(*after)
        )
    } else {
        return;
    };
    let _ = writeln!(out, "## Deploy\n\n{said}\n");
    if let Some(ready) = &deploy.readiness {
        let _ = writeln!(
            out,
            "Readiness: `{}` — {} after {}, last answer: {}.\n",
            ready.url,
            plural(ready.attempts, "request"),
            duration(ready.waited),
            ready.last
        );
    }
    if !deploy.tail.trim().is_empty() {
        let _ = writeln!(
            out,
            "The end of its output{}:\n\n{}\n",
            log_link(deploy),
            fenced(deploy.tail.trim_end())
        );
    }
}

/// The Diagnostics section: each collect's output in a fenced block.
pub fn diagnostics(out: &mut String, it: &Iteration) {
    if it.collected.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Diagnostics\n");
    for collected in &it.collected {
        let _ = writeln!(out, "### {}\n", collected.name);
        let log = collected
            .log
            .as_ref()
            .map_or_else(String::new, |l| format!(", [log]({})", l.display()));
        let cut = if collected.output_cut {
            ", earlier output cut (the log has it)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "`{}` — {}{cut}{log}\n",
            collected.command.join(" "),
            collected.run.summary()
        );
        let output = collected.output.trim_end();
        if output.is_empty() {
            let _ = writeln!(out, "(no output)\n");
        } else {
            let _ = writeln!(out, "{}\n", fenced(output));
        }
    }
}

/// The next action the deploy calls for, if any.
pub fn next_action(it: &Iteration) -> Option<String> {
    let deploy = it.deploy.as_ref()?;
    if deploy.status == DeployStatus::Interrupted {
        return Some("Run the iteration again: greenloop was stopped during the deploy.".into());
    }
    if let Some(failure) = deploy.failure() {
        return Some(format!(
            "Fix the deploy: {failure}; the end of its output is in the Deploy section."
        ));
    }
    match &deploy.service_end {
        Some(ServiceEnd::ExitedEarly { end, .. }) => Some(format!(
            "Find why the service stopped during the battery: it {}; its output is in the Deploy section.",
            end.describe()
        )),
        Some(ServiceEnd::Lost { reason }) => Some(format!(
            "Check the service: greenloop lost track of it ({reason})."
        )),
        _ => None,
    }
}

fn log_link(deploy: &DeployOutcome) -> String {
    deploy
        .log
        .as_ref()
        .map_or_else(String::new, |l| format!(" ([log]({}))", l.display()))
}

fn plural(n: u32, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
