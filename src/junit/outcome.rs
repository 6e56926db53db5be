//! Turning a `<testcase>`'s result children into one [`Outcome`] (JUNIT.md's order).
//!
//! Order matters: a case with both `<failure>` and `<error>` is an error, and a case with a
//! `<skipped>` plus a `<failure>` failed, because a report that shows a failing test as skipped
//! turns a red run green.

use std::borrow::Cow;

use crate::model::Outcome;

/// Longest `detail` kept, in bytes; tracebacks past this are noise in a report.
pub(crate) const DETAIL_CAP: usize = 8 * 1024;

/// Longest `message` kept, in bytes; some producers put a whole traceback in `message`.
const MESSAGE_CAP: usize = 1024;

/// A child of `<testcase>` that says how it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultKind {
    /// `<failure>`: an assertion failed.
    Failure,
    /// `<error>`: the test could not run properly.
    Error,
    /// `<skipped>`.
    Skipped,
    /// `<flakyFailure>`/`<flakyError>`: an attempt failed before the test passed.
    Flaky,
    /// `<rerunFailure>`/`<rerunError>`: a retry of a failing test failed again.
    Rerun,
}

impl ResultKind {
    /// Recognises a result element by its local name.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "failure" => Self::Failure,
            "error" => Self::Error,
            "skipped" => Self::Skipped,
            "flakyFailure" | "flakyError" => Self::Flaky,
            "rerunFailure" | "rerunError" => Self::Rerun,
            _ => return None,
        })
    }
}

/// Text gathered from inside an element, keeping at most [`DETAIL_CAP`] bytes.
#[derive(Debug, Default)]
pub(crate) struct CappedText {
    text: String,
    cut: bool,
}

impl CappedText {
    /// Appends `piece`, or as much of it as fits.
    pub(crate) fn push(&mut self, piece: &str) {
        if self.cut {
            return;
        }
        let room = DETAIL_CAP - self.text.len();
        if piece.len() <= room {
            self.text.push_str(piece);
        } else {
            self.text
                .push_str(&piece[..floor_char_boundary(piece, room)]);
            self.cut = true;
        }
    }

    /// Whether anything is still wanted; lets the reader skip work on huge texts.
    pub(crate) fn is_full(&self) -> bool {
        self.cut
    }
}

/// One result element with the attributes and text that feed the outcome.
#[derive(Debug)]
pub(crate) struct ResultElement {
    /// Which element.
    pub kind: ResultKind,
    /// `message`, entity-decoded.
    pub message: Option<String>,
    /// `type`.
    pub kind_attr: Option<String>,
    /// Its text content (CDATA included, nested system-out excluded).
    pub text: CappedText,
}

impl ResultElement {
    /// The message attribute, else the first line of the text, else the type.
    fn message(&self) -> String {
        let from_attr = self
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let first_line = || {
            self.text
                .text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
        };
        let kind = || self.kind_attr.as_deref().map(str::trim);
        let chosen = from_attr.or_else(first_line).or_else(kind).unwrap_or("");
        let mut message = strip_ansi(chosen).into_owned();
        if message.len() > MESSAGE_CAP {
            message.truncate(floor_char_boundary(&message, MESSAGE_CAP));
            message.push('…');
        }
        message
    }

    /// The trimmed text, saying so when it was cut.
    fn detail(&self) -> String {
        let mut detail = strip_ansi(self.text.text.trim()).into_owned();
        if self.text.cut {
            detail.push_str("\n[… detail cut at 8 KiB]");
        }
        detail
    }
}

/// Everything a `<testcase>` said about how it went.
#[derive(Debug, Default)]
pub(crate) struct CaseResults {
    errors: Vec<ResultElement>,
    failures: Vec<ResultElement>,
    skipped: Option<ResultElement>,
    retries: Vec<ResultElement>,
    /// The `status` attribute (tst, Bazel, googletest write `disabled`/`run`/`notrun`).
    pub status_attr: Option<String>,
}

