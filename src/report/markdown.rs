//! The iteration as a Markdown report a person reads top to bottom in two minutes.

use std::fmt::Write;

use super::actions::next_actions;
use super::probes;
use super::steps;
use super::text::{cell, duration, percent};
use super::{causes, changes, failures};
use crate::integrity::bytes;
use crate::model::{Iteration, ResultSource, SuiteStatus, Totals};

/// Suites listed in the table; past this, only the ones that did not pass.
const MAX_SUITE_ROWS: usize = 60;
/// Integrity findings listed; the JSON has them all.
const MAX_FINDINGS: usize = 20;

/// Renders `iteration` as Markdown.
pub fn render(iteration: &Iteration) -> String {
    let mut out = String::new();
    let actions = next_actions(iteration);
    header(&mut out, iteration, &actions);
    steps::deploy_section(&mut out, iteration);
    // A deploy that failed leaves no battery to describe: its sections would only mislead
    // ("first iteration", "no findings").
    if !steps::battery_skipped(iteration) {
        causes::section(&mut out, iteration);
        suites(&mut out, iteration);
        changes::what_changed(&mut out, iteration);
        super::deployed::commits(&mut out, iteration);
        failures::section(&mut out, iteration);
        probes::section(&mut out, &iteration.probes);
    }
    steps::diagnostics(&mut out, iteration);
    if !steps::battery_skipped(iteration) {
        integrity(&mut out, iteration);
    }
    environment(&mut out, iteration);
    let _ = writeln!(out, "## Next actions\n");
    for (i, action) in actions.iter().enumerate() {
        let _ = writeln!(out, "{}. {action}", i + 1);
    }
    out
}

/// The heading, the summary a reader stops at if pressed (verdict, critical suites, root
/// causes, pass-rate change, first action), then when, where and what ran.
fn header(out: &mut String, it: &Iteration, actions: &[String]) {
    let _ = writeln!(
        out,
        "# {} — Loop {} / Iteration {}\n",
        it.title, it.loop_number, it.number
    );
    let totals = if steps::battery_skipped(it) {
        "no test ran".to_owned()
    } else {
        summary(&it.totals)
    };
    let _ = writeln!(out, "**Verdict: {}** — {totals}.\n", it.verdict);
    if let Some(error) = &it.error {
        let what = if it.verdict == crate::model::Verdict::Interrupted {
            "The iteration did not finish"
        } else {
            "The battery could not run"
        };
        let _ = writeln!(out, "{what}: {error}.\n");
    }
    let failing = |critical: bool| -> Vec<String> {
        it.suites
            .iter()
            .filter(|s| s.critical == critical && s.status() != SuiteStatus::Passed)
            .map(|s| match &s.impact {
                Some(impact) => format!("`{}` ({}) — {impact}", s.name, s.status().as_str()),
                None => format!("`{}` ({})", s.name, s.status().as_str()),
            })
            .collect()
    };
    let critical = failing(true);
    if !critical.is_empty() {
        let _ = writeln!(
            out,
            "- **Critical suites failing:** {}",
            critical.join("; ")
        );
    }
    let other = failing(false);
    if !other.is_empty() {
        let _ = writeln!(out, "- **Also failing:** {}", other.join("; "));
    }
    if !it.root_causes.is_empty() || !it.resolved_root_causes.is_empty() {
        let new = it.root_causes.iter().filter(|c| c.new).count();
        let _ = writeln!(
            out,
            "- **Root causes:** {} — {new} new, {} still open; {} resolved",
            it.root_causes.len(),
            it.root_causes.len() - new,
            it.resolved_root_causes.len()
        );
    }
    if let Some(change) = changes::pass_rate_change(&it.diff, &it.totals) {
        let _ = writeln!(
            out,
            "- **Since {}:** {change}",
            it.diff.previous.map_or_else(String::new, |p| p.to_string())
        );
    }
    if it.verdict != crate::model::Verdict::Green
        && let Some(first) = actions.first()
    {
        let _ = writeln!(out, "- **First action:** {first}");
    }
    if let Some(focus) = &it.focus {
        let _ = writeln!(out, "- **Focus:** {focus}");
    }
    let ran = (it.finished_at - it.started_at)
        .to_std()
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- **When:** {} UTC, ran for {}",
        it.started_at.format("%Y-%m-%d %H:%M:%S"),
        duration(ran)
    );
    if let Some(environment) = &it.environment {
        let _ = writeln!(out, "- **Environment:** {environment}");
    }
    let _ = writeln!(out, "- **Trigger:** {}", it.trigger);
    steps::header_lines(out, it);
    out.push('\n');
}

