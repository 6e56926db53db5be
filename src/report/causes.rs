//! The report's "Root causes" section: each cause's headline, evidence, why its failures were
//! grouped, the backend's own log lines and next action; then the causes of the previous
//! iteration that are resolved. (Each cause's clusters are in the JSON twin; their messages are
//! in the Failures and Probes sections, in the causes' order.)

use std::fmt::Write;

use super::ids::code;
use crate::model::{Evidence, Iteration, RootCause};

/// Root causes written out; the JSON twin has them all.
pub const MAX_CAUSES: usize = 10;
/// Resolved causes listed.
const MAX_RESOLVED: usize = 10;

/// Renders "Root causes"; nothing when there is neither a cause nor a resolved one.
pub fn section(out: &mut String, it: &Iteration) {
    if it.root_causes.is_empty() && it.resolved_root_causes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Root causes\n");
    for (i, cause) in it.root_causes.iter().take(MAX_CAUSES).enumerate() {
        cause_entry(out, i + 1, cause);
    }
    if it.root_causes.len() > MAX_CAUSES {
        let _ = writeln!(
            out,
            "…and {} more root causes in the JSON twin (`root_causes`).\n",
            it.root_causes.len() - MAX_CAUSES
        );
    }
    if !it.resolved_root_causes.is_empty() {
        let since = it
            .diff
            .previous
            .map_or_else(|| "last time".to_owned(), |p| p.to_string());
        let _ = writeln!(out, "Resolved since {since}:\n");
        for resolved in it.resolved_root_causes.iter().take(MAX_RESOLVED) {
            let _ = writeln!(
                out,
                "- ✔ {} — {} last time, since {}",
                resolved.headline,
                plural(resolved.count as usize, "failure"),
                resolved.first_seen
            );
        }
        if it.resolved_root_causes.len() > MAX_RESOLVED {
            let _ = writeln!(
                out,
                "- …and {} more in the JSON twin (`resolved_root_causes`)",
                it.resolved_root_causes.len() - MAX_RESOLVED
            );
        }
        out.push('\n');
    }
}

fn cause_entry(out: &mut String, number: usize, cause: &RootCause) {
    let _ = writeln!(out, "### {number}. {}\n", cause.headline);
    let mut standing = vec![if cause.new {
        "New".to_owned()
    } else {
        format!("Still open, since {}", cause.first_seen)
    }];
    if cause.critical {
        standing.push("critical".to_owned());
    }
    let _ = writeln!(
        out,
        "{}. {}: {}.\n",
        standing.join(", "),
        plural(cause.tests.len(), "failure"),
        evidence(&cause.evidence)
    );
    if let Some(arrived) = &cause.arrived_with {
        let _ = writeln!(out, "- **Deploy:** {arrived}");
    }
    for why in &cause.why {
        let _ = writeln!(out, "- **Grouped:** {why}");
    }
    for line in &cause.log_lines {
        let place = match &line.link {
            Some(link) => format!("[{} line {}]({})", line.source, line.line, link.display()),
            None => format!("{} line {}", line.source, line.line),
        };
        let more = if line.more > 0 {
            format!(" (and {} more like it)", line.more)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "- **Backend log**, {place}: {}{more}",
            code(&line.text)
        );
    }
    let _ = writeln!(out, "- **Next:** {}\n", crate::cause::action(cause));
}

/// "4 tests of `websocket-events` (critical), 6 checks of probe `agent events`".
pub fn evidence(evidence: &[Evidence]) -> String {
    evidence
        .iter()
        .map(|e| match &e.probe {
            Some(probe) => format!("{} of probe `{probe}`", plural(e.count, "check")),
            None => format!(
                "{} of `{}`{}",
                plural(e.count, "test"),
                e.suite,
                if e.critical { " (critical)" } else { "" }
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1 test", "4 tests".
pub fn plural(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}