impl CaseResults {
    /// Records one finished result element.
    pub(crate) fn push(&mut self, element: ResultElement) {
        match element.kind {
            ResultKind::Error => self.errors.push(element),
            ResultKind::Failure => self.failures.push(element),
            ResultKind::Skipped => {
                if self.skipped.is_none() {
                    self.skipped = Some(element);
                }
            }
            ResultKind::Flaky | ResultKind::Rerun => self.retries.push(element),
        }
    }

    /// The case's outcome and how many attempts it records (1 plus its retries).
    pub(crate) fn finish(self) -> (Outcome, u32) {
        let attempts = 1 + u32::try_from(self.retries.len()).unwrap_or(u32::MAX - 1);
        let outcome = if !self.errors.is_empty() {
            let (message, detail) = join(&self.errors);
            Outcome::Error { message, detail }
        } else if !self.failures.is_empty() {
            let (message, detail) = join(&self.failures);
            Outcome::Failed { message, detail }
        } else if let Some(skipped) = self.skipped {
            Outcome::Skipped {
                message: skipped.message(),
                kind: skipped.kind_attr.filter(|k| !k.trim().is_empty()),
            }
        } else if let Some(first) = self.retries.first() {
            Outcome::Flaky {
                failures: attempts - 1,
                message: first.message(),
            }
        } else if let Some(status) = self.status_attr.filter(|s| is_not_run_status(s)) {
            // A disabled test did not pass; calling it passed would overstate coverage.
            Outcome::Skipped {
                message: String::new(),
                kind: Some(status),
            }
        } else {
            Outcome::Passed
        };
        (outcome, attempts)
    }
}

/// `status` values that mean the test never ran.
fn is_not_run_status(status: &str) -> bool {
    ["disabled", "skipped", "notrun", "not run", "ignored"]
        .iter()
        .any(|s| status.trim().eq_ignore_ascii_case(s))
}

/// Joins several `<failure>`s (or `<error>`s) into one message and one detail.
fn join(elements: &[ResultElement]) -> (String, String) {
    if let [only] = elements {
        return (only.message(), only.detail());
    }
    let messages: Vec<String> = elements.iter().map(ResultElement::message).collect();
    let details: Vec<String> = elements.iter().map(ResultElement::detail).collect();
    (messages.join("; "), details.join("\n\n"))
}

