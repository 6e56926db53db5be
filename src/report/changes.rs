//! The report's "What changed" and "Primary issues" sections.

use std::fmt::Write;

use crate::model::{Cluster, Diff, ResolvedCluster, TestId, Totals};

/// Ids listed in full per list; the JSON has them all.
const MAX_IDS: usize = 20;

/// Renders "What changed since …" for `diff`, with `totals` of this iteration.
pub fn what_changed(out: &mut String, diff: &Diff, totals: &Totals) {
    let Some(previous) = diff.previous else {
        let _ = writeln!(
            out,
            "## What changed\n\nThis is the first iteration of this loop definition: there is nothing to compare with yet.\n"
        );
        return;
    };
    let _ = writeln!(out, "## What changed since {previous}\n");
    if let (Some(delta), Some(now)) = (diff.pass_rate_delta, totals.pass_rate()) {
        let _ = writeln!(
            out,
            "Pass rate {:.1}% → {:.1}% ({:+.1} points).\n",
            (now - delta) * 100.0,
            now * 100.0,
            delta * 100.0
        );
    }
    let still: Vec<String> = diff
        .still_failing
        .iter()
        .map(|s| format!("`{}` (since {})", s.id, s.since))
        .collect();
    let lists = [
        ("New failures", ids(&diff.new_failures)),
        ("Fixed", ids(&diff.fixed)),
        ("Still failing", still),
        ("Tests added", ids(&diff.added)),
        ("Tests removed", ids(&diff.removed)),
        ("Flaky", ids(&diff.flaky)),
    ];
    let mut said = false;
    for (label, items) in lists {
        if items.is_empty() {
            continue;
        }
        said = true;
        let _ = write!(out, "- **{label} ({}):** {}", items.len(), capped(&items));
        if label == "Tests removed" {
            let _ = write!(
                out,
                " — **the battery shrank: check that no test was deleted to make the run look green**"
            );
        }
        out.push('\n');
    }
    let suites: Vec<String> = diff
        .suite_changes
        .iter()
        .map(|c| match (c.before, c.after) {
            (Some(before), Some(after)) => {
                format!("`{}` {} → {}", c.suite, before.as_str(), after.as_str())
            }
            (None, Some(after)) => format!("`{}` new ({})", c.suite, after.as_str()),
            (Some(before), None) => format!("`{}` gone (was {})", c.suite, before.as_str()),
            (None, None) => format!("`{}`", c.suite),
        })
        .collect();
    if !suites.is_empty() {
        said = true;
        let _ = writeln!(out, "- **Suites:** {}", suites.join("; "));
    }
    if !said {
        let _ = writeln!(
            out,
            "Nothing changed: the same tests gave the same results."
        );
    }
    out.push('\n');
}

/// Renders "Primary issues": failures grouped by signature, most important first, and the
/// clusters that vanished since the previous iteration.
pub fn primary_issues(out: &mut String, clusters: &[Cluster], resolved: &[ResolvedCluster]) {
    if clusters.is_empty() && resolved.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Primary issues\n");
    for (i, cluster) in clusters.iter().enumerate() {
        let n = cluster.tests.len();
        let _ = writeln!(
            out,
            "{}. **{}** — {n} test{}{}, since {}",
            i + 1,
            escape(&cluster.signature),
            if n == 1 { "" } else { "s" },
            if cluster.critical { ", critical" } else { "" },
            cluster.first_seen
        );
        let _ = writeln!(out, "   > {}", escape(&cluster.example));
        let _ = writeln!(out, "   {}", capped(&ids(&cluster.tests)));
    }
    if !resolved.is_empty() {
        if !clusters.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "Resolved since the previous iteration:\n");
        for cluster in resolved {
            let _ = writeln!(
                out,
                "- ~~{}~~ ({} test{}, first seen {})",
                escape(&cluster.signature),
                cluster.count,
                if cluster.count == 1 { "" } else { "s" },
                cluster.first_seen
            );
        }
    }
    out.push('\n');
}

fn ids(ids: &[TestId]) -> Vec<String> {
    ids.iter().map(|id| format!("`{id}`")).collect()
}

fn capped(items: &[String]) -> String {
    if items.len() <= MAX_IDS {
        return items.join(", ");
    }
    format!(
        "{}, …and {} more (see the JSON)",
        items[..MAX_IDS].join(", "),
        items.len() - MAX_IDS
    )
}

/// Keeps a message on one line and stops it from opening Markdown emphasis or HTML.
fn escape(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if matches!(c, '*' | '_' | '`' | '<' | '>' | '[' | ']' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
