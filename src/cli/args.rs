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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
    },
    /// Validate config/greenloop.toml and every loop file; errors name file:line:column.
    Check,
}
