//! The `greenloop` command line: parse, dispatch, map results to exit codes.

mod args;
mod commands;
mod daemon_client;
mod demo;
mod exit;
mod history;
mod progress;
mod records;
mod serve;
mod status;
mod trigger;
mod until_green;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Args, Command, LogFormat};

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let long_running = matches!(args.command, Command::Serve | Command::DemoBackend { .. });
    init_logging(args.log_format, long_running);
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
    let runtime = || tokio::runtime::Runtime::new().expect("failed to start the tokio runtime");
    match args.command {
        Command::Check => commands::check(&root),
        Command::Serve => exit::or_failure(runtime().block_on(serve::serve(&root))),
        Command::Trigger {
            name,
            new_loop,
            wait,
            url,
        } => exit::or_failure(runtime().block_on(trigger::trigger(
            &root,
            &name,
            new_loop,
            wait,
            url.as_deref(),
        ))),
        Command::Status { name, url } => exit::or_failure(runtime().block_on(status::status(
            &root,
            name.as_deref(),
            url.as_deref(),
        ))),
        Command::Healthcheck { url } => {
            exit::or_failure(runtime().block_on(serve::healthcheck(&root, url.as_deref())))
        }
        Command::Run {
            name,
            new_loop,
            until_green,
        } => exit::or_failure(if until_green {
            runtime().block_on(until_green::run(&root, &name, new_loop))
        } else {
            runtime().block_on(commands::run(&root, &name, new_loop))
        }),
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
        Command::DemoBackend {
            listen,
            faults,
            defaults,
        } => exit::or_failure(runtime().block_on(demo::demo_backend(
            &root,
            listen,
            &faults,
            defaults.as_deref(),
        ))),
    }
}

/// Logs go to stderr as text or JSON, filtered by `GREENLOOP_LOG` (default `info` for the
/// daemon and the demo backend, `warn` for the other commands, whose own output says what
/// happened).
fn init_logging(format: LogFormat, long_running: bool) {
    let default = if long_running {
        "info,tokio_cron_scheduler=warn"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GREENLOOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}
