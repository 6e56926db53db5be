//! The message bodies: what one event says about an iteration, as Slack-compatible
//! `{"text": …}` or as greenloop's plain JSON. Both are short, link-free, and masked.

use serde_json::{Value, json};

use super::event::Event;
use crate::model::{Iteration, TestId, Totals, Verdict, collapse_whitespace};
use crate::redact::Redactor;
use crate::report::text::percent;

/// How a webhook wants its messages (`format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{"text": "…"}` with Slack's mrkdwn: Slack incoming webhooks and the many tools that
    /// accept the same shape (Mattermost, Rocket.Chat, Discord's `/slack` endpoint, …).
    Slack,
    /// greenloop's own object: `event`, `loop_name`, `loop`, `iteration`, `verdict`, `totals`,
    /// `pass_rate`, `new_failures`, `report`, … (see the README).
    Json,
}

/// Failures named one by one in a message; the rest are counted.
const FAILURES_SHOWN: usize = 5;
/// New failure ids listed in the JSON body; `new_failures_count` has them all.
const NEW_FAILURE_IDS: usize = 100;
/// Characters of a failure message (or of the error) kept in a message.
const MESSAGE_CHARS: usize = 200;

/// What one event says about one iteration, before it is rendered in a format.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    event: Event,
    loop_name: String,
    title: String,
    loop_number: u32,
    iteration: u32,
    verdict: Verdict,
    totals: Totals,
    new_failures: Vec<String>,
    new_failures_count: usize,
    /// Which failures are listed: the new ones, or every failing test.
    listing_new: bool,
    failures: Vec<(String, String)>,
    failures_count: usize,
    fixed: usize,
    error: Option<String>,
    report: String,
}

/// Tests failing in `iteration` that were not failing in the iteration it was diffed against;
/// with nothing to diff against (the first iteration), every failing test.
pub fn new_failures(iteration: &Iteration) -> Vec<&TestId> {
    if iteration.diff.previous.is_some() {
        iteration.diff.new_failures.iter().collect()
    } else {
        let mut failing: Vec<&TestId> = iteration
            .tests()
            .filter(|t| t.outcome.status().is_failure())
            .map(|t| &t.id)
            .collect();
        failing.sort();
        failing.dedup();
        failing
    }
}

impl Message {
    /// The message for `event` about `iteration`, whose report is at `report` (shown as is).
    pub fn new(event: Event, iteration: &Iteration, report: &str) -> Self {
        let new = new_failures(iteration);
        let listing_new = matches!(event, Event::Failing | Event::NewFailures) && !new.is_empty();
        let mut failing: Vec<(&TestId, &str)> = iteration
            .tests()
            .filter(|t| t.outcome.status().is_failure())
            .filter(|t| !listing_new || new.binary_search(&&t.id).is_ok())
            .map(|t| (&t.id, t.outcome.message()))
            .collect();
        failing.sort_by_key(|(id, _)| *id);
        failing.dedup_by_key(|(id, _)| *id);
        Self {
            event,
            loop_name: iteration.loop_name.to_string(),
            title: iteration.title.clone(),
            loop_number: iteration.loop_number,
            iteration: iteration.number,
            verdict: iteration.verdict,
            totals: iteration.totals,
            new_failures: new
                .iter()
                .take(NEW_FAILURE_IDS)
                .map(|id| id.to_string())
                .collect(),
            new_failures_count: new.len(),
            listing_new,
            failures: failing
                .iter()
                .take(FAILURES_SHOWN)
                .map(|(id, message)| (id.to_string(), shorten(message)))
                .collect(),
            failures_count: failing.len(),
            fixed: iteration.diff.fixed.len(),
            error: iteration
                .error
                .as_deref()
                .map(|e| shorten(e.lines().find(|l| !l.trim().is_empty()).unwrap_or_default())),
            report: report.to_owned(),
        }
    }

    /// The body to POST, every string masked by `redactor`.
    pub fn body(&self, format: Format, redactor: &Redactor) -> String {
        let mut value = match format {
            Format::Slack => json!({ "text": self.text(true) }),
            Format::Json => self.json(),
        };
        mask_strings(&mut value, redactor);
        // Masking each string first catches secrets that JSON escaping would disguise; masking
        // the whole body afterwards costs little and guards against anything added later.
        redactor.mask(value.to_string())
    }

