//! `greenloop history`: a loop definition's iterations, or one test across them, as text tables.

use std::fmt::Write;

use crate::model::{IterationSummary, TestHistoryRow};
use crate::report::text::percent;

/// The iterations table, newest first.
pub fn iterations_table(name: &str, rows: &[IterationSummary]) -> String {
    if rows.is_empty() {
        return format!("no iteration of `{name}` has been recorded yet\n");
    }
    let mut table = vec![[
        "ITERATION".to_owned(),
        "STARTED (UTC)".into(),
        "VERDICT".into(),
        "PASSED".into(),
        "FAILED".into(),
        "ERRORS".into(),
        "SKIPPED".into(),
        "PASS RATE".into(),
        "CHANGE".into(),
    ]];
    for row in rows {
        let t = &row.totals;
        let mut change = Vec::new();
        if row.new_failures > 0 {
            change.push(format!("+{} failing", row.new_failures));
        }
        if row.fixed > 0 {
            change.push(format!("{} fixed", row.fixed));
        }
        change.extend(row.recovered.iter().map(|r| r.replace('`', "")));
        if row.removed > 0 {
            change.push(format!("{} removed", row.removed));
        }
        table.push([
            format!("L{} I{}", row.at.loop_number, row.at.iteration),
            row.started_at.format("%Y-%m-%d %H:%M").to_string(),
            row.verdict.map_or("running", |v| v.as_str()).to_owned(),
            format!("{}/{}", t.ok(), t.total - t.skipped),
            t.failed.to_string(),
            (t.errors + t.timeouts).to_string(),
            t.skipped.to_string(),
            percent(t.pass_rate()),
            if change.is_empty() {
                "-".into()
            } else {
                change.join(", ")
            },
        ]);
    }
    columns(&table)
}

/// One test across iterations, oldest first.
pub fn test_table(rows: &[TestHistoryRow]) -> String {
    let Some(first) = rows.first() else {
        return "no recorded result for that test\n".to_owned();
    };
    let mut table = vec![[
        "ITERATION".to_owned(),
        "STATUS".into(),
        "TIME".into(),
        "MESSAGE".into(),
    ]];
    for row in rows {
        table.push([
            format!("L{} I{}", row.at.loop_number, row.at.iteration),
            row.status.as_str().to_owned(),
            row.duration_s
                .map_or_else(|| "-".into(), |d| format!("{d:.2} s")),
            row.message.lines().next().unwrap_or("").to_owned(),
        ]);
    }
    format!("{}\n{}", first.id, columns(&table))
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
pub(super) fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