/// Removes ANSI escape sequences (colours from jest, pytest `--color=yes`, go test).
pub(crate) fn strip_ansi(text: &str) -> Cow<'_, str> {
    if !text.contains('\u{1b}') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: parameters and intermediates, then one final byte in `@`..=`~`.
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC (hyperlinks): runs to BEL or ESC `\`.
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' {
                        chars.next_if_eq(&'\\');
                        break;
                    }
                }
            }
            // Two-character escapes.
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    Cow::Owned(out)
}

/// The largest index `<= max` that is a char boundary of `text`.
fn floor_char_boundary(text: &str, max: usize) -> usize {
    let mut index = max.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(
        kind: ResultKind,
        message: Option<&str>,
        kind_attr: Option<&str>,
        text: &str,
    ) -> ResultElement {
        let mut captured = CappedText::default();
        captured.push(text);
        ResultElement {
            kind,
            message: message.map(str::to_owned),
            kind_attr: kind_attr.map(str::to_owned),
            text: captured,
        }
    }

    #[test]
    fn strips_colour_codes() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m plain"), "red plain");
        assert_eq!(strip_ansi("\u{1b}[1;32mok\u{1b}[39;49m"), "ok");
        assert_eq!(
            strip_ansi("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert!(matches!(strip_ansi("no escapes"), Cow::Borrowed(_)));
    }

    #[test]
    fn message_falls_back_to_first_line_then_type() {
        let from_attr = element(ResultKind::Failure, Some("boom"), Some("E"), "text");
        assert_eq!(from_attr.message(), "boom");
        let from_text = element(
            ResultKind::Failure,
            Some(""),
            Some("E"),
            "\n  \n  first line\nsecond",
        );
        assert_eq!(from_text.message(), "first line");
        let from_type = element(ResultKind::Failure, None, Some("AssertionError"), "  ");
        assert_eq!(from_type.message(), "AssertionError");
        let coloured = element(
            ResultKind::Failure,
            None,
            None,
            "\u{1b}[31mexpected 1\u{1b}[0m",
        );
        assert_eq!(coloured.message(), "expected 1");
    }

    #[test]
    fn detail_is_capped_and_says_so() {
        let mut text = CappedText::default();
        for _ in 0..2000 {
            text.push("traceback line ");
        }
        assert!(text.is_full());
        let cut = ResultElement {
            kind: ResultKind::Failure,
            message: None,
            kind_attr: None,
            text,
        };
        let detail = cut.detail();
        assert!(detail.len() <= DETAIL_CAP + 40, "{}", detail.len());
        assert!(detail.ends_with("[… detail cut at 8 KiB]"));
    }

    #[test]
    fn cap_respects_char_boundaries() {
        let mut text = CappedText::default();
        text.push(&"a".repeat(DETAIL_CAP - 1));
        text.push("é");
        assert!(text.is_full());
        assert_eq!(text.text.len(), DETAIL_CAP - 1);
    }

    #[test]
    fn error_beats_failure_beats_skipped() {
        let mut results = CaseResults::default();
        results.push(element(ResultKind::Skipped, None, None, ""));
        results.push(element(ResultKind::Failure, Some("f"), None, "ft"));
        results.push(element(ResultKind::Error, Some("e"), None, "et"));
        let (outcome, attempts) = results.finish();
        assert_eq!(
            outcome,
            Outcome::Error {
                message: "e".into(),
                detail: "et".into()
            }
        );
        assert_eq!(attempts, 1);
    }

    #[test]
    fn several_failures_are_joined() {
        let mut results = CaseResults::default();
        results.push(element(ResultKind::Failure, Some("one"), None, "d1"));
        results.push(element(ResultKind::Failure, Some("two"), None, "d2"));
        let (outcome, _) = results.finish();
        assert_eq!(
            outcome,
            Outcome::Failed {
                message: "one; two".into(),
                detail: "d1\n\nd2".into()
            }
        );
    }

    #[test]
    fn retries_make_a_pass_flaky_and_a_failure_stays_failed() {
        let mut passing = CaseResults::default();
        passing.push(element(ResultKind::Flaky, Some("timeout"), None, ""));
        passing.push(element(ResultKind::Flaky, Some("again"), None, ""));
        assert_eq!(
            passing.finish(),
            (
                Outcome::Flaky {
                    failures: 2,
                    message: "timeout".into()
                },
                3
            )
        );
        let mut failing = CaseResults::default();
        failing.push(element(ResultKind::Failure, Some("bad"), None, ""));
        failing.push(element(ResultKind::Rerun, Some("bad"), None, ""));
        let (outcome, attempts) = failing.finish();
        assert_eq!(outcome.status(), crate::model::TestStatus::Failed);
        assert_eq!(attempts, 2);
    }

    #[test]
    fn skipped_keeps_its_type_and_disabled_status_is_a_skip() {
        let mut xfail = CaseResults::default();
        xfail.push(element(
            ResultKind::Skipped,
            Some(""),
            Some("pytest.xfail"),
            "",
        ));
        assert_eq!(
            xfail.finish().0,
            Outcome::Skipped {
                message: "pytest.xfail".into(),
                kind: Some("pytest.xfail".into())
            }
        );
        let disabled = CaseResults {
            status_attr: Some("disabled".into()),
            ..Default::default()
        };
        assert_eq!(
            disabled.finish().0.status(),
            crate::model::TestStatus::Skipped
        );
        let run = CaseResults {
            status_attr: Some("run".into()),
            ..Default::default()
        };
        assert_eq!(run.finish().0, Outcome::Passed);
    }
}
