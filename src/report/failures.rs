//! The report's "Failures" section: each distinct failure of a suite once — its message, the
//! end of its traceback, and the other tests that failed the same way. Probe checks are told in
//! the Probes section, one line per probe and reason.

use std::collections::HashMap;
use std::fmt::Write;

use super::ids::{code, compact};
use super::text::{fenced, last_lines};
use crate::model::{Iteration, TestId, TestResult};
use crate::probe::check::PROBE_SUITE;

/// Distinct failures written out; the JSON twin has every test.
pub const MAX_GROUPS: usize = 20;
/// Lines of a traceback kept: its end, where the exception is.
const DETAIL_LINES: usize = 8;
/// Ids listed under one failure.
const MAX_IDS: usize = 10;

/// Failing tests of one suite with one signature, ranked by their root cause.
struct Group<'a> {
    rank: usize,
    tests: Vec<&'a TestResult>,
}

/// Renders "Failures"; nothing when no suite test failed.
pub fn section(out: &mut String, it: &Iteration) {
    let groups = groups(it);
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Failures\n");
    for group in groups.iter().take(MAX_GROUPS) {
        test_entry(out, &group.tests);
    }
    if groups.len() > MAX_GROUPS {
        let rest: usize = groups[MAX_GROUPS..].iter().map(|g| g.tests.len()).sum();
        let _ = writeln!(
            out,
            "…and {} more distinct failures ({rest} tests) in the JSON twin (`tests`).\n",
            groups.len() - MAX_GROUPS
        );
    }
}

fn groups(it: &Iteration) -> Vec<Group<'_>> {
    let rank: HashMap<&TestId, usize> = it
        .root_causes
        .iter()
        .enumerate()
        .flat_map(|(i, cause)| cause.tests.iter().map(move |t| (t, i)))
        .collect();
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<(&str, String), usize> = HashMap::new();
    for suite in it.suites.iter().filter(|s| s.name != PROBE_SUITE) {
        for test in suite
            .tests
            .iter()
            .filter(|t| t.outcome.status().is_failure())
        {
            let key = (suite.name.as_str(), crate::cluster::test_key(test));
            match index.get(&key) {
                Some(&at) => groups[at].tests.push(test),
                None => {
                    index.insert(key, groups.len());
                    groups.push(Group {
                        rank: rank.get(&test.id).copied().unwrap_or(usize::MAX),
                        tests: vec![test],
                    });
                }
            }
        }
    }
    // Stable: within a root cause, suites keep the loop file's order.
    groups.sort_by_key(|g| g.rank);
    groups
}

fn test_entry(out: &mut String, tests: &[&TestResult]) {
    let first = tests[0];
    let _ = writeln!(
        out,
        "### {} — {}\n",
        code(first.id.as_str()),
        first.outcome.status()
    );
    let detail = traceback(first.outcome.detail());
    let message_text = first.outcome.message().trim();
    // A traceback ends with the exception's own lines: the message's further lines are there.
    message(out, message_text, !detail.contains(message_text));
    if !detail.is_empty() && detail != message_text {
        let _ = writeln!(out, "{}\n", fenced(&last_lines(&detail, DETAIL_LINES)));
    }
    if tests.len() > 1 {
        let _ = writeln!(
            out,
            "…and {} more test{} with the same failure: {}\n",
            tests.len() - 1,
            if tests.len() == 2 { "" } else { "s" },
            compact(tests[1..].iter().map(|t| &t.id), MAX_IDS)
        );
    }
}

/// The message's first line as a quote; with `rest`, further lines (a hung suite's last
/// output) as a block, so they keep their line breaks.
fn message(out: &mut String, message: &str, rest: bool) {
    let mut lines = message.lines();
    let Some(first) = lines.next().filter(|l| !l.trim().is_empty()) else {
        return;
    };
    let _ = writeln!(out, "> {}\n", code(first.trim()));
    let more: Vec<&str> = lines.collect();
    if rest && more.iter().any(|l| !l.trim().is_empty()) {
        let _ = writeln!(
            out,
            "{}\n",
            fenced(&last_lines(&more.join("\n"), DETAIL_LINES))
        );
    }
}

/// Where library code lives: frames there are the runtime's, not the code under test.
const LIBRARY_PATHS: &[&str] = &[
    "/lib/python",
    "site-packages",
    "dist-packages",
    "node_modules",
    "<frozen ",
];

/// A traceback cut down to the frames a reader acts on: Python's marker lines (`^^^^` under
/// an expression) go, and so do frames in library code (the standard library, site-packages,
/// node_modules), counted in one line where they were. The exception line always stays.
fn traceback(detail: &str) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut library = 0;
    let mut skipping = false;
    for line in detail.trim().lines() {
        let trimmed = line.trim();
        if !trimmed.is_empty() && trimmed.chars().all(|c| matches!(c, '^' | '~' | ' ')) {
            continue;
        }
        let frame = trimmed.starts_with("File \"") || trimmed.starts_with("at ");
        if frame {
            skipping = LIBRARY_PATHS.iter().any(|p| trimmed.contains(p));
            if skipping {
                library += 1;
                continue;
            }
        } else if skipping && line.starts_with("    ") {
            // The source line under a library frame.
            continue;
        }
        skipping = false;
        if library > 0 {
            kept.push(format!(
                "  … {library} library frame{}",
                if library == 1 { "" } else { "s" }
            ));
            library = 0;
        }
        kept.push(line.to_owned());
    }
    kept.join("\n")
}
