//! The coordinator: the one task that owns what runs. The scheduler, the API, the CLI and
//! signals talk to it by messages; it alone decides whether a trigger starts, queues, coalesces
//! or is refused, and it publishes what it decided as an [`Activity`] snapshot.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::activity::{Accepted, Activity, Queued, Running};
use super::feed::Feed;
use super::run::{self, Outcome, Start};
use crate::config::{self, DaemonConfig, OnBusy};
use crate::model::{IterationRef, LoopName};
use crate::store::Store;

/// A request to start the next iteration of a loop definition.
#[derive(Debug, Clone)]
pub struct TriggerRequest {
    /// The loop definition.
    pub name: LoopName,
    /// Close the open loop and start a new one.
    pub new_loop: bool,
    /// What asked, for the report: "schedule", "manual (api)", …
    pub source: String,
}

/// Why a trigger was not accepted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refused {
    /// There is no such loop file.
    #[error("no loop definition `{0}`: there is no loops/{0}.toml")]
    UnknownLoop(LoopName),
    /// The loop is running and its `on_busy` is `skip`, or another process runs it.
    #[error("loop `{name}` is busy with {running}: {why}")]
    Busy {
        /// The loop definition.
        name: LoopName,
        /// What runs, e.g. "Loop 1 / Iteration 2".
        running: String,
        /// Why that refuses the trigger.
        why: &'static str,
    },
    /// The daemon is shutting down.
    #[error("greenloop is stopping and accepts no new iterations")]
    Stopping,
    /// The loop file does not validate.
    #[error("loops/{name}.toml does not validate:\n{diagnostics}")]
    Invalid {
        /// The loop definition.
        name: LoopName,
        /// What is wrong, file:line:column.
        diagnostics: String,
    },
    /// The iteration could not start (e.g. the history store failed).
    #[error("{0}")]
    Failed(String),
}

/// Messages to the coordinator.
#[derive(Debug)]
pub enum Message {
    /// Start (or queue) the next iteration.
    Trigger(TriggerRequest, oneshot::Sender<Result<Accepted, Refused>>),
    /// A running iteration got its numbers.
    Started {
        /// The loop definition.
        name: LoopName,
        /// Its numbers.
        at: IterationRef,
    },
    /// A running iteration finished.
    Finished {
        /// The loop definition.
        name: LoopName,
        /// How it went.
        outcome: Outcome,
    },
    /// Refuse new triggers, interrupt what runs, and end once it has stopped.
    Stop,
}

/// A cheap handle to the coordinator.
#[derive(Debug, Clone)]
pub struct Handle {
    inbox: mpsc::UnboundedSender<Message>,
    activity: watch::Receiver<Arc<Activity>>,
}

impl Handle {
    /// Asks for the next iteration of `request.name`.
    pub async fn trigger(&self, request: TriggerRequest) -> Result<Accepted, Refused> {
        let (reply, answer) = oneshot::channel();
        if self.inbox.send(Message::Trigger(request, reply)).is_err() {
            return Err(Refused::Stopping);
        }
        answer.await.unwrap_or(Err(Refused::Stopping))
    }

    /// What runs and waits now.
    pub fn activity(&self) -> Arc<Activity> {
        Arc::clone(&self.activity.borrow())
    }

    /// Changes to the activity.
    pub fn watch(&self) -> watch::Receiver<Arc<Activity>> {
        self.activity.clone()
    }

    /// Asks the coordinator to stop.
    pub fn stop(&self) {
        let _ = self.inbox.send(Message::Stop);
    }
}

/// Starts the coordinator task; it ends after `Stop` once no iteration runs.
pub fn spawn(
    config: DaemonConfig,
    feed: Feed,
    tracker: TaskTracker,
) -> (Handle, tokio::task::JoinHandle<()>) {
    let (inbox, receiver) = mpsc::unbounded_channel();
    let (publish, activity) = watch::channel(Arc::new(Activity::default()));
    let coordinator = Coordinator {
        config,
        feed,
        tracker,
        cancel: CancellationToken::new(),
        inbox: inbox.clone(),
        publish,
        state: Activity::default(),
        waiting: VecDeque::new(),
        held: BTreeMap::new(),
        next_trigger_id: 1,
    };
    let task = tokio::spawn(coordinator.run(receiver));
    (Handle { inbox, activity }, task)
}

