//! The report's "What changed" section: what the fix did, what got fixed or recovered, what
//! fails differently, what broke, what still fails since when, and how the battery changed.

use std::fmt::Write;

use super::ids::{code, compact};
use crate::model::{Diff, Iteration, SuiteChange, TestId, Totals};

/// Ids listed per list; the JSON has them all.
const MAX_IDS: usize = 20;
/// "old → new" pairs listed under "Failing differently".
const MAX_PAIRS: usize = 10;

/// Renders "What changed since …" for `it`.
pub fn what_changed(out: &mut String, it: &Iteration) {
    let diff = &it.diff;
    let Some(previous) = diff.previous else {
        let _ = writeln!(
            out,
            "## What changed\n\nThis is the first iteration of this loop definition: there is nothing to compare with yet.\n"
        );
        return;
    };
    let _ = writeln!(out, "## What changed since {previous}\n");
    if let Some(line) = pass_rate_change(diff, &it.totals) {
        let _ = writeln!(out, "{line}\n");
    }
    let mut said = false;
    let mut item = |out: &mut String, text: String| {
        said = true;
        let _ = writeln!(out, "- {text}");
    };
    if let Some(fix) = &it.previous_fix {
        let mark = if fix.succeeded { "✔" } else { "✘" };
        let said = fix
            .said
            .as_deref()
            .map_or(String::new(), |s| format!(" — it said {}", code(s)));
        item(
            out,
            format!(
                "**The fix after {}:** {mark} {}{said}",
                fix.after, fix.summary
            ),
        );
    }
    let fixed: Vec<&TestId> = diff
        .fixed
        .iter()
        .filter(|id| !diff.recovered.iter().any(|r| r.stand_in == **id))
        .collect();
    if !fixed.is_empty() {
        item(
            out,
            format!("**Fixed ({}):** {}", fixed.len(), compact(fixed, MAX_IDS)),
        );
    }
    for recovery in &diff.recovered {
        item(out, format!("**Recovered:** {}", recovery.describe()));
    }
    if !diff.failing_differently.is_empty() {
        item(
            out,
            format!(
                "**Failing differently ({}):**",
                diff.failing_differently.len()
            ),
        );
        failing_differently(out, diff);
    }
    if !diff.new_failures.is_empty() {
        item(
            out,
            format!(
                "**New failures ({}):** {}",
                diff.new_failures.len(),
                compact(&diff.new_failures, MAX_IDS)
            ),
        );
    }
    let still: Vec<_> = diff
        .still_failing
        .iter()
        .filter(|s| !diff.failing_differently.iter().any(|d| d.id == s.id))
        .collect();
    if !still.is_empty() {
        item(out, format!("**Still failing ({}):**", still.len()));
        let mut since: Vec<_> = still.iter().map(|s| s.since).collect();
        since.sort_unstable();
        since.dedup();
        for at in since {
            let ids: Vec<&TestId> = still
                .iter()
                .filter(|s| s.since == at)
                .map(|s| &s.id)
                .collect();
            let _ = writeln!(
                out,
                "  - since {at} ({}): {}",
                ids.len(),
                compact(ids, MAX_IDS)
            );
        }
    }
    for (label, ids, warning) in [
        ("Tests added", &diff.added, ""),
        (
            "Tests removed",
            &diff.removed,
            " — **the battery shrank: check that no test was deleted to make the run look green**",
        ),
        (
            "Did not run",
            &diff.did_not_run,
            " — their suite failed as a whole this time (see Root causes)",
        ),
        ("Flaky", &diff.flaky, ""),
    ] {
        if !ids.is_empty() {
            item(
                out,
                format!(
                    "**{label} ({}):** {}{warning}",
                    ids.len(),
                    compact(ids, MAX_IDS)
                ),
            );
        }
    }
    let suites: Vec<String> = diff.suite_changes.iter().map(suite_change).collect();
    if !suites.is_empty() {
        item(out, format!("**Suites:** {}", suites.join("; ")));
    }
    if !said {
        let _ = writeln!(
            out,
            "Nothing changed: the same tests gave the same results."
        );
    }
    out.push('\n');
}

/// "Pass rate 26.3% → 42.1% (+15.8 points)."
pub fn pass_rate_change(diff: &Diff, totals: &Totals) -> Option<String> {
    let (delta, now) = (diff.pass_rate_delta?, totals.pass_rate()?);
    Some(format!(
        "Pass rate {} → {} ({:+.1} points).",
        super::text::percent(Some(now - delta)),
        super::text::percent(Some(now)),
        delta * 100.0
    ))
}

/// One line per old → new signature pair, largest first.
fn failing_differently(out: &mut String, diff: &Diff) {
    let mut pairs: Vec<((&str, &str), Vec<&TestId>)> = Vec::new();
    for change in &diff.failing_differently {
        let key = (change.before.as_str(), change.after.as_str());
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) => ids.push(&change.id),
            None => pairs.push((key, vec![&change.id])),
        }
    }
    pairs.sort_by_key(|(_, ids)| std::cmp::Reverse(ids.len()));
    for ((before, after), ids) in pairs.iter().take(MAX_PAIRS) {
        let _ = writeln!(
            out,
            "  - {} → {} ({}): {}",
            code(before),
            code(after),
            ids.len(),
            compact(ids.iter().copied(), MAX_IDS)
        );
    }
    if pairs.len() > MAX_PAIRS {
        let _ = writeln!(
            out,
            "  - …and {} more changes in the JSON twin (`diff.signature_changes`)",
            pairs.len() - MAX_PAIRS
        );
    }
}

fn suite_change(c: &SuiteChange) -> String {
    match (c.before, c.after) {
        (Some(before), Some(after)) => {
            format!("`{}` {} → {}", c.suite, before.as_str(), after.as_str())
        }
        (None, Some(after)) => format!("`{}` new ({})", c.suite, after.as_str()),
        (Some(before), None) => format!("`{}` gone (was {})", c.suite, before.as_str()),
        (None, None) => format!("`{}`", c.suite),
    }
}
