//! The `greenloop` binary: everything lives in the library; this maps it to a process.

fn main() -> std::process::ExitCode {
    greenloop::cli::main()
}
