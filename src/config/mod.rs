//! Configuration: `config/greenloop.toml` and `loops/<name>.toml`, from raw TOML to a plan.

mod checker;
pub mod daemon;
pub mod defaults;
pub mod diagnostic;
pub mod hosts;
pub mod load;
pub mod logs;
pub mod notify;
pub mod plan;
pub mod probe;
mod public_vars;
mod raw;
pub mod reference;
mod schedule;
pub mod secret;
pub mod server;
pub mod steps;
pub mod template;

pub use daemon::DaemonConfig;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use load::{
    Checked, any_loop_plan, check_all, check_files, checked_loop_plan, daemon_config, loop_names,
    loop_plan,
};
pub use logs::{LogPlan, LogSource};
pub use notify::NotifyPlan;
pub use plan::{LoopPlan, SuitePlan};
pub use probe::{ProbeKind, ProbePlan};
pub use schedule::OnBusy;
pub use steps::{CollectPlan, DeployMode, DeployPlan, FixPlan};
pub use template::Template;
