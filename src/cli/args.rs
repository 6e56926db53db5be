//! The command line, as clap derives it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// greenloop drives deploy → test → diff → report → fix loops against staging until green.
#[derive(Debug, Parser)]
#[command(name = "greenloop", version, about)]
pub struct Args {
    /// The directory greenloop works in: config/, loops/, reports/ and state/ live under it.
    #[arg(long, global = true, env = "GREENLOOP_ROOT", default_value = ".")]
    pub root: PathBuf,
    /// How logs on stderr look: `text`, or `json` (one object per line, for containers).
    #[arg(long, global = true, env = "GREENLOOP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one iteration of a loop now, in the foreground, with live progress.
    ///
    /// Exits 0 when the iteration is green, 1 when failing, 2 on a usage or config error,
    /// 3 when the battery could not run, 130 when interrupted.
    Run {
        /// The loop definition: `loops/<LOOP>.toml`.
        #[arg(value_name = "LOOP")]
        name: String,
        /// Close the open loop and start Iteration 1 of a new one.
        #[arg(long)]
        new_loop: bool,
        /// Iterate — deploy, battery, report, fix — until green (exit 0), the loop is
        /// exhausted or the fix fails (exit 1), or an iteration cannot run (exit 3). Without
        /// `max_iterations`, stops after 10 iterations.
        #[arg(long)]
        until_green: bool,
    },
    /// Validate config/greenloop.toml and every loop file; errors name file:line:column.
    Check,
    /// The daemon: schedules, triggers, the HTTP API. Stops cleanly on SIGTERM or SIGINT.
    Serve,
    /// Ask the running daemon to start the next iteration of a loop.
    ///
    /// Exits 0 when accepted (started or queued), 2 for an unknown loop or a loop file that
    /// does not validate, 3 when no daemon answers, 4 when the loop is busy and its `on_busy`
    /// is `skip`. With `--wait`, follows the iteration and exits like `run`.
    Trigger {
        /// The loop definition.
        #[arg(value_name = "LOOP")]
        name: String,
        /// Close the open loop and start Iteration 1 of a new one.
        #[arg(long)]
        new_loop: bool,
        /// Stream the iteration's progress and exit with its verdict, like `run`.
        #[arg(long)]
        wait: bool,
        /// The daemon's address (default: from `[server] listen`).
        #[arg(long, env = "GREENLOOP_URL")]
        url: Option<String>,
    },
    /// What is running, open loops and last verdicts: from the daemon, or from the history
    /// store when no daemon runs.
    Status {
        /// Only this loop definition.
        #[arg(value_name = "LOOP")]
        name: Option<String>,
        /// The daemon's address (default: from `[server] listen`).
        #[arg(long, env = "GREENLOOP_URL")]
        url: Option<String>,
    },
    /// Exit 0 when the daemon answers `/healthz` (for container health checks).
    Healthcheck {
        /// The daemon's address (default: from `[server] listen`).
        #[arg(long, env = "GREENLOOP_URL")]
        url: Option<String>,
    },
    /// Show a loop definition's iterations (newest first), or one test across them.
    History {
        /// The loop definition.
        #[arg(value_name = "LOOP")]
        name: String,
        /// A test id, or its trailing parts cut at `::` or `.` (`test_events` or
        /// `e2e::test_events` match `ws::tests.e2e::test_events`).
        #[arg(long, value_name = "ID")]
        test: Option<String>,
    },
    /// Record an iteration from existing JUnit files (e.g. CI output) without running anything,
    /// then diff and report it like any other. Exits like `run`.
    Import {
        /// The loop definition; `loops/<LOOP>.toml` may be absent.
        #[arg(value_name = "LOOP")]
        name: String,
        /// JUnit XML files or globs, relative to the current directory.
        #[arg(value_name = "FILES", required = true)]
        files: Vec<String>,
        /// The suite the results belong to (default: the loop's only suite, else `import`).
        #[arg(long)]
        suite: Option<String>,
        /// Close the open loop and start Iteration 1 of a new one.
        #[arg(long)]
        new_loop: bool,
    },
    /// Close the loop definition's open loop; the next run starts a new one.
    Close {
        /// The loop definition.
        #[arg(value_name = "LOOP")]
        name: String,
    },
    /// The demo loop's system under test (`loops/demo.toml` starts it as its service): an
    /// agent-style HTTP and WebSocket backend whose faults are read from a file per request.
    #[command(hide = true)]
    DemoBackend {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:7890")]
        listen: std::net::SocketAddr,
        /// The faults file (relative to the root), re-read on every request and connection.
        #[arg(long)]
        faults: PathBuf,
        /// Copied to `--faults` when that file does not exist yet.
        #[arg(long)]
        defaults: Option<PathBuf>,
    },
}