    fn json(&self) -> Value {
        let failures: Vec<Value> = self
            .failures
            .iter()
            .map(|(id, message)| json!({ "id": id, "message": message }))
            .collect();
        json!({
            "event": self.event,
            "loop_name": self.loop_name,
            "title": self.title,
            "loop": self.loop_number,
            "iteration": self.iteration,
            "verdict": self.verdict,
            "totals": self.totals,
            "pass_rate": self.totals.pass_rate(),
            "new_failures": self.new_failures,
            "new_failures_count": self.new_failures_count,
            "failures": failures,
            "error": self.error,
            "report": self.report,
            "summary": self.text(false),
        })
    }

    /// The human summary: plain, or with Slack mrkdwn (bold title, ids as code, `&<>` escaped).
    fn text(&self, slack: bool) -> String {
        let plain = |s: &str| if slack { escape(s) } else { s.to_owned() };
        let code = |s: &str| {
            if slack {
                format!("`{}`", escape(&s.replace('`', "'")))
            } else {
                s.to_owned()
            }
        };
        let title = if slack {
            format!("*{}*", escape(&self.title))
        } else {
            self.title.clone()
        };
        let mut lines = vec![self.headline(&title), plain(&counts(&self.totals))];
        if let Some(error) = self
            .error
            .as_deref()
            .filter(|_| self.verdict == Verdict::Error)
        {
            lines.push(format!("Error: {}", plain(error)));
        }
        if self.verdict == Verdict::Green && self.fixed > 0 {
            lines.push(format!(
                "Fixed since the previous iteration: {}",
                self.fixed
            ));
        }
        if self.failures_count > 0 {
            let heading = if self.listing_new {
                "New failures"
            } else {
                "Failing"
            };
            lines.push(format!("{heading} ({}):", self.failures_count));
            for (id, message) in &self.failures {
                lines.push(match message.is_empty() {
                    true => format!("• {}", code(id)),
                    false => format!("• {} — {}", code(id), plain(message)),
                });
            }
            if self.failures_count > self.failures.len() {
                lines.push(format!(
                    "…and {} more",
                    self.failures_count - self.failures.len()
                ));
            }
        }
        lines.push(format!("Report: {}", code(&self.report)));
        lines.join("\n")
    }

    fn headline(&self, title: &str) -> String {
        let at = format!("Loop {} / Iteration {}", self.loop_number, self.iteration);
        let error = self.verdict == Verdict::Error;
        match self.event {
            Event::Failing if error => format!("{title} could not run — {at}"),
            Event::Failing => format!("{title} is failing — {at}"),
            Event::NewFailures => format!("{title} has new failures — {at}"),
            Event::Green => format!("{title} is green — {at}"),
            Event::Exhausted => format!(
                "{title}: Loop {} closed after {} iterations without going green (verdict {})",
                self.loop_number, self.iteration, self.verdict
            ),
            Event::Reminder if error => format!("{title} still cannot run — {at}"),
            Event::Reminder => format!("{title} is still failing — {at}"),
        }
    }
}

/// "5/6 passed (83.3%), 1 failed, 1 skipped", or "no tests ran".
fn counts(totals: &Totals) -> String {
    if totals.total == 0 {
        return "no tests ran".to_owned();
    }
    let mut parts = vec![format!(
        "{}/{} passed ({})",
        totals.ok(),
        totals.total - totals.skipped,
        percent(totals.pass_rate())
    )];
    for (count, what) in [
        (totals.failed, "failed"),
        (totals.errors, "errors"),
        (totals.timeouts, "timed out"),
        (totals.skipped, "skipped"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {what}"));
        }
    }
    parts.join(", ")
}

/// One line of at most [`MESSAGE_CHARS`] characters.
fn shorten(text: &str) -> String {
    let line = collapse_whitespace(text);
    if line.chars().count() <= MESSAGE_CHARS {
        return line;
    }
    let mut short: String = line.chars().take(MESSAGE_CHARS - 1).collect();
    short.push('…');
    short
}

/// Slack's three control characters in mrkdwn text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn mask_strings(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(text) => *text = redactor.mask(std::mem::take(text)),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_strings(v, redactor)),
        Value::Object(map) => map.values_mut().for_each(|v| mask_strings(v, redactor)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
