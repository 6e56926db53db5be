//! `[[notify]]` validated into plans: webhooks told when a loop's state changes.
//!
//! The url takes the same `${…}` names as a deploy step (usually a `${secret}`); it is checked
//! with the names filled in, and never shown in a message.

use std::collections::BTreeMap;
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use super::defaults;
use super::probe::check_url;
use super::raw::RawNotify;
use super::steps::template;
use super::template::Template;
use crate::notify::{Event, Format};

/// A validated `[[notify]]`.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    /// Where the message is POSTed; rendered with the iteration's values, masked in every log.
    pub url: Template,
    /// `format`: Slack-compatible `{"text": …}` or greenloop's plain JSON.
    pub format: Format,
    /// `on`: the events this webhook gets (every event unless the file lists some).
    pub on: Vec<Event>,
    /// `remind_every`: while a loop stays failing, a reminder once this long has passed since
    /// the last message (checked when an iteration finishes).
    pub remind_every: Option<Duration>,
    /// `timeout`: per attempt.
    pub timeout: Duration,
}

impl NotifyPlan {
    /// Whether this webhook wants `event`.
    pub fn wants(&self, event: Event) -> bool {
        self.on.contains(&event)
    }
}

/// Validates every `[[notify]]`; `known` says which `${…}` names exist and `samples` fills
/// them to check the url.
pub fn notify_plans(
    raw: &[RawNotify],
    known: &dyn Fn(&str) -> bool,
    samples: &BTreeMap<String, String>,
    check: &mut Checker,
) -> Vec<NotifyPlan> {
    raw.iter()
        .filter_map(|entry| notify_plan(entry, known, samples, check))
        .collect()
}

fn notify_plan(
    raw: &RawNotify,
    known: &dyn Fn(&str) -> bool,
    samples: &BTreeMap<String, String>,
    check: &mut Checker,
) -> Option<NotifyPlan> {
    let errors_before = check.diagnostics.len();
    let url = template(&raw.url, "[[notify]]", known, check);
    if let Some(url) = &url {
        check_url(&raw.url, url, samples, &["http", "https"], check);
    }
    let format = match raw.format.as_ref().map(|f| (f, f.get_ref().as_str())) {
        None => Some(Format::Json),
        Some((_, "json")) => Some(Format::Json),
        Some((_, "slack")) => Some(Format::Slack),
        Some((f, other)) => {
            check.error(
                f.span(),
                format!("`format` must be \"slack\" or \"json\", not \"{other}\""),
            );
            None
        }
    };
    let on = events(raw.on.as_ref(), check);
    let remind_every = raw
        .remind_every
        .as_ref()
        .and_then(|r| check.duration(r, "remind_every"));
    if let (Some(on), Some(raw_on)) = (&on, &raw.on) {
        match &raw.remind_every {
            Some(r) if !on.contains(&Event::Reminder) => check.error(
                r.span(),
                "`remind_every` has no effect: `on` does not list \"reminder\"",
            ),
            None if on.contains(&Event::Reminder) => check.error(
                raw_on.span(),
                "`on` lists \"reminder\" but there is no `remind_every` to say how often",
            ),
            _ => {}
        }
    }
    let timeout = raw
        .timeout
        .as_ref()
        .map_or(Some(defaults::NOTIFY_TIMEOUT), |t| {
            check.duration(t, "timeout")
        });
    if check.diagnostics.len() > errors_before {
        return None;
    }
    Some(NotifyPlan {
        url: url?,
        format: format?,
        on: on?,
        remind_every,
        timeout: timeout?,
    })
}

/// `on = [...]`: known event names, at least one; every event when unset.
fn events(raw: Option<&Spanned<Vec<Spanned<String>>>>, check: &mut Checker) -> Option<Vec<Event>> {
    let Some(raw) = raw else {
        return Some(Event::ALL.to_vec());
    };
    if raw.get_ref().is_empty() {
        check.error(
            raw.span(),
            "`on` is empty: list the events this webhook gets, or leave `on` out for all of them",
        );
        return None;
    }
    let mut on = Vec::new();
    let mut ok = true;
    for name in raw.get_ref() {
        match Event::parse(name.get_ref()) {
            Some(event) if !on.contains(&event) => on.push(event),
            Some(_) => {}
            None => {
                ok = false;
                let known: Vec<String> = Event::ALL.iter().map(|e| format!("\"{e}\"")).collect();
                check.error(
                    name.span(),
                    format!(
                        "unknown event \"{}\": use {}",
                        name.get_ref(),
                        known.join(", ")
                    ),
                );
            }
        }
    }
    on.sort();
    ok.then_some(on)
}
