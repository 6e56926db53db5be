//! `schedule`, `timezone` and `on_busy`: when the daemon triggers a loop, and what a trigger
//! does while the loop is busy.

use toml::Spanned;

use super::checker::Checker;
use super::defaults;
use crate::schedule::{Schedule, parse_zone};

/// What a trigger does while its loop is running an iteration (`on_busy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBusy {
    /// The trigger waits: at most one waits per loop, and further triggers coalesce into it.
    Queue,
    /// The trigger is refused (a manual one gets 409 Conflict).
    Skip,
}

/// Validates `schedule` in `timezone` ([`defaults::TIMEZONE`] when unset). A `timezone`
/// without a `schedule` is allowed: it only ever affects the schedule.
pub(super) fn schedule(
    schedule: Option<&Spanned<String>>,
    timezone: Option<&Spanned<String>>,
    check: &mut Checker,
) -> Option<Schedule> {
    let zone = match timezone.map(|name| (name, parse_zone(name.get_ref()))) {
        None => Some(defaults::TIMEZONE),
        Some((_, Ok(zone))) => Some(zone),
        Some((name, Err(message))) => {
            check.error(name.span(), message);
            None
        }
    };
    let expr = schedule?;
    // With a bad zone the expression is still checked (in UTC), so both errors show at once.
    match Schedule::new(expr.get_ref(), zone.unwrap_or(defaults::TIMEZONE)) {
        Ok(schedule) => zone.map(|_| schedule),
        Err(message) => {
            check.error(expr.span(), message);
            None
        }
    }
}

/// Validates `on_busy`: `"queue"` or `"skip"` ([`defaults::ON_BUSY`] when unset).
pub(super) fn on_busy(on_busy: Option<&Spanned<String>>, check: &mut Checker) -> OnBusy {
    match on_busy.map(|raw| (raw, raw.get_ref().as_str())) {
        None => defaults::ON_BUSY,
        Some((_, "queue")) => OnBusy::Queue,
        Some((_, "skip")) => OnBusy::Skip,
        Some((raw, other)) => {
            check.error(
                raw.span(),
                format!("`on_busy` must be \"queue\" or \"skip\", not \"{other}\""),
            );
            defaults::ON_BUSY
        }
    }
}
