//! What the daemon is doing right now, as the coordinator publishes it: running iterations,
//! queued triggers, and counters for `/metrics`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{IterationRef, LoopName, Verdict};

/// A snapshot of the coordinator's state; cheap to clone behind an `Arc`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Activity {
    /// Loops with a running iteration or a queued trigger.
    pub loops: BTreeMap<LoopName, LoopActivity>,
    /// True once the daemon is stopping: triggers are refused.
    pub stopping: bool,
    /// Counters since the daemon started.
    #[serde(skip)]
    pub counters: Counters,
}

impl Activity {
    /// How many iterations are running.
    pub fn running(&self) -> usize {
        self.loops.values().filter(|l| l.running.is_some()).count()
    }

    /// How many triggers wait.
    pub fn queued(&self) -> usize {
        self.loops.values().filter(|l| l.queued.is_some()).count()
    }
}

/// One loop definition's activity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoopActivity {
    /// The iteration running now.
    pub running: Option<Running>,
    /// The trigger waiting for it (or for a free slot under `max_concurrent_loops`).
    pub queued: Option<Queued>,
}

impl LoopActivity {
    /// Nothing running and nothing waiting.
    pub fn is_idle(&self) -> bool {
        self.running.is_none() && self.queued.is_none()
    }
}

/// A running iteration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Running {
    /// The trigger it runs for.
    pub trigger_id: u64,
    /// What started it.
    pub trigger: String,
    /// Its numbers, once the store gave them.
    #[serde(flatten)]
    pub at: Option<IterationRef>,
    /// When it was started.
    pub started_at: DateTime<Utc>,
}

/// A trigger waiting to start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queued {
    /// Its id; triggers coalesced into it share it.
    pub trigger_id: u64,
    /// What asked for it first.
    pub trigger: String,
    /// Whether it starts a new loop (any coalesced trigger asking for one sets it).
    pub new_loop: bool,
    /// How many triggers it stands for.
    pub triggers: u32,
    /// When it was first queued.
    pub queued_at: DateTime<Utc>,
}

/// Totals since the daemon started, for `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Finished iterations by loop and verdict.
    pub finished: BTreeMap<(LoopName, Verdict), u64>,
    /// Sum of finished iterations' durations in seconds, and their count, by loop.
    pub durations: BTreeMap<LoopName, (f64, u64)>,
    /// The pass rate of each loop's latest finished iteration.
    pub pass_rate: BTreeMap<LoopName, f64>,
    /// Triggers by loop and result (`started`, `queued`, `coalesced`, `skipped`).
    pub triggers: BTreeMap<(LoopName, &'static str), u64>,
}

/// The numbers an accepted trigger gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    /// The loop definition.
    pub loop_name: LoopName,
    /// `started` (the numbers are final) or `queued` (they are expected: if the running
    /// iteration closes its loop, this one opens the next).
    pub state: &'static str,
    /// The trigger's id, as the events stream carries it.
    pub trigger_id: u64,
    /// True when the trigger joined one already queued.
    pub coalesced: bool,
    /// Loop and iteration numbers.
    #[serde(flatten)]
    pub at: IterationRef,
}
