//! `${name}` templates in argv, env values, paths and urls, parsed once and rendered per run.
//!
//! `$$` writes a literal `$`. A `$` not followed by `{` or `$` is kept as it is, so shell-ish
//! strings such as `sh -c 'echo $HOME'` pass through untouched.

use std::collections::BTreeMap;

/// A parsed template: literal text and named holes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Name(String),
}

/// Why a template could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `${` without its `}`.
    #[error("`${{` is never closed with `}}` (write `$$` for a literal `$`)")]
    Unclosed,
    /// `${}` or a name with characters other than letters, digits, `_` and `-`.
    #[error(
        "`${{{0}}}` is not a valid name: use letters, digits, `_` and `-` (for the shell's own `${{…}}`, write `$${{` — `$$` is a literal `$`)"
    )]
    BadName(String),
}

impl Template {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(dollar) = rest.find('$') {
            literal.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                literal.push('$');
                rest = tail;
            } else if let Some(tail) = after.strip_prefix('{') {
                let close = tail.find('}').ok_or(TemplateError::Unclosed)?;
                let name = &tail[..close];
                let valid = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    return Err(TemplateError::BadName(name.to_owned()));
                }
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Name(name.to_owned()));
                rest = &tail[close + 1..];
            } else {
                literal.push('$');
                rest = after;
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Self { parts })
    }

    /// The names this template refers to, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Name(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Fills the holes from `values`. Every name was checked at load time, so a missing one is
    /// a bug in greenloop, not in the user's file.
    pub fn render(&self, values: &BTreeMap<String, String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Name(name) => out.push_str(
                    values
                        .get(name)
                        .unwrap_or_else(|| panic!("template name `{name}` was not validated")),
                ),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        [("base_url", "http://h:1"), ("token", "t0k")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn renders_names_and_keeps_other_dollars() {
        let cases = [
            ("${base_url}/health", "http://h:1/health"),
            ("Bearer ${token}", "Bearer t0k"),
            ("cost $5 and $$HOME", "cost $5 and $HOME"),
            ("echo $HOME", "echo $HOME"),
            ("$", "$"),
            ("", ""),
        ];
        for (input, expected) in cases {
            let template = Template::parse(input).unwrap();
            assert_eq!(template.render(&values()), expected, "{input}");
        }
    }

    #[test]
    fn lists_the_names_it_uses() {
        let template = Template::parse("${a}-${b}-${a}").unwrap();
        assert_eq!(template.names().collect::<Vec<_>>(), ["a", "b", "a"]);
    }

    #[test]
    fn rejects_unclosed_and_invalid_names() {
        assert_eq!(Template::parse("${base_url"), Err(TemplateError::Unclosed));
        assert_eq!(
            Template::parse("${}"),
            Err(TemplateError::BadName(String::new()))
        );
        assert_eq!(
            Template::parse("${a b}"),
            Err(TemplateError::BadName("a b".into()))
        );
        // The shell's default-value syntax in an `sh -c` command: say how to write it.
        assert_eq!(
            Template::parse("sleep ${GL_SLEEP:-2}")
                .unwrap_err()
                .to_string(),
            "`${GL_SLEEP:-2}` is not a valid name: use letters, digits, `_` and `-` (for the shell's own `${…}`, write `$${` — `$$` is a literal `$`)"
        );
    }
}
