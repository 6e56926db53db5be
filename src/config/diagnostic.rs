//! Config errors (and warnings) that point at `file:line:column` and show the offending line
//! with a caret.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// The file works, but probably not as meant.
    Warning,
}

/// One problem in one config file, located by line and column (both 1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as the user named it (relative to the root when it is inside).
    pub path: PathBuf,
    /// What is wrong, lowercase, without a trailing period.
    pub message: String,
    /// Where, when the problem has a place in the file.
    pub location: Option<Location>,
}

/// A place in a file and the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The line the problem starts on — around the column when the line is long (a one-line
    /// file of megabytes must not be printed whole), with `…` where it was cut.
    pub source_line: String,
    /// Characters of `source_line` before the caret.
    pub caret_at: usize,
    /// How many characters of that line to underline (at least one).
    pub width: usize,
}

/// Characters of a source line shown on each side of the column, at most.
const SHOWN_AROUND: usize = 60;

impl Diagnostic {
    /// A problem at byte range `span` of `source`.
    pub fn at(path: &Path, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: path.to_owned(),
            message: message.into(),
            location: Some(Location::of(source, span)),
        }
    }

    /// A problem with the file as a whole (unreadable, missing).
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: path.to_owned(),
            message: message.into(),
            location: None,
        }
    }

    /// The same problem as a warning.
    pub fn warning(self) -> Self {
        Self {
            severity: Severity::Warning,
            ..self
        }
    }
}

impl Location {
    /// Finds the line and column of `span.start` in `source`.
    fn of(source: &str, span: Range<usize>) -> Self {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let source_line = source[line_start..line_end].trim_end_matches('\r');
        let column = source[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(source, span.end.clamp(start, line_end));
        let width = source[start..end].chars().count().max(1);
        let (shown, caret_at) = window(source_line, column - 1);
        Self {
            line: source[..start].matches('\n').count() + 1,
            column,
            width: width.min(2 * SHOWN_AROUND),
            source_line: shown,
            caret_at,
        }
    }
}

/// `line` cut to [`SHOWN_AROUND`] characters each side of character `at`, and where `at` falls
/// in what is shown.
fn window(line: &str, at: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= 2 * SHOWN_AROUND + 20 {
        return (line.to_owned(), at);
    }
    let from = at.saturating_sub(SHOWN_AROUND);
    let to = (at + SHOWN_AROUND).min(count);
    let mut shown = String::new();
    let mut caret_at = at - from;
    if from > 0 {
        shown.push('…');
        caret_at += 1;
    }
    shown.extend(line.chars().skip(from).take(to - from));
    if to < count {
        shown.push('…');
    }
    (shown, caret_at)
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{severity}: {}", self.message)?;
        let Some(loc) = &self.location else {
            return write!(f, "  --> {}", self.path.display());
        };
        let gutter = loc.line.to_string().len();
        let pad = " ".repeat(gutter);
        let indent: String = loc
            .source_line
            .chars()
            .take(loc.caret_at)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(
            f,
            "{pad}--> {}:{}:{}",
            self.path.display(),
            loc.line,
            loc.column
        )?;
        writeln!(f, "{pad} |")?;
        writeln!(f, "{} | {}", loc.line, loc.source_line)?;
        write!(f, "{pad} | {indent}{}", "^".repeat(loc.width))
    }
}

/// Every problem found in a set of config files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_line_and_column_with_a_caret_under_the_span() {
        let source = "a = 1\n  timout = \"2m\"\n";
        let start = source.find("timout").unwrap();
        let diagnostic = Diagnostic::at(
            Path::new("loops/x.toml"),
            source,
            start..start + 6,
            "unknown field `timout`",
        );
        assert_eq!(
            diagnostic.to_string(),
            "error: unknown field `timout`\n --> loops/x.toml:2:3\n  |\n2 |   timout = \"2m\"\n  |   ^^^^^^"
        );
    }

    #[test]
    fn a_span_past_the_end_points_at_the_last_line() {
        let source = "a = [1,\n";
        let d = Diagnostic::at(Path::new("f.toml"), source, 99..100, "unclosed array");
        let loc = d.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 1));
    }
}
