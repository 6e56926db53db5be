//! Live terminal progress: a consumer of the runner's events.

use std::io::Write;

use tokio::sync::mpsc::UnboundedReceiver;

use crate::model::{SuiteStatus, Totals};
use crate::runner::Event;

/// Prints each event as a line on stderr until the channel closes.
pub async fn print_progress(loop_name: String, mut events: UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        let line = match event {
            Event::IterationStarted {
                loop_number,
                iteration,
                suites,
                probes,
            } => format!(
                "{loop_name}: Loop {loop_number} / Iteration {iteration} — {}{}",
                plural(suites, "suite"),
                if probes > 0 {
                    format!(", {}", plural(probes, "probe"))
                } else {
                    String::new()
                }
            ),
            Event::SuiteStarted { name } => format!("  ▶ {name} started"),
            Event::SuiteFinished {
                name,
                status,
                totals,
                duration,
            } => format!(
                "  {} {name} {} — {} in {:.2} s",
                mark(status),
                status.as_str(),
                counts(&totals),
                duration.as_secs_f64()
            ),
            Event::ProbeFinished {
                name,
                checks,
                passed,
            } => format!(
                "  {} probe {name} — {passed}/{checks} checks passed",
                if passed == checks { "✔" } else { "✘" }
            ),
            Event::DeployStarted => "  ▶ deploy started".to_owned(),
            Event::DeployFinished { ok, summary } => {
                format!("  {} deploy — {summary}", if ok { "✔" } else { "✘" })
            }
            Event::FixStarted => "  ▶ fix started".to_owned(),
            Event::FixFinished { ok, summary, said } => format!(
                "  {} fix {} — {summary}{}",
                if ok { "✔" } else { "✘" },
                if ok { "succeeded" } else { "failed" },
                said.map(|said| format!("\n    {said}")).unwrap_or_default()
            ),
            Event::IterationFinished { .. } => continue,
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// "1 suite", "3 probes".
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn mark(status: SuiteStatus) -> &'static str {
    match status {
        SuiteStatus::Passed => "✔",
        SuiteStatus::Failed | SuiteStatus::Error => "✘",
        SuiteStatus::Timeout => "⏱",
        SuiteStatus::Interrupted => "■",
    }
}

/// "12/12 passed" or "3/5 passed, 1 failed, 1 error".
pub fn counts(t: &Totals) -> String {
    let mut text = format!("{}/{} passed", t.ok(), t.total);
    let errors = if t.errors == 1 { "error" } else { "errors" };
    for (n, word) in [
        (t.failed, "failed"),
        (t.errors, errors),
        (t.timeouts, "timed out"),
        (t.skipped, "skipped"),
    ] {
        if n > 0 {
            text.push_str(&format!(", {n} {word}"));
        }
    }
    text
}
