//! `[[log]]` validated: the backend's own logs, read for evidence of root causes — a command's
//! output (`docker logs …`) or the files a glob matches (`/var/log/app/*.log`).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::checker::Checker;
use super::defaults;
use super::raw::RawLog;
use super::steps::argv;
use super::template::Template;

/// A validated `[[log]]`.
#[derive(Debug, Clone)]
pub struct LogPlan {
    /// Unique among the loop's logs; names its lines in the report.
    pub name: String,
    /// Where the log comes from.
    pub source: LogSource,
}

/// Where a `[[log]]` comes from.
#[derive(Debug, Clone)]
pub enum LogSource {
    /// `command`: run like a `[[collect]]`; what it prints is the log.
    Command {
        /// argv, never through a shell.
        argv: Vec<Template>,
        /// Past it the command is stopped; what it printed so far is read.
        timeout: Duration,
    },
    /// `path`: files on this machine.
    Files {
        /// The glob, absolute: a relative `path` is joined to the root (whose own glob
        /// characters are escaped).
        pattern: String,
    },
}

/// Validates every `[[log]]`; `known` says which `${…}` names exist, `root` anchors relative
/// paths.
pub fn log_plans(
    raw: &[RawLog],
    root: &Path,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Vec<LogPlan> {
    let mut names = BTreeSet::new();
    raw.iter()
        .filter_map(|raw| {
            let errors_before = check.diagnostics.len();
            let name = raw.name.get_ref().trim();
            if name.is_empty() {
                check.error(raw.name.span(), "a [[log]] needs a non-empty `name`");
            } else if !names.insert(name.to_owned()) {
                check.error(
                    raw.name.span(),
                    format!("[[log]] `{name}` is defined twice"),
                );
            }
            let source = source(raw, name, root, known, check);
            if check.diagnostics.len() > errors_before {
                return None;
            }
            Some(LogPlan {
                name: name.to_owned(),
                source: source?,
            })
        })
        .collect()
}

fn source(
    raw: &RawLog,
    name: &str,
    root: &Path,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Option<LogSource> {
    let label = if name.is_empty() {
        "a [[log]]".to_owned()
    } else {
        format!("[[log]] `{name}`")
    };
    match (&raw.command, &raw.path) {
        (Some(_), Some(path)) => {
            check.error(
                path.span(),
                format!(
                    "{label} has both `command` and `path`: use `command` for a program that prints the log, `path` for files on this machine"
                ),
            );
            None
        }
        (None, None) => {
            check.error(
                raw.name.span(),
                format!(
                    "{label} needs `command` (a program that prints the log, e.g. [\"docker\", \"logs\", \"api\"]) or `path` (files on this machine, e.g. \"/var/log/app/*.log\")"
                ),
            );
            None
        }
        (Some(command), None) => {
            let example = r#"["docker", "logs", "--since", "${iteration_started_at}", "api"]"#;
            let argv = argv(command, ("command", "[[log]]", example), known, check);
            let timeout = raw
                .timeout
                .as_ref()
                .map_or(Some(defaults::LOG_TIMEOUT), |t| {
                    check.duration(t, "timeout")
                });
            Some(LogSource::Command {
                argv: argv?,
                timeout: timeout?,
            })
        }
        (None, Some(path)) => {
            if let Some(timeout) = &raw.timeout {
                check.error(
                    timeout.span(),
                    "`timeout` applies to a `command`: files are read without running anything",
                );
            }
            glob_pattern(path.get_ref(), root)
                .map_err(|message| check.error(path.span(), message))
                .ok()
                .map(|pattern| LogSource::Files { pattern })
        }
    }
}

/// The absolute glob for `path`, or why it is not one.
fn glob_pattern(path: &str, root: &Path) -> Result<String, String> {
    let path = path.trim();
    if path.is_empty() {
        return Err(
            "`path` is empty: give a file or a glob, e.g. \"/var/log/app/*.log\"".to_owned(),
        );
    }
    if let Err(error) = glob::Pattern::new(path) {
        return Err(format!(
            "`path` is not a valid glob: {} at character {} (write `[*]` for a literal `*`)",
            error.msg,
            error.pos + 1
        ));
    }
    if Path::new(path).is_absolute() {
        return Ok(path.to_owned());
    }
    let root = glob::Pattern::escape(&root.to_string_lossy());
    Ok(Path::new(&root).join(path).to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::glob_pattern;

    #[test]
    fn relative_paths_join_the_root_with_its_glob_characters_escaped() {
        assert_eq!(
            glob_pattern("logs/*.log", Path::new("/srv/green[1]")).unwrap(),
            "/srv/green[[]1[]]/logs/*.log"
        );
        assert_eq!(
            glob_pattern("/var/log/app/*.log", Path::new("/srv")).unwrap(),
            "/var/log/app/*.log"
        );
        assert!(glob_pattern("/var/log/[app", Path::new("/srv")).is_err());
        assert!(glob_pattern("  ", Path::new("/srv")).is_err());
    }
}
