//! `[[collect]]`: diagnostics gathered for a failing (or error) iteration after its battery,
//! before its report, so the report carries the evidence (backend logs, pod states) with it.

use futures_util::future::join_all;

use super::process::{self, TailLimit};
use super::step;
use super::suite::SuiteContext;
use crate::config::CollectPlan;
use crate::model::Collected;

/// How much of each collect's output the report keeps; its log keeps more.
pub(crate) const COLLECT_TAIL: TailLimit = TailLimit {
    bytes: 64 * 1024,
    lines: 400,
};

/// Runs every collect at once and returns their output in file order.
pub(crate) async fn collect(plans: &[CollectPlan], ctx: &SuiteContext) -> Vec<Collected> {
    join_all(
        plans
            .iter()
            .enumerate()
            .map(|(index, plan)| collect_one(index, plan, ctx)),
    )
    .await
}

async fn collect_one(index: usize, plan: &CollectPlan, ctx: &SuiteContext) -> Collected {
    let log_name = log_name(index, &plan.name);
    let mut spec = step::spec(
        ctx,
        &plan.command,
        Some(plan.timeout),
        &log_name,
        Vec::new(),
    );
    spec.report_tail = COLLECT_TAIL;
    let command = step::shown_argv(&spec);
    let result = process::run(spec).await;
    let run = step::step_run(&result, ctx);
    let (output, output_cut) = match result {
        Ok(outcome) => (outcome.tail, outcome.tail_cut),
        Err(_) => (String::new(), false),
    };
    Collected {
        name: plan.name.clone(),
        command,
        run,
        output,
        output_cut,
        log: step::log_link(ctx, &log_name),
    }
}

/// `collect-<n>-<name>.log`, the name cut down to characters safe in a file name; the number
/// keeps two names that differ only in other characters apart.
fn log_name(index: usize, name: &str) -> String {
    format!("collect-{}-{}.log", index + 1, step::slug(name))
}

#[cfg(test)]
mod tests {
    use super::log_name;

    #[test]
    fn log_names_are_numbered_and_file_safe() {
        assert_eq!(
            log_name(0, "backend errors"),
            "collect-1-backend-errors.log"
        );
        assert_eq!(log_name(2, "../etc/passwd"), "collect-3----etc-passwd.log");
    }
}
