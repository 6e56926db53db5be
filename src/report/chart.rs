//! The pass-rate trend as a small hand-written SVG: one point per iteration, oldest on the left.

use std::fmt::Write;

use crate::model::{IterationSummary, Verdict};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// Renders `rows` (newest first, as history returns them) as an SVG line chart of pass rates.
/// Iterations without a pass rate (nothing ran, or still running) leave a gap; dashed lines mark
/// where a new loop began.
pub fn trend_svg(rows: &[IterationSummary]) -> String {
    let points: Vec<&IterationSummary> = rows.iter().rev().collect();
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if points.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |rate: f64| TOP + plot_h * (1.0 - rate);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<title>Pass rate per iteration</title>"#);
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    for percent in [0, 25, 50, 75, 100] {
        let gy = y(f64::from(percent) / 100.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{:.1}" y2="{gy:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#666">{percent}%</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0
        );
    }
    for (i, pair) in points.windows(2).enumerate() {
        if pair[1].at.loop_number != pair[0].at.loop_number {
            let bx = (x(i) + x(i + 1)) / 2.0;
            let _ = writeln!(
                svg,
                r##"<line x1="{bx:.1}" y1="{TOP}" x2="{bx:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" fill="#666">Loop {}</text>"##,
                TOP + plot_h,
                bx + 3.0,
                TOP + 10.0,
                pair[1].at.loop_number
            );
        }
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (i, row) in points.iter().enumerate() {
        match row.totals.pass_rate() {
            Some(rate) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(rate)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = writeln!(
            svg,
            r##"<path d="{}" fill="none" stroke="#4a6fa5" stroke-width="2"/>"##,
            path.trim_end()
        );
    }
    for (i, row) in points.iter().enumerate() {
        let Some(rate) = row.totals.pass_rate() else {
            continue;
        };
        let _ = writeln!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{}"><title>{}: {:.1}% ({})</title></circle>"#,
            x(i),
            y(rate),
            colour(row.verdict),
            row.at,
            rate * 100.0,
            row.verdict.map_or("running", Verdict::as_str)
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = writeln!(
            svg,
            r##"<text x="{LEFT}" y="{:.1}" fill="#666">L{} I{}</text><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#666">L{} I{}</text>"##,
            HEIGHT - 8.0,
            first.at.loop_number,
            first.at.iteration,
            WIDTH - RIGHT,
            HEIGHT - 8.0,
            last.at.loop_number,
            last.at.iteration
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn colour(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Green) => "#2e7d32",
        Some(Verdict::Failing) => "#c62828",
        Some(Verdict::Error) => "#6a1b9a",
        Some(Verdict::Interrupted) | None => "#9e9e9e",
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{IterationRef, Totals};

    fn row(
        loop_number: u32,
        iteration: u32,
        passed: u64,
        failed: u64,
        verdict: Verdict,
    ) -> IterationSummary {
        IterationSummary {
            at: IterationRef {
                loop_number,
                iteration,
            },
            started_at: Utc::now(),
            finished_at: Some(Utc::now()),
            verdict: Some(verdict),
            trigger: "manual (cli)".into(),
            totals: Totals {
                total: passed + failed,
                passed,
                failed,
                ..Totals::default()
            },
            new_failures: 0,
            fixed: 0,
            removed: 0,
            recovered: Vec::new(),
            report_stem: None,
        }
    }

    #[test]
    fn plots_oldest_left_with_a_point_per_iteration_and_loop_boundaries() {
        // Newest first, as history returns them.
        let rows = [
            row(2, 1, 10, 0, Verdict::Green),
            row(1, 2, 3, 1, Verdict::Failing),
            row(1, 1, 1, 1, Verdict::Failing),
        ];
        let svg = trend_svg(&rows);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(
            svg.contains("<path d=\"M44.0,102.0 L376.0,58.0 L708.0,14.0\""),
            "{svg}"
        );
        assert!(svg.contains(">Loop 2</text>"), "{svg}");
        assert!(
            svg.contains("<title>Loop 1 / Iteration 2: 75.0% (failing)</title>"),
            "{svg}"
        );
    }

    #[test]
    fn an_iteration_where_nothing_ran_breaks_the_line() {
        let mut empty = row(1, 2, 0, 0, Verdict::Error);
        empty.totals = Totals::default();
        let rows = [
            row(1, 3, 1, 0, Verdict::Green),
            empty,
            row(1, 1, 1, 0, Verdict::Green),
        ];
        let svg = trend_svg(&rows);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<path d=\"M44.0,14.0 M708.0,14.0\""), "{svg}");
    }
}
