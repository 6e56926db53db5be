//! Small text helpers for reports: table cells, durations, sizes, percentages.

use std::time::Duration;

/// Text safe inside a Markdown table cell: pipes escaped, newlines folded.
pub fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// `Duration` as "0.42 s", "12.3 s" or "2m 13s".
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.2} s")
    } else if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let whole = d.as_secs();
        if whole < 3600 {
            format!("{}m {:02}s", whole / 60, whole % 60)
        } else {
            format!("{}h {:02}m", whole / 3600, (whole % 3600) / 60)
        }
    }
}

/// A pass rate as "88.0%", or "n/a" when nothing ran. Only an all-passing run reads 100.0%
/// and only a run with no pass reads 0.0%: 100,000 of 100,001 is "99.9%", not a lie by rounding.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(
        || "n/a".to_owned(),
        |r| {
            let shown = (r * 1000.0).round() / 10.0;
            let shown = if r < 1.0 { shown.min(99.9) } else { shown };
            let shown = if r > 0.0 { shown.max(0.1) } else { shown };
            format!("{shown:.1}%")
        },
    )
}

/// The first `max_lines` lines of `text`, saying how many were left out.
pub fn first_lines(text: &str, max_lines: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() <= max_lines {
        return lines.join("\n");
    }
    format!(
        "{}\n… {} more lines",
        lines[..max_lines].join("\n"),
        lines.len() - max_lines
    )
}

/// The last `max_lines` lines of `text` — where a traceback's exception is — saying how many
/// earlier ones were left out.
pub fn last_lines(text: &str, max_lines: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    // Saying "1 earlier line" takes the line it would save.
    if lines.len() <= max_lines + 1 {
        return lines.join("\n");
    }
    format!(
        "… {} earlier lines\n{}",
        lines.len() - max_lines,
        lines[lines.len() - max_lines..].join("\n")
    )
}

/// A fenced code block that no backtick run in `text` can close early.
pub fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::from_millis(420)), "0.42 s");
        assert_eq!(duration(Duration::from_millis(12_340)), "12.3 s");
        assert_eq!(duration(Duration::from_secs(133)), "2m 13s");
        assert_eq!(duration(Duration::from_secs(3 * 3600 + 120)), "3h 02m");
    }

    #[test]
    fn rates_never_round_into_all_or_nothing() {
        assert_eq!(percent(Some(100_000.0 / 100_001.0)), "99.9%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(Some(1.0 / 100_001.0)), "0.1%");
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(Some(0.8333)), "83.3%");
        assert_eq!(percent(None), "n/a");
    }

    #[test]
    fn fences_outlast_backticks_inside() {
        assert_eq!(fenced("x ```` y"), "`````text\nx ```` y\n`````");
    }

    #[test]
    fn line_windows_say_what_they_dropped() {
        assert_eq!(first_lines("a\nb\nc", 2), "a\nb\n… 1 more lines");
        assert_eq!(last_lines("a\nb\nc", 2), "a\nb\nc");
        assert_eq!(last_lines("a\nb\nc\nd", 2), "… 2 earlier lines\nc\nd");
    }
}
