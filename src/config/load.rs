//! Reading config files from disk: TOML errors and validation errors become [`Diagnostics`].

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::checker::Checker;
use super::daemon::{self, DaemonConfig};
use super::defaults;
use super::diagnostic::{Diagnostic, Diagnostics};
use super::plan::{self, LoopPlan};
use crate::model::LoopName;

/// Loads `config/greenloop.toml` under `root`; its absence means every default.
pub fn daemon_config(root: &Path) -> Result<DaemonConfig, Diagnostics> {
    let path = root.join(defaults::CONFIG_FILE);
    if !path.exists() {
        return Ok(DaemonConfig::defaults(root));
    }
    let shown = shown_path(root, &path);
    let source = read(&path, &shown)?;
    let raw = parse(&shown, &source)?;
    let mut check = Checker::new(&shown, &source);
    daemon::validate(raw, root, &mut check).ok_or_else(|| Diagnostics(check.into_diagnostics()))
}

/// Loads and validates `loops/<name>.toml`, which must have something to run: a suite or a
/// probe.
pub fn loop_plan(config: &DaemonConfig, name: &str) -> Result<LoopPlan, Diagnostics> {
    checked_loop_plan(config, name).0
}

/// Like [`loop_plan`], with the warnings found on the way, whether the file is valid or not.
pub fn checked_loop_plan(
    config: &DaemonConfig,
    name: &str,
) -> (Result<LoopPlan, Diagnostics>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    let plan = load_loop(config, name, &mut warnings).and_then(runnable);
    (plan, warnings)
}

/// Loads and validates `loops/<name>.toml`, which may have nothing to run: a loop fed by
/// `greenloop import` needs no suite.
pub fn any_loop_plan(config: &DaemonConfig, name: &str) -> Result<LoopPlan, Diagnostics> {
    load_loop(config, name, &mut Vec::new())
}

/// `plan` when it has something to run: a suite or a probe.
fn runnable(plan: LoopPlan) -> Result<LoopPlan, Diagnostics> {
    if plan.suites.is_empty() && plan.probes.is_empty() {
        return Err(Diagnostic::whole_file(
            &plan.path,
            "no [[suite]] and no [[probe]]: a loop needs something to run",
        )
        .into());
    }
    Ok(plan)
}

fn load_loop(
    config: &DaemonConfig,
    name: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<LoopPlan, Diagnostics> {
    let path = config.loops_dir.join(format!("{name}.toml"));
    let shown = shown_path(&config.root, &path);
    let loop_name =
        LoopName::new(name).map_err(|e| Diagnostic::whole_file(&shown, e.to_string()))?;
    if !path.exists() {
        let known = loop_names(config).unwrap_or_default().join(", ");
        return Err(Diagnostic::whole_file(
            &shown,
            format!(
                "no loop called `{name}` (loops here: {})",
                if known.is_empty() { "none" } else { &known }
            ),
        )
        .into());
    }
    let source = read(&path, &shown)?;
    let raw = parse(&shown, &source)?;
    let mut check = Checker::new(&shown, &source);
    let plan = plan::validate(loop_name, raw, &config.root, &mut check);
    check
        .warnings
        .sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
    warnings.append(&mut check.warnings);
    let mut plan = plan.ok_or_else(|| Diagnostics(check.into_diagnostics()))?;
    plan.path = shown;
    Ok(plan)
}

/// The names of every `*.toml` in the loops directory, sorted.
pub fn loop_names(config: &DaemonConfig) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(&config.loops_dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// What checking every config file found.
#[derive(Debug, Default)]
pub struct Checked {
    /// The loops whose files are valid.
    pub valid: Vec<String>,
    /// Every error.
    pub errors: Diagnostics,
    /// Every warning, from valid files and invalid ones.
    pub warnings: Vec<Diagnostic>,
}

/// Validates the daemon config and every loop file, returning every problem found.
pub fn check_all(root: &Path) -> (Vec<String>, Diagnostics) {
    let checked = check_files(root);
    (checked.valid, checked.errors)
}

/// Validates the daemon config and every loop file, returning every error and warning.
pub fn check_files(root: &Path) -> Checked {
    let config = match daemon_config(root) {
        Ok(config) => config,
        Err(errors) => {
            return Checked {
                errors,
                ..Checked::default()
            };
        }
    };
    if let Some(problem) = &config.token_problem {
        return Checked {
            errors: problem.clone().into(),
            ..Checked::default()
        };
    }
    let names = match loop_names(&config) {
        Ok(names) => names,
        Err(e) => {
            let shown = shown_path(root, &config.loops_dir);
            return Checked {
                errors: Diagnostic::whole_file(&shown, format!("failed to list loop files: {e}"))
                    .into(),
                ..Checked::default()
            };
        }
    };
    let mut checked = Checked::default();
    for name in names {
        let (plan, mut warnings) = checked_loop_plan(&config, &name);
        checked.warnings.append(&mut warnings);
        match plan {
            Ok(_) => checked.valid.push(name),
            Err(Diagnostics(found)) => checked.errors.0.extend(found),
        }
    }
    checked
}

/// The largest config or loop file read: far beyond any real one.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// The text of a config or loop file: a regular file (a named pipe there must not hang
/// `check`), at most [`MAX_FILE_BYTES`], in UTF-8 (an invalid byte is an error at its line and
/// column).
fn read(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let bytes = crate::regular::read(path, MAX_FILE_BYTES)
        .map_err(|e| Diagnostic::whole_file(shown, format!("failed to read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        Diagnostic::at(
            shown,
            &text,
            at..at + 1,
            "this byte is not valid UTF-8: a loop file is UTF-8 text",
        )
    })
}

fn parse<T: DeserializeOwned>(shown: &Path, source: &str) -> Result<T, Diagnostic> {
    toml::from_str(source).map_err(|e| {
        let message = e.message().trim().to_owned();
        match e.span() {
            Some(span) => Diagnostic::at(shown, source, span, message),
            None => Diagnostic::whole_file(shown, message),
        }
    })
}

/// `path` relative to `root` when it is inside, so messages read `loops/x.toml:3:7`.
fn shown_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map_or_else(|_| path.to_owned(), Path::to_owned)
}
