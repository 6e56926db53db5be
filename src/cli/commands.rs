//! The subcommands' bodies: each loads what it needs, calls the library, and prints.

use std::path::Path;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use super::{exit, progress};
use crate::config::{self, DaemonConfig, LoopPlan};
use crate::runner::{Events, Finished, Request, run_cycle};

/// The daemon settings and the loop `name`, or the exit code after printing what is wrong.
pub fn load(root: &Path, name: &str) -> Result<(DaemonConfig, LoopPlan), ExitCode> {
    config::daemon_config(root)
        .and_then(|c| Ok((c.clone(), config::loop_plan(&c, name)?)))
        .map_err(|diagnostics| {
            eprintln!("{diagnostics}");
            exit::usage()
        })
}

/// `greenloop run <loop>`: one iteration, and its `[fix]` when it fails.
pub async fn run(root: &Path, name: &str, new_loop: bool) -> anyhow::Result<ExitCode> {
    let (config, plan) = match load(root, name) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let cancel = CancellationToken::new();
    tokio::spawn(cancel_on_signal(cancel.clone()));
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(progress::print_progress(plan.name.to_string(), receiver));
    let request = Request {
        trigger: "manual (cli)".into(),
        new_loop,
    };
    let cycle = run_cycle(&config, &plan, request, &Events::to(sender), cancel).await;
    let _ = printer.await;
    let cycle = cycle?;
    print_summary(root, &cycle.finished);
    if let Some(fix) = cycle.fix.as_ref().filter(|fix| !fix.succeeded) {
        eprintln!(
            "greenloop: the fix failed ({}); its log: {}",
            fix.summary,
            fix.log.display()
        );
    }
    Ok(exit::for_verdict(cycle.finished.iteration.verdict))
}

/// The verdict line and where the reports are.
pub fn print_summary(root: &Path, finished: &Finished) {
    let it = &finished.iteration;
    let shown = |p: std::path::PathBuf| {
        p.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or(p)
            .display()
            .to_string()
    };
    println!(
        "{} / Iteration {} verdict: {} — {} ({})",
        format_args!("Loop {}", it.loop_number),
        it.number,
        it.verdict,
        progress::counts(&it.totals),
        crate::report::text::percent(it.totals.pass_rate())
    );
    println!("report: {}", shown(finished.paths.markdown()));
    println!("json:   {}", shown(finished.paths.json()));
}

/// `greenloop check`: warnings first (they never fail the check), then errors.
pub fn check(root: &Path) -> ExitCode {
    let config::Checked {
        valid: ok,
        errors: diagnostics,
        warnings,
    } = config::check_files(root);
    for name in &ok {
        println!("ok: loops/{name}.toml");
    }
    for warning in &warnings {
        eprintln!("{warning}\n");
    }
    if diagnostics.is_empty() {
        println!(
            "config is valid ({} loop{})",
            ok.len(),
            if ok.len() == 1 { "" } else { "s" }
        );
        ExitCode::SUCCESS
    } else {
        eprintln!("{diagnostics}");
        let n = diagnostics.0.len();
        eprintln!("\n{n} error{} found", if n == 1 { "" } else { "s" });
        exit::usage()
    }
}

/// Cancels on the first SIGINT or SIGTERM, so running suites are killed and the report says
/// `interrupted`; a second signal exits at once.
pub async fn cancel_on_signal(cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
    eprintln!(
        "greenloop: stopping — killing running suites and writing an interrupted report (signal again to quit now)"
    );
    cancel.cancel();
    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
    std::process::exit(130);
}
