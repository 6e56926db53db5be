//! The `greenloop` command line: parse, dispatch, map results to exit codes.

mod args;
mod commands;
mod exit;
mod history;
mod progress;
mod records;
mod until_green;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Args, Command};

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    let root = match std::path::absolute(&args.root) {
        Ok(root) => root,
        Err(e) => {
            eprintln!(
                "error: failed to resolve --root {}: {e}",
                args.root.display()
            );
            return exit::usage();
        }
    };
    match args.command {
        Command::Check => commands::check(&root),
        Command::Run {
            name,
            new_loop,
            until_green,
        } => {
            let runtime =
                tokio::runtime::Runtime::new().expect("failed to start the tokio runtime");
            exit::or_failure(if until_green {
                runtime.block_on(until_green::run(&root, &name, new_loop))
            } else {
                runtime.block_on(commands::run(&root, &name, new_loop))
            })
        }
        Command::Import {
            name,
            files,
            suite,
            new_loop,
        } => exit::or_failure(records::import(&root, &name, &files, suite, new_loop)),
        Command::History { name, test } => {
            exit::or_failure(records::history(&root, &name, test.as_deref()))
        }
        Command::Close { name } => exit::or_failure(records::close(&root, &name)),
    }
}

/// Logs go to stderr, filtered by `GREENLOOP_LOG` (default `warn`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GREENLOOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
