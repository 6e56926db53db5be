//! A cron expression in a time zone, parsed and checked the way tokio-cron-scheduler reads it.

use std::fmt;

use chrono::Utc;
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// A loop's `schedule` in its `timezone`: when triggers fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The expression as the user wrote it.
    expr: String,
    /// The parsed pattern (a 5-field line has had second `0` prepended).
    pub(super) cron: Cron,
    /// The zone the expression's wall-clock fields are read in.
    pub(super) zone: Tz,
    /// Whether second, minute and hour are each one fixed value (kept: asked per candidate).
    fixed_time: bool,
}

impl Schedule {
    /// Parses `expr` in zone `tz` (an IANA name; UTC when `None`).
    ///
    /// `expr` has 6 or 7 fields, seconds first and an optional year; a classic 5-field crontab
    /// line (`m h dom mon dow`) fires at second 0. Day of month and day of week must both
    /// match (`0 0 0 1 * MON` fires only on a 1st that is a Monday), as in
    /// tokio-cron-scheduler. An expression that never fires from now on is an error. Errors
    /// are whole messages for the user, croner's own words included.
    pub fn parse(expr: &str, tz: Option<&str>) -> Result<Schedule, String> {
        let zone = match tz {
            Some(name) => parse_zone(name)?,
            None => Tz::UTC,
        };
        Schedule::new(expr, zone)
    }

    /// Parses `expr` in `zone`; see [`Schedule::parse`].
    pub fn new(expr: &str, zone: Tz) -> Result<Schedule, String> {
        let fields = expr.split_whitespace().count();
        let pattern = if fields == 5 {
            format!("0 {}", expr.trim())
        } else {
            expr.trim().to_owned()
        };
        // The settings tokio-cron-scheduler 0.15 parses with, so a schedule means the same
        // thing here as it would there.
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(&pattern)
            .map_err(|e| {
                format!(
                    "`schedule` is not a valid cron expression: {} (fields: second minute hour \
                     day-of-month month day-of-week [year], as in \"0 0 */6 * * *\"; a 5-field \
                     crontab line works too)",
                    e.to_string().trim_end_matches('.')
                )
            })?;
        let schedule = Schedule {
            expr: expr.trim().to_owned(),
            fixed_time: names_times_of_day(&pattern, &cron),
            cron,
            zone,
        };
        if schedule.next_after(Utc::now()).is_none() {
            return Err("`schedule` never fires: no date from now on matches it".to_owned());
        }
        Ok(schedule)
    }

    /// The expression as written.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The zone its wall-clock fields are read in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether second, minute and hour name times of day — numbers or lists of them, as in
    /// `0 30 2 * * *` or `0 0 9,17 * * *` — rather than an interval (`*`, a step `/` or a range
    /// `-`, as in `0 */15 * * * *`). The two differ across daylight-saving changes: see
    /// [`Schedule::next_after`].
    pub fn is_fixed_time(&self) -> bool {
        self.fixed_time
    }
}

/// See [`Schedule::is_fixed_time`]. `pattern` is what croner parsed.
fn names_times_of_day(pattern: &str, cron: &Cron) -> bool {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    if fields.len() < 6 {
        // A nickname such as `@daily` or `@hourly`, which croner expanded itself.
        let p = &cron.pattern;
        return !(p.seconds.from_wildcard || p.minutes.from_wildcard || p.hours.from_wildcard);
    }
    fields[..3]
        .iter()
        .all(|field| field.chars().all(|c| c.is_ascii_digit() || c == ','))
}

/// Parses an IANA time zone name such as `"Europe/Berlin"` or `"UTC"`.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        let hint = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .map_or_else(
                || "use an IANA name such as \"Europe/Berlin\" or \"UTC\"".to_owned(),
                |tz| format!("did you mean \"{}\"?", tz.name()),
            );
        format!("unknown time zone `{name}`: {hint}")
    })
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.expr, self.zone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_fields_fire_at_second_zero() {
        let five = Schedule::parse("30 2 * * *", None).unwrap();
        let six = Schedule::parse("0 30 2 * * *", None).unwrap();
        assert_eq!(five.cron, six.cron);
        assert_eq!(five.expr(), "30 2 * * *");
    }

    /// Every form the README's Schedules section promises.
    #[test]
    fn the_documented_forms_parse() {
        for expr in [
            "0 0 9 * * MON-FRI",
            "0 0 */6 * * *",
            "0 0 0 1 JAN *",
            "0 0 0 L * *",
            "0 0 0 15W * *",
            "0 0 0 * * FRI#2",
            "0 0 0 1 1 * 2030",
            "@hourly",
            "@daily",
            "@weekly",
            "@monthly",
            "@yearly",
        ] {
            assert!(Schedule::parse(expr, None).is_ok(), "{expr}");
        }
    }

    #[test]
    fn croner_messages_reach_the_user() {
        let err = Schedule::parse("every day", None).unwrap_err();
        assert!(err.contains("Pattern must have 6 or 7 fields"), "{err}");
        let err = Schedule::parse("0 0 25 * * *", None).unwrap_err();
        assert!(err.contains("out of bounds"), "{err}");
    }

    #[test]
    fn an_expression_that_never_fires_is_an_error() {
        let err = Schedule::parse("0 0 0 30 2 *", None).unwrap_err();
        assert!(err.contains("never fires"), "{err}");
        assert!(Schedule::parse("0 0 0 1 1 * 2020", None).is_err());
    }

    #[test]
    fn zones_are_iana_names_with_a_hint_for_wrong_case() {
        assert_eq!(parse_zone("Europe/Berlin"), Ok(chrono_tz::Europe::Berlin));
        let err = parse_zone("europe/berlin").unwrap_err();
        assert!(err.contains("did you mean \"Europe/Berlin\"?"), "{err}");
        let err = parse_zone("Mars/Olympus").unwrap_err();
        assert!(err.contains("unknown time zone `Mars/Olympus`"), "{err}");
    }

    #[test]
    fn display_names_the_expression_and_the_zone() {
        let schedule = Schedule::parse("0 0 9 * * *", Some("Europe/Berlin")).unwrap();
        assert_eq!(schedule.to_string(), "0 0 9 * * * (Europe/Berlin)");
    }

    #[test]
    fn fixed_time_versus_interval() {
        assert!(
            Schedule::parse("0 30 2 * * *", None)
                .unwrap()
                .is_fixed_time()
        );
        assert!(
            !Schedule::parse("0 */15 * * * *", None)
                .unwrap()
                .is_fixed_time()
        );
        assert!(
            Schedule::parse("0 0 9,17 * * *", None)
                .unwrap()
                .is_fixed_time()
        );
        assert!(Schedule::parse("@daily", None).unwrap().is_fixed_time());
        assert!(!Schedule::parse("@hourly", None).unwrap().is_fixed_time());
        assert!(
            !Schedule::parse("0 0 9-17 * * *", None)
                .unwrap()
                .is_fixed_time()
        );
        assert!(
            !Schedule::parse("0 0 */2 * * *", None)
                .unwrap()
                .is_fixed_time()
        );
    }
}
