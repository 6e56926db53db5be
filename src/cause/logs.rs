//! Evidence from the backend's own logs: the lines of this iteration's service, deploy,
//! `[[collect]]` and `[[log]]` output that state a fact a root cause has (close code, status
//! with path, endpoint that never answered, exception type), quoted a few per cause.

use super::facts::{self, GENERIC_EXCEPTIONS};
use super::headline;
use crate::model::{Fact, FactKind, LogLine, LogText, RootCause};

/// Distinct lines quoted per root cause; further lines of the same shape are counted.
pub const MAX_LINES_PER_CAUSE: usize = 3;
/// The longest quoted line, in characters.
const LINE_CHARS: usize = 300;

/// Attaches to each of `causes` the lines of `logs` that share one of its facts, then
/// (re)writes every cause's next action, which quotes the first of them.
///
/// A line that names its target (`answering 404 to /api/agents/start`) goes to every cause
/// with that fact on a compatible target; a line that names none (`closing the WebSocket with
/// 1011`) only when exactly one cause has that fact, so it cannot be quoted as evidence for two
/// different causes.
pub fn attach(causes: &mut [RootCause], logs: &[LogText]) {
    let mut shapes: Vec<Vec<String>> = vec![Vec::new(); causes.len()];
    for log in logs {
        for (offset, raw) in log.text.lines().enumerate() {
            let line = strip_ansi(raw);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let found = facts::from_line(line, false);
            let matching: Vec<usize> = causes
                .iter()
                .enumerate()
                .filter(|(_, cause)| shares(cause, &found, line))
                .map(|(i, _)| i)
                .collect();
            let targeted = found.iter().any(|f| f.target.is_some());
            if matching.is_empty() || (!targeted && matching.len() > 1) {
                continue;
            }
            let shape = crate::cluster::signature(line);
            for i in matching {
                let lines = &mut causes[i].log_lines;
                if let Some(at) = shapes[i].iter().position(|s| *s == shape) {
                    lines[at].more += 1;
                } else if lines.len() < MAX_LINES_PER_CAUSE {
                    shapes[i].push(shape.clone());
                    lines.push(LogLine {
                        source: log.name.clone(),
                        link: log.link.clone(),
                        line: log.first_line + offset,
                        text: headline::cut_to(line, LINE_CHARS),
                        more: 0,
                    });
                }
            }
        }
    }
    let read: Vec<&str> = logs.iter().map(|l| l.name.as_str()).collect();
    for cause in causes.iter_mut() {
        cause.next_action = headline::next_action(cause, &read);
    }
}

/// Whether a log line with facts `found` supports `cause`.
fn shares(cause: &RootCause, found: &[Fact], line: &str) -> bool {
    let fact_match = found.iter().any(|log| {
        log.kind != FactKind::Exception
            && cause
                .facts
                .iter()
                .any(|own| own.kind == log.kind && own.value == log.value && compatible(own, log))
    });
    fact_match
        || cause
            .facts
            .iter()
            .filter(|f| f.kind == FactKind::Exception)
            .filter(|f| !GENERIC_EXCEPTIONS.contains(&f.value.as_str()))
            .any(|f| contains_word(line, &f.value))
}

/// Targets agree: equal, one unknown, or one a path the other names with a method.
fn compatible(a: &Fact, b: &Fact) -> bool {
    match (a.target.as_deref(), b.target.as_deref()) {
        (Some(x), Some(y)) => {
            x == y || (path_of(x) == path_of(y) && (!x.contains(' ') || !y.contains(' ')))
        }
        _ => true,
    }
}

fn path_of(target: &str) -> &str {
    target.split_once(' ').map_or(target, |(_, path)| path)
}

fn contains_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// `line` without ANSI colour sequences (`ESC [ … m`), as `docker logs` often writes them.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}
