//! The commands over recorded history: `import`, `history`, `close`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{exit, history};
use crate::config::{self, DaemonConfig, LoopPlan};
use crate::model::LoopName;
use crate::runner::{Request, import_iteration};
use crate::store::Store;

/// `greenloop import <loop> <files…>`; the loop's `[[notify]]` webhooks hear what changed.
pub fn import(
    root: &Path,
    name: &str,
    patterns: &[String],
    suite: Option<String>,
    new_loop: bool,
) -> anyhow::Result<ExitCode> {
    let (config, plan) = match load_for_import(root, name) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("{message}");
            return Ok(exit::usage());
        }
    };
    let files = match expand(patterns) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(exit::usage());
        }
    };
    let suite = suite.unwrap_or_else(|| match plan.suites.as_slice() {
        [only] => only.name.clone(),
        _ => "import".to_owned(),
    });
    let request = Request {
        trigger: "import (cli)".into(),
        new_loop,
    };
    let importing = import_iteration(&config, &plan, &suite, files, request);
    let finished = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(importing)?;
    super::commands::print_summary(root, &finished);
    Ok(exit::for_verdict(finished.iteration.verdict))
}

/// `greenloop history <loop> [--test ID]`.
pub fn history(root: &Path, name: &str, test: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some((config, name)) = config_and_name(root, name) else {
        return Ok(exit::usage());
    };
    if !config.database().exists() {
        print!("{}", history::iterations_table(name.as_str(), &[]));
        return Ok(ExitCode::SUCCESS);
    }
    let store = Store::open(&config.database())?;
    match test {
        None => print!(
            "{}",
            history::iterations_table(name.as_str(), &store.history(&name)?)
        ),
        Some(pattern) => match store.test_history(&name, pattern) {
            Ok(rows) => print!("{}", history::test_table(&rows)),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::usage());
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// `greenloop close <loop>`.
pub fn close(root: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let Some((config, name)) = config_and_name(root, name) else {
        return Ok(exit::usage());
    };
    let mut store = Store::open(&config.database())?;
    match store.close_loop(&name, "closed by user")? {
        Some(number) => println!(
            "closed Loop {number} of `{name}`; the next run starts Loop {}",
            number + 1
        ),
        None => println!("`{name}` has no open loop"),
    }
    Ok(ExitCode::SUCCESS)
}

fn config_and_name(root: &Path, name: &str) -> Option<(DaemonConfig, LoopName)> {
    let config = config::daemon_config(root)
        .map_err(|d| eprintln!("{d}"))
        .ok()?;
    let name = LoopName::new(name)
        .map_err(|e| eprintln!("error: {e}"))
        .ok()?;
    Some((config, name))
}

/// The loop's plan when its file exists, else a bare plan: CI output can be imported under any
/// valid name.
fn load_for_import(root: &Path, name: &str) -> Result<(DaemonConfig, LoopPlan), String> {
    let config = config::daemon_config(root).map_err(|d| d.to_string())?;
    let loop_name = LoopName::new(name).map_err(|e| format!("error: {e}"))?;
    if config.loops_dir.join(format!("{name}.toml")).exists() {
        let plan = config::any_loop_plan(&config, name).map_err(|d| d.to_string())?;
        return Ok((config, plan));
    }
    Ok((config, LoopPlan::bare(loop_name)))
}

/// Expands each pattern as a glob (a plain path is a glob matching itself); every pattern must
/// match at least one file.
fn expand(patterns: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for pattern in patterns {
        let matched: Vec<PathBuf> = glob::glob(pattern)
            .map_err(|e| format!("`{pattern}` is not a valid glob: {e}"))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        if matched.is_empty() {
            return Err(format!("no file matches `{pattern}`"));
        }
        files.extend(
            matched
                .into_iter()
                .map(|p| std::path::absolute(&p).unwrap_or(p)),
        );
    }
    files.sort();
    files.dedup();
    Ok(files)
}
