//! The report's environment section: the machine greenloop ran on, the addresses the battery
//! pointed at, the test runners the suites' JUnit names, and the peak memory of a suite — in
//! Markdown and in the JSON's `environment`.

use std::fmt::Write;

use serde::Serialize;

use crate::integrity::bytes;
use crate::model::{Host, Iteration, RunnerVersion, Target};

/// The JSON's `environment`: the host's fields, then what the section lists.
#[derive(Serialize)]
pub(super) struct EnvironmentJson<'a> {
    #[serde(flatten)]
    host: &'a Host,
    peak_memory_bytes: Option<u64>,
    targets: &'a [Target],
    runners: &'a [RunnerVersion],
}

/// The JSON's `environment` for `it`.
pub(super) fn json(it: &Iteration) -> EnvironmentJson<'_> {
    EnvironmentJson {
        host: &it.host,
        peak_memory_bytes: it.peak_rss_bytes(),
        targets: &it.targets,
        runners: &it.runners,
    }
}

/// Writes `## Environment`; targets and runners only when there are any.
pub(super) fn section(out: &mut String, it: &Iteration) {
    let h = &it.host;
    let _ = writeln!(out, "## Environment\n");
    let _ = writeln!(out, "- Host: {} — {}, {} CPUs", h.hostname, h.os, h.cpus);
    let _ = writeln!(out, "- greenloop {}", h.greenloop_version);
    if !it.targets.is_empty() {
        let targets: Vec<String> = it
            .targets
            .iter()
            .map(|t| format!("{} {}", code(&t.name), address(&t.url)))
            .collect();
        let _ = writeln!(out, "- Targets: {}", targets.join(", "));
    }
    if !it.runners.is_empty() {
        let runners: Vec<String> = it
            .runners
            .iter()
            .map(|r| format!("{}: {}", code(&r.suite), plain(&r.runner)))
            .collect();
        let _ = writeln!(out, "- Runners: {}", runners.join(", "));
    }
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

/// A url as an autolink (`<https://…>`: readable as is, and Markdown leaves a masked `***` in
/// it alone); anything that cannot be one as code.
fn address(url: &str) -> String {
    let autolink = url.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
    }) && !url.contains(|c: char| c.is_whitespace() || c == '<' || c == '>');
    if autolink {
        format!("<{url}>")
    } else {
        code(url)
    }
}

/// `text` as a code span that no backtick inside it can end early.
fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A runner's version as plain text: one line, with the characters Markdown would act on
/// escaped (`_` only where it could start or end emphasis, so `1.8.0_265` stays as written).
fn plain(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = |at: Option<&char>| at.is_some_and(|c| c.is_alphanumeric());
        match c {
            '\r' | '\n' => out.push(' '),
            '_' if inside_word(i.checked_sub(1).and_then(|p| chars.get(p)))
                && inside_word(chars.get(i + 1)) =>
            {
                out.push(c);
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{address, code, plain};

    #[test]
    fn urls_are_autolinks_and_anything_else_is_code() {
        assert_eq!(
            address("https://api.example.com/x?token=***"),
            "<https://api.example.com/x?token=***>"
        );
        assert_eq!(
            address("wss://api.example.com/ws"),
            "<wss://api.example.com/ws>"
        );
        assert_eq!(address("staging-eu"), "`staging-eu`");
        assert_eq!(address("http://a b"), "`http://a b`");
    }

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(code("agent start"), "`agent start`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn runner_text_cannot_format_the_line() {
        assert_eq!(plain("go1.22.1 linux/amd64"), "go1.22.1 linux/amd64");
        assert_eq!(plain("java 1.8.0_265"), "java 1.8.0_265");
        assert_eq!(plain("_x_ *y*"), "\\_x\\_ \\*y\\*");
    }
}