struct Coordinator {
    config: DaemonConfig,
    feed: Feed,
    tracker: TaskTracker,
    /// Parent of every running iteration's token: cancelled on stop.
    cancel: CancellationToken,
    inbox: mpsc::UnboundedSender<Message>,
    publish: watch::Sender<Arc<Activity>>,
    state: Activity,
    /// Loops with a queued trigger, oldest first: they start as slots free up.
    waiting: VecDeque<LoopName>,
    /// Answers to queued triggers, held until the running iteration of their loop has its
    /// numbers.
    held: BTreeMap<LoopName, Vec<(bool, Reply)>>,
    next_trigger_id: u64,
}

/// Where a trigger's answer goes.
type Reply = oneshot::Sender<Result<Accepted, Refused>>;

impl Coordinator {
    async fn run(mut self, mut receiver: mpsc::UnboundedReceiver<Message>) {
        while let Some(message) = receiver.recv().await {
            match message {
                Message::Trigger(request, reply) => self.trigger(request, reply),
                Message::Started { name, at } => {
                    if let Some(running) = self.running_mut(&name) {
                        running.at = Some(at);
                    }
                    self.release_held(&name);
                }
                Message::Finished { name, outcome } => self.finished(name, outcome),
                Message::Stop => self.stop(),
            }
            self.publish();
            if self.state.stopping && self.state.running() == 0 {
                break;
            }
        }
    }

    fn publish(&self) {
        self.publish.send_replace(Arc::new(self.state.clone()));
    }

    fn running_mut(&mut self, name: &LoopName) -> Option<&mut Running> {
        self.state.loops.get_mut(name)?.running.as_mut()
    }

    fn trigger(
        &mut self,
        request: TriggerRequest,
        reply: oneshot::Sender<Result<Accepted, Refused>>,
    ) {
        if self.state.stopping {
            let _ = reply.send(Err(Refused::Stopping));
            return;
        }
        let path = self.config.loops_dir.join(format!("{}.toml", request.name));
        if !path.is_file() {
            let _ = reply.send(Err(Refused::UnknownLoop(request.name)));
            return;
        }
        let name = request.name.clone();
        let activity = self.state.loops.entry(name.clone()).or_default();
        if let Some(queued) = &mut activity.queued {
            queued.triggers += 1;
            queued.new_loop |= request.new_loop;
            self.count(&name, "coalesced");
            self.answer_queued(&name, true, reply);
            return;
        }
        let busy_with = activity.running.as_ref().map(|running| {
            running
                .at
                .map_or_else(|| "an iteration".to_owned(), |at| at.to_string())
        });
        if let Some(running) = busy_with.clone()
            && on_busy(&self.config, &name) == OnBusy::Skip
        {
            self.count(&name, "skipped");
            let why = "its on_busy is `skip`, so the trigger was skipped";
            let _ = reply.send(Err(Refused::Busy { name, running, why }));
            return;
        }
        let trigger_id = self.next_trigger_id;
        self.next_trigger_id += 1;
        let queued = Queued {
            trigger_id,
            trigger: request.source,
            new_loop: request.new_loop,
            triggers: 1,
            queued_at: Utc::now(),
        };
        if busy_with.is_none() && self.state.running() < self.max_running() {
            self.count(&name, "started");
            self.start(name, queued, Some(reply));
            return;
        }
        self.state.loops.entry(name.clone()).or_default().queued = Some(queued);
        self.waiting.push_back(name.clone());
        self.count(&name, "queued");
        self.answer_queued(&name, false, reply);
    }

    /// Answers a queued trigger with the numbers it expects — or, while the loop's running
    /// iteration has no numbers yet, holds the answer until it has them, so the expectation
    /// never depends on how far the running one got.
    fn answer_queued(&mut self, name: &LoopName, coalesced: bool, reply: Reply) {
        let activity = self.state.loops.get(name);
        if activity
            .and_then(|a| a.running.as_ref())
            .is_some_and(|running| running.at.is_none())
        {
            self.held
                .entry(name.clone())
                .or_default()
                .push((coalesced, reply));
            return;
        }
        let Some(queued) = activity.and_then(|a| a.queued.clone()) else {
            let _ = reply.send(Err(Refused::Stopping));
            return;
        };
        let answer = queued_answer(name, &queued, coalesced, self.expected(name));
        let _ = reply.send(Ok(answer));
    }

    /// Sends the answers held for `name`.
    fn release_held(&mut self, name: &LoopName) {
        for (coalesced, reply) in self.held.remove(name).unwrap_or_default() {
            self.answer_queued(name, coalesced, reply);
        }
    }

    fn max_running(&self) -> usize {
        self.config.max_concurrent_loops as usize
    }

