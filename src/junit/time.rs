//! Lenient parsing of the `time` attribute, which producers write in many shapes.
//!
//! JUnit says "seconds as a decimal", but real files carry thousands separators (Surefire 3.1.0
//! wrote `2,120.532`), decimal commas from localised runners, unit suffixes (`12ms`) and
//! exponents (`1e-05`). A value that cannot be read is unknown, never zero: zero would claim the
//! test was instant.

/// Parses a duration attribute into seconds.
///
/// Returns `None` when the text is empty or not a number. Negative and NaN values are returned
/// as-is: the caller reports them as integrity findings rather than hiding them.
pub(crate) fn parse_seconds(raw: &str) -> Option<f64> {
    let text = raw.trim();
    let (number, scale) = split_unit(text);
    let number = number.trim_end();
    if number.is_empty() {
        return None;
    }
    let normalized = normalize_separators(number);
    let value: f64 = normalized.parse().ok()?;
    Some(value * scale)
}

/// Splits a unit suffix off `text` and returns the number part with its scale to seconds.
fn split_unit(text: &str) -> (&str, f64) {
    // Longer suffixes first: `ms` also ends in `s`.
    const UNITS: [(&str, f64); 5] = [
        ("ms", 1e-3),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("ns", 1e-9),
        ("s", 1.0),
    ];
    for (suffix, scale) in UNITS {
        if let Some(number) = text.strip_suffix(suffix) {
            return (number, scale);
        }
    }
    (text, 1.0)
}

/// Turns `2,120.532`, `1,234` and `0,5` into something `f64::from_str` accepts.
fn normalize_separators(number: &str) -> std::borrow::Cow<'_, str> {
    let has_comma = number.contains(',');
    if !has_comma {
        return number.into();
    }
    if number.contains('.') || is_thousands_grouped(number) {
        number.replace(',', "").into()
    } else {
        number.replace(',', ".").into()
    }
}

/// Whether `number` matches `^-?\d{1,3}(,\d{3})+$`, i.e. commas group thousands.
fn is_thousands_grouped(number: &str) -> bool {
    let digits = number.strip_prefix('-').unwrap_or(number);
    let mut groups = digits.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    let mut rest = 0;
    let rest_ok = groups.all(|g| {
        rest += 1;
        g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())
    });
    first_ok && rest_ok && rest > 0
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn parses_the_shapes_producers_write() {
        let table: &[(&str, Option<f64>)] = &[
            ("1.5", Some(1.5)),
            ("  0.25 ", Some(0.25)),
            ("0", Some(0.0)),
            ("2,120.532", Some(2120.532)),
            ("1,234", Some(1234.0)),
            ("1,234,567", Some(1_234_567.0)),
            ("0,5", Some(0.5)),
            ("12,5", Some(12.5)),
            ("1234,5", Some(1234.5)),
            ("1e-05", Some(1e-5)),
            ("2.5E+2", Some(250.0)),
            ("12ms", Some(0.012)),
            ("12 ms", Some(0.012)),
            ("3s", Some(3.0)),
            ("1500us", Some(0.0015)),
            ("1500µs", Some(0.0015)),
            ("2000000ns", Some(0.002)),
            ("-11770557.774", Some(-11_770_557.774)),
            ("", None),
            ("   ", None),
            ("abc", None),
            ("ms", None),
            ("1.2.3", None),
        ];
        for (raw, expected) in table {
            let got = parse_seconds(raw);
            match (got, expected) {
                (Some(g), Some(e)) => assert!((g - e).abs() < 1e-9, "{raw:?}: got {g}, want {e}"),
                _ => assert_eq!(got, *expected, "{raw:?}"),
            }
        }
    }

    #[test]
    fn nan_is_returned_for_the_caller_to_flag() {
        assert!(parse_seconds("NaN").is_some_and(f64::is_nan));
    }
}