/// "8 of 10 tests passed (80.0%), 2 failed; 1 skipped": skips are not part of the rate.
fn summary(t: &Totals) -> String {
    let ran = t.total - t.skipped;
    let mut text = format!(
        "{} of {ran} tests passed ({})",
        t.ok(),
        percent(t.pass_rate())
    );
    for (n, what) in [
        (t.failed, "failed"),
        (t.errors, "errors"),
        (t.timeouts, "timed out"),
        (t.flaky, "flaky (passed on retry)"),
    ] {
        if n > 0 {
            text.push_str(&format!(", {n} {what}"));
        }
    }
    if t.skipped > 0 {
        text.push_str(&format!("; {} skipped", t.skipped));
    }
    text
}

fn suites(out: &mut String, it: &Iteration) {
    let _ = writeln!(out, "## Suites\n");
    let _ = writeln!(
        out,
        "| Suite | Status | Passed | Failed | Errors | Skipped | Time | Peak memory | Results from |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    );
    let many = it.suites.len() > MAX_SUITE_ROWS;
    let shown: Vec<_> = it
        .suites
        .iter()
        .filter(|s| !many || s.status() != SuiteStatus::Passed)
        .take(MAX_SUITE_ROWS)
        .collect();
    for suite in &shown {
        let t = Totals::count(&suite.tests);
        let peak = suite
            .process()
            .and_then(|p| p.peak_rss_bytes)
            .map_or_else(|| "n/a".into(), bytes);
        let mut source = match &suite.source {
            ResultSource::Junit(files) if files.len() == 1 => "JUnit".to_owned(),
            ResultSource::Junit(files) => format!("JUnit ({} files)", files.len()),
            ResultSource::ExitCode => "exit code".to_owned(),
            ResultSource::NotRun => "not run".to_owned(),
            ResultSource::Probes => "probes".to_owned(),
        };
        if let Some(log) = &suite.log {
            source.push_str(&format!(", [log]({})", log.display()));
        }
        let _ = writeln!(
            out,
            "| `{}`{} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&suite.name),
            if suite.critical { " (critical)" } else { "" },
            suite.status().as_str(),
            t.ok(),
            t.failed,
            t.errors + t.timeouts,
            t.skipped,
            duration(suite.duration()).replace(' ', "\u{a0}"),
            peak,
            source
        );
    }
    if shown.len() < it.suites.len() {
        let _ = writeln!(
            out,
            "\n…and {} more suites (every one of them passed) in the JSON twin.",
            it.suites.len() - shown.len()
        );
    }
    out.push('\n');
}

fn integrity(out: &mut String, it: &Iteration) {
    let _ = writeln!(out, "## Integrity checks\n");
    let timed: Vec<f64> = it.tests().filter_map(|t| t.duration_s).collect();
    let zero = timed
        .iter()
        .filter(|&&d| d < crate::integrity::NOT_RUN_SECONDS)
        .count();
    // A fold from +0.0: `sum()` of no floats is -0.0, which prints as "-0.00".
    let total_time = timed.iter().fold(0.0, |sum, d| sum + d);
    if it.integrity.is_empty() {
        let _ = writeln!(out, "No findings.");
    }
    for finding in it.integrity.iter().take(MAX_FINDINGS) {
        let _ = writeln!(
            out,
            "- **{}**: {}",
            kind_label(finding.kind),
            finding.message
        );
    }
    if it.integrity.len() > MAX_FINDINGS {
        let _ = writeln!(
            out,
            "- …and {} more findings in the JSON twin (`integrity`)",
            it.integrity.len() - MAX_FINDINGS
        );
    }
    let _ = writeln!(
        out,
        "\nTests report {:.2} s of test time in all; {} of {} timed tests report under 1 ms (a suite is flagged when at least half of its timed passing tests do).\n",
        total_time,
        zero,
        timed.len()
    );
}

fn kind_label(kind: crate::model::FindingKind) -> &'static str {
    use crate::model::FindingKind as K;
    match kind {
        K::NoTests => "no tests",
        K::ZeroDuration => "0.00 s tests",
        K::CountMismatch => "count mismatch",
        K::Hang => "hang",
        K::BrokenResults => "broken results",
        K::ResultsNote => "results",
        K::OutputCut => "output cut",
        K::LeakedProcess => "leaked process",
        K::EmptyBattery => "empty battery",
        K::BatteryShrank => "battery shrank",
        K::SkipJump => "skips jumped",
    }
}

fn environment(out: &mut String, it: &Iteration) {
    super::environment::section(out, it);
}