    fn count(&mut self, name: &LoopName, result: &'static str) {
        *self
            .state
            .counters
            .triggers
            .entry((name.clone(), result))
            .or_default() += 1;
    }

    /// The numbers the next queued iteration of `name` expects: after the running one, or
    /// from the store.
    fn expected(&self, name: &LoopName) -> IterationRef {
        let activity = self.state.loops.get(name);
        let new_loop = activity
            .and_then(|a| a.queued.as_ref())
            .is_some_and(|q| q.new_loop);
        if let Some(at) = activity.and_then(|a| a.running.as_ref()?.at) {
            return if new_loop {
                IterationRef {
                    loop_number: at.loop_number + 1,
                    iteration: 1,
                }
            } else {
                IterationRef {
                    loop_number: at.loop_number,
                    iteration: at.iteration + 1,
                }
            };
        }
        Store::open(&self.config.database())
            .and_then(|store| store.next_iteration(name, new_loop))
            .unwrap_or_else(|e| {
                tracing::warn!("failed to read the next numbers of {name}: {e}");
                IterationRef {
                    loop_number: 1,
                    iteration: 1,
                }
            })
    }

    fn start(
        &mut self,
        name: LoopName,
        queued: Queued,
        reply: Option<oneshot::Sender<Result<Accepted, Refused>>>,
    ) {
        let activity = self.state.loops.entry(name.clone()).or_default();
        activity.running = Some(Running {
            trigger_id: queued.trigger_id,
            trigger: queued.trigger.clone(),
            at: None,
            started_at: Utc::now(),
        });
        let start = Start {
            config: self.config.clone(),
            name,
            trigger_id: queued.trigger_id,
            trigger: queued.trigger,
            new_loop: queued.new_loop,
            reply,
            feed: self.feed.clone(),
            coordinator: self.inbox.clone(),
            cancel: self.cancel.child_token(),
        };
        self.tracker.spawn(run::run(start));
    }

    fn finished(&mut self, name: LoopName, outcome: Outcome) {
        if let Some(activity) = self.state.loops.get_mut(&name) {
            activity.running = None;
        }
        self.release_held(&name);
        let counters = &mut self.state.counters;
        if let Some(verdict) = outcome.verdict {
            *counters
                .finished
                .entry((name.clone(), verdict))
                .or_default() += 1;
            let (sum, count) = counters.durations.entry(name.clone()).or_default();
            *sum += outcome.duration.as_secs_f64();
            *count += 1;
            if let Some(rate) = outcome.pass_rate {
                counters.pass_rate.insert(name.clone(), rate);
            }
        }
        if let Some(source) = outcome.continue_with
            && !self.state.stopping
        {
            let (reply, _) = oneshot::channel();
            let request = TriggerRequest {
                name: name.clone(),
                new_loop: false,
                source,
            };
            self.trigger(request, reply);
        }
        self.start_waiting();
        if self
            .state
            .loops
            .get(&name)
            .is_some_and(|activity| activity.is_idle())
        {
            self.state.loops.remove(&name);
        }
    }

    /// Starts queued triggers, oldest first, while slots are free and their loop is idle.
    fn start_waiting(&mut self) {
        while self.state.running() < self.max_running() {
            let Some(index) = self.waiting.iter().position(|name| {
                self.state
                    .loops
                    .get(name)
                    .is_some_and(|a| a.running.is_none())
            }) else {
                return;
            };
            let name = self.waiting.remove(index).expect("the index was found");
            let Some(queued) = self
                .state
                .loops
                .get_mut(&name)
                .and_then(|a| a.queued.take())
            else {
                continue;
            };
            self.start(name, queued, None);
        }
    }

    fn stop(&mut self) {
        self.state.stopping = true;
        self.waiting.clear();
        // Dropped answers tell their callers that the daemon is stopping.
        self.held.clear();
        for activity in self.state.loops.values_mut() {
            activity.queued = None;
        }
        self.state.loops.retain(|_, activity| !activity.is_idle());
        self.cancel.cancel();
    }
}

fn queued_answer(name: &LoopName, queued: &Queued, coalesced: bool, at: IterationRef) -> Accepted {
    Accepted {
        loop_name: name.clone(),
        state: "queued",
        trigger_id: queued.trigger_id,
        coalesced,
        at,
    }
}

/// The loop's `on_busy`, read from its file now so edits apply; `queue` when the file does not
/// validate (the iteration will then fail with the config error).
fn on_busy(config: &DaemonConfig, name: &LoopName) -> OnBusy {
    config::loop_plan(config, name.as_str()).map_or(OnBusy::Queue, |plan| plan.on_busy)
}
