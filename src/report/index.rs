//! `reports/<loop>/index.md`: every iteration, newest first, with the pass-rate trend chart.

use std::fmt::Write;

use super::files::stem;
use super::text::percent;
use crate::model::IterationSummary;

/// The chart's file name beside `index.md`.
pub const TREND_SVG: &str = "trend.svg";

/// Renders the index of a loop definition titled `title` from its history (newest first).
pub fn render(title: &str, rows: &[IterationSummary]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {title} — iterations\n");
    if rows.is_empty() {
        let _ = writeln!(out, "No iteration has run yet.");
        return out;
    }
    let _ = writeln!(out, "![Pass rate per iteration]({TREND_SVG})\n");
    let _ = writeln!(
        out,
        "| Date (UTC) | Iteration | Verdict | Passed | Failed | Errors | Skipped | Pass rate | Change |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
    );
    for row in rows {
        let t = &row.totals;
        let iteration = format!("[{}]({}.md)", row.at, stem(row.at, row.started_at));
        let _ = writeln!(
            out,
            "| {} | {iteration} | {} | {}/{} | {} | {} | {} | {} | {} |",
            row.started_at.format("%Y-%m-%d %H:%M"),
            row.verdict.map_or("running", |v| v.as_str()),
            t.ok(),
            t.total - t.skipped,
            t.failed,
            t.errors + t.timeouts,
            t.skipped,
            percent(t.pass_rate()),
            change(row)
        );
    }
    out
}

/// "2 new failures, 1 fixed, `mission-critical`: hung → 3/3 passed, 3 removed", or "—".
fn change(row: &IterationSummary) -> String {
    let mut parts = Vec::new();
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if row.new_failures > 0 {
        parts.push(plural(row.new_failures, "new failure", "new failures"));
    }
    if row.fixed > 0 {
        parts.push(format!("{} fixed", row.fixed));
    }
    // A suite that hung before and runs again is told as what it is, not as a test count.
    parts.extend(row.recovered.iter().cloned());
    if row.removed > 0 {
        parts.push(format!("**{} removed**", row.removed));
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    }
}
