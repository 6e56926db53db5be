//! The iteration as a Markdown report a person reads top to bottom in two minutes.

use std::fmt::Write;

use super::actions::next_actions;
use super::changes;
use super::probes;
use super::steps;
use super::text::{cell, duration, fenced, first_lines, percent};
use crate::integrity::bytes;
use crate::model::{Iteration, ResultSource, Totals};

/// At most this many failures are written out in full; the JSON has them all.
const MAX_FAILURES_SHOWN: usize = 50;
/// Lines of a traceback or output tail shown under a failure.
const DETAIL_LINES: usize = 20;

/// Renders `iteration` as Markdown.
pub fn render(iteration: &Iteration) -> String {
    let mut out = String::new();
    header(&mut out, iteration);
    steps::deploy_section(&mut out, iteration);
    // A deploy that failed leaves no battery to describe: its sections would only mislead
    // ("first iteration", "no findings").
    if !steps::battery_skipped(iteration) {
        suites(&mut out, iteration);
        changes::what_changed(&mut out, &iteration.diff, &iteration.totals);
        super::deployed::commits(&mut out, iteration);
        changes::primary_issues(&mut out, &iteration.clusters, &iteration.resolved_clusters);
        probes::section(&mut out, &iteration.probes);
        failures(&mut out, iteration);
    }
    steps::diagnostics(&mut out, iteration);
    if !steps::battery_skipped(iteration) {
        integrity(&mut out, iteration);
    }
    environment(&mut out, iteration);
    let _ = writeln!(out, "## Next actions\n");
    for (i, action) in next_actions(iteration).iter().enumerate() {
        let _ = writeln!(out, "{}. {action}", i + 1);
    }
    logs(&mut out, iteration);
    out
}

fn header(out: &mut String, it: &Iteration) {
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
        let _ = writeln!(out, "The battery could not run: {error}.\n");
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
    for suite in &it.suites {
        let t = Totals::count(&suite.tests);
        let peak = suite
            .process()
            .and_then(|p| p.peak_rss_bytes)
            .map_or_else(|| "n/a".into(), bytes);
        let source = match &suite.source {
            ResultSource::Junit(files) if files.len() == 1 => "JUnit".to_owned(),
            ResultSource::Junit(files) => format!("JUnit ({} files)", files.len()),
            ResultSource::ExitCode => "exit code".to_owned(),
            ResultSource::NotRun => "not run".to_owned(),
            ResultSource::Probes => "probes".to_owned(),
        };
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
            duration(suite.duration()),
            peak,
            source
        );
    }
    let impacts: Vec<_> = it
        .suites
        .iter()
        .filter(|s| s.status() != crate::model::SuiteStatus::Passed)
        .filter_map(|s| Some((&s.name, s.impact.as_ref()?)))
        .collect();
    if !impacts.is_empty() {
        let _ = writeln!(out, "\nImpact of what failed:\n");
        for (name, impact) in impacts {
            let _ = writeln!(out, "- `{name}`: {impact}");
        }
    }
    out.push('\n');
}

fn failures(out: &mut String, it: &Iteration) {
    let failing: Vec<_> = it
        .tests()
        .filter(|t| t.outcome.status().is_failure())
        .collect();
    if failing.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Failures\n");
    for test in failing.iter().take(MAX_FAILURES_SHOWN) {
        let _ = writeln!(out, "### `{}` — {}\n", test.id, test.outcome.status());
        let message = test.outcome.message();
        if !message.is_empty() {
            let _ = writeln!(out, "{}\n", quote(message));
        }
        let detail = test.outcome.detail();
        if !detail.trim().is_empty() && detail.trim() != message.trim() {
            let _ = writeln!(out, "{}\n", fenced(&first_lines(detail, DETAIL_LINES)));
        }
    }
    if failing.len() > MAX_FAILURES_SHOWN {
        let _ = writeln!(
            out,
            "…and {} more failures, listed in the JSON twin of this report.\n",
            failing.len() - MAX_FAILURES_SHOWN
        );
    }
}

fn quote(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn integrity(out: &mut String, it: &Iteration) {
    let _ = writeln!(out, "## Integrity checks\n");
    let timed: Vec<f64> = it.tests().filter_map(|t| t.duration_s).collect();
    let zero = timed.iter().filter(|&&d| d < 0.005).count();
    // A fold from +0.0: `sum()` of no floats is -0.0, which prints as "-0.00".
    let total_time = timed.iter().fold(0.0, |sum, d| sum + d);
    if it.integrity.is_empty() {
        let _ = writeln!(out, "No findings.");
    }
    for finding in &it.integrity {
        let _ = writeln!(
            out,
            "- **{}**: {}",
            kind_label(finding.kind),
            finding.message
        );
    }
    let _ = writeln!(
        out,
        "\nTests report {:.2} s of test time in all; {} of {} timed tests took 0.00 s.\n",
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
    let h = &it.host;
    let _ = writeln!(out, "## Environment\n");
    let _ = writeln!(out, "- Host: {} — {}, {} CPUs", h.hostname, h.os, h.cpus);
    let _ = writeln!(out, "- greenloop {}", h.greenloop_version);
    let busiest = it
        .suites
        .iter()
        .filter_map(|s| Some((&s.name, s.process()?.peak_rss_bytes?)))
        .max_by_key(|&(_, peak)| peak);
    if let Some((name, peak)) = busiest {
        let _ = writeln!(out, "- Peak memory: {} (`{name}`)", bytes(peak));
    }
    out.push('\n');
}

fn logs(out: &mut String, it: &Iteration) {
    let logs: Vec<(String, String)> = steps::logs(it)
        .into_iter()
        .chain(it.suites.iter().filter_map(|s| {
            Some((
                format!("`{}`", s.name),
                s.log.as_ref()?.display().to_string(),
            ))
        }))
        .collect();
    if logs.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Logs\n");
    for (name, log) in logs {
        let _ = writeln!(out, "- {name}: [{log}]({log})");
    }
}
