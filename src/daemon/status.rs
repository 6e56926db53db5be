//! The state of every loop definition — its file, open loop, last verdict, and what runs or
//! waits now — as the API and `greenloop status` show it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::activity::{Activity, Queued, Running};
use crate::config::{self, DaemonConfig};
use crate::model::{IterationRef, IterationSummary, LoopName, Totals, Verdict};
use crate::schedule::NextFires;
use crate::store::{Store, StoreError};

/// One loop definition's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoopStatus {
    /// The loop definition.
    pub name: LoopName,
    /// Its `title`, when its file validates.
    pub title: Option<String>,
    /// Whether `loops/<name>.toml` exists (a loop can have history from `import` alone).
    pub defined: bool,
    /// Why its file does not validate, when it does not.
    pub config_error: Option<String>,
    /// Its `schedule`, when it has one.
    pub schedule: Option<String>,
    /// When the daemon's armed schedule fires next (UTC); `None` without a daemon, without a
    /// schedule, or for a schedule added since the daemon last read the loop files (SIGHUP).
    #[serde(default)]
    pub next_run: Option<DateTime<Utc>>,
    /// The open loop's number.
    pub open_loop: Option<u32>,
    /// The newest finished iteration.
    pub last: Option<LastIteration>,
    /// How many iterations are recorded.
    pub iterations: usize,
    /// Pass rates of the newest iterations, oldest first (for sparklines).
    pub recent_pass_rates: Vec<Option<f64>>,
    /// The iteration running now.
    pub running: Option<Running>,
    /// The trigger waiting.
    pub queued: Option<Queued>,
}

/// The newest finished iteration of a loop definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastIteration {
    /// Its numbers.
    #[serde(flatten)]
    pub at: IterationRef,
    /// Its verdict.
    pub verdict: Verdict,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its totals.
    pub totals: Totals,
    /// Its pass rate.
    pub pass_rate: Option<f64>,
    /// Its report's file stem under `reports/<name>/`.
    pub report_stem: Option<String>,
}

/// How many pass rates `recent_pass_rates` holds.
const RECENT: usize = 20;

/// Every loop definition: files in `loops/` and loops with history, sorted by name.
pub fn all(
    config: &DaemonConfig,
    activity: &Activity,
    next_fires: &NextFires,
) -> Result<Vec<LoopStatus>, StoreError> {
    let store = Store::open(&config.database())?;
    let mut names: BTreeSet<LoopName> = store.loop_names()?.into_iter().collect();
    names.extend(
        config::loop_names(config)
            .unwrap_or_default()
            .iter()
            .filter_map(|name| LoopName::new(name).ok()),
    );
    names
        .into_iter()
        .map(|name| status(config, &store, name, activity, next_fires))
        .collect()
}

/// One loop definition, or `None` when it has neither a file nor history.
pub fn one(
    config: &DaemonConfig,
    name: &LoopName,
    activity: &Activity,
    next_fires: &NextFires,
) -> Result<Option<LoopStatus>, StoreError> {
    let store = Store::open(&config.database())?;
    let status = status(config, &store, name.clone(), activity, next_fires)?;
    Ok((status.defined || status.iterations > 0).then_some(status))
}

fn status(
    config: &DaemonConfig,
    store: &Store,
    name: LoopName,
    activity: &Activity,
    next_fires: &NextFires,
) -> Result<LoopStatus, StoreError> {
    let defined = config.loops_dir.join(format!("{name}.toml")).is_file();
    let plan = defined.then(|| config::loop_plan(config, name.as_str()));
    let history = store.history(&name)?;
    let open_loop = store.open_loop(&name)?.map(|at| at.loop_number);
    let now = activity.loops.get(&name);
    Ok(LoopStatus {
        title: plan
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .map(|p| p.title.clone()),
        config_error: plan
            .as_ref()
            .and_then(|p| p.as_ref().err())
            .map(|d| d.to_string()),
        schedule: plan
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .and_then(|p| p.schedule.as_ref())
            .map(ToString::to_string),
        next_run: next_fires.get(&name),
        defined,
        open_loop,
        last: history.iter().find_map(last_iteration),
        iterations: history.len(),
        recent_pass_rates: history
            .iter()
            .filter(|row| row.verdict.is_some())
            .take(RECENT)
            .map(|row| row.totals.pass_rate())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect(),
        running: now.and_then(|n| n.running.clone()),
        queued: now.and_then(|n| n.queued.clone()),
        name,
    })
}

fn last_iteration(row: &IterationSummary) -> Option<LastIteration> {
    Some(LastIteration {
        at: row.at,
        verdict: row.verdict?,
        finished_at: row.finished_at,
        totals: row.totals,
        pass_rate: row.totals.pass_rate(),
        report_stem: row.report_stem.clone(),
    })
}
