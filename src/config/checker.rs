//! Shared validation helpers: collect diagnostics against one file's source text.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::diagnostic::Diagnostic;
use super::template::Template;

/// Collects every problem in one file instead of stopping at the first.
pub struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    /// The errors found so far.
    pub diagnostics: Vec<Diagnostic>,
    /// The warnings found so far; they do not stop the file from being used.
    pub warnings: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    /// A checker for `source`, read from `path`.
    pub fn new(path: &'a Path, source: &'a str) -> Self {
        Self {
            path,
            source,
            diagnostics: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Every problem found, in the order they appear in the file.
    pub fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        self.diagnostics
            .sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
        self.diagnostics
    }

    /// A problem at `span`, not recorded: for problems only some commands care about.
    pub fn diagnostic(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.path, self.source, span, message)
    }

    /// Records a problem at `span`.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::at(self.path, self.source, span, message));
    }

    /// Records something at `span` that works but probably not as meant.
    pub fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.warnings
            .push(Diagnostic::at(self.path, self.source, span, message).warning());
    }

    /// Parses a humantime duration such as `"90s"` or `"2m"`; zero, and anything longer than
    /// [`MAX_DURATION`](super::defaults::MAX_DURATION), is rejected.
    pub fn duration(&mut self, raw: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(raw.get_ref().trim()) {
            Ok(duration) if duration > super::defaults::MAX_DURATION => {
                self.error(
                    raw.span(),
                    format!(
                        "`{key}` is longer than the longest duration greenloop accepts ({} days)",
                        super::defaults::MAX_DURATION.as_secs() / 86_400
                    ),
                );
                None
            }
            Ok(duration) if !duration.is_zero() => Some(duration),
            Ok(_) => {
                self.error(raw.span(), format!("`{key}` must be longer than zero"));
                None
            }
            Err(e) => {
                self.error(
                    raw.span(),
                    format!(
                        "`{key}` is not a duration ({e}): write e.g. \"90s\", \"2m\", \"1h 30m\""
                    ),
                );
                None
            }
        }
    }

    /// Parses a template and checks that every name in it is one of `known`.
    pub fn template(
        &mut self,
        raw: &Spanned<String>,
        known: &dyn Fn(&str) -> bool,
    ) -> Option<Template> {
        match Template::parse(raw.get_ref()) {
            Ok(template) => {
                let unknown: Vec<&str> = template.names().filter(|name| !known(name)).collect();
                if unknown.is_empty() {
                    return Some(template);
                }
                let list = unknown
                    .iter()
                    .map(|name| format!("`${{{name}}}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    raw.span(),
                    format!(
                        "unknown name {list}: define it under [vars] or [secrets], or use a built-in ({})",
                        super::plan::BUILTINS.join(", ")
                    ),
                );
                None
            }
            Err(e) => {
                self.error(raw.span(), e.to_string());
                None
            }
        }
    }

    /// Parses a byte size such as `"1MiB"`, `"512 KB"` or `"4096"`, at most
    /// [`MAX_SIZE`](super::defaults::MAX_SIZE).
    pub fn byte_size(&mut self, raw: &Spanned<String>, key: &str) -> Option<u64> {
        match parse_byte_size(raw.get_ref()) {
            Some(size) if size > super::defaults::MAX_SIZE => {
                self.error(
                    raw.span(),
                    format!("`{key}` is larger than the largest size greenloop accepts (1GiB)"),
                );
                None
            }
            Some(size) => Some(size),
            None => {
                self.error(
                    raw.span(),
                    format!("`{key}` is not a size: write e.g. \"512KiB\", \"1MiB\", \"4096\""),
                );
                None
            }
        }
    }
}

/// `"1MiB"` → 1048576. Units: B, KB, KiB, MB, MiB, GB, GiB (case-insensitive).
pub fn parse_byte_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: u64 = text[..split].parse().ok()?;
    let unit: u64 = match text[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" => 1 << 10,
        "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::parse_byte_size;

    #[test]
    fn byte_sizes() {
        let cases = [
            ("4096", Some(4096)),
            ("1MiB", Some(1 << 20)),
            ("512 KB", Some(512_000)),
            ("2gib", Some(2 << 30)),
            ("1.5MiB", None),
            ("MiB", None),
            ("10 parsecs", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_byte_size(input), expected, "{input}");
        }
    }
}
