//! Every default value in one place; the README's configuration reference quotes these.

use std::time::Duration;

/// `[server] listen`.
pub const LISTEN: &str = "127.0.0.1:7878";
/// `[server] header_timeout`: how long a new connection may take to send its first request's
/// head. Long enough for a slow mobile link, short enough that thousands of half-sent
/// requests cannot pile up.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// `[server] idle_timeout`: how long a kept-alive connection may wait for (and send) its next
/// request. Browsers reuse a connection within seconds; one left longer is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// `[server] max_connections`: open connections (event WebSockets included); past it new ones
/// wait. Well under the usual 1,024 descriptors, leaving room for suites, logs and SQLite.
pub const MAX_CONNECTIONS: u32 = 256;
/// The fewest characters (surrounding whitespace aside) a `[server] token` may have when the
/// daemon listens beyond loopback, where anyone on the network can guess.
pub const MIN_PUBLIC_TOKEN_CHARS: usize = 16;
/// `[paths] loops`.
pub const LOOPS_DIR: &str = "loops";
/// `[paths] reports`.
pub const REPORTS_DIR: &str = "reports";
/// `[paths] state`.
pub const STATE_DIR: &str = "state";
/// Where the daemon settings live, relative to the root.
pub const CONFIG_FILE: &str = "config/greenloop.toml";
/// `[limits] max_concurrent_loops`.
pub const MAX_CONCURRENT_LOOPS: u32 = 2;
/// The longest duration any key accepts (a timeout, a grace, `remind_every`): a year. Longer
/// ones mean "never" by mistake, and a clock cannot be asked for a time that far off.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);
/// The largest size any key accepts (`log_head`, `log_tail`, `max_message_size`).
pub const MAX_SIZE: u64 = 1 << 30;
/// `[limits] kill_grace`: between SIGTERM and SIGKILL of a suite's process group.
pub const KILL_GRACE: Duration = Duration::from_secs(5);
/// `[limits] shutdown_grace`: how long `serve` waits, after SIGTERM, for running iterations
/// to kill their suites and write their interrupted reports.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// `[limits] log_head`: bytes of a suite's output kept from its start.
pub const LOG_HEAD: u64 = 1024 * 1024;
/// `[limits] log_tail`: bytes of a suite's output kept from its end.
pub const LOG_TAIL: u64 = 1024 * 1024;
/// `[battery] parallel`: suites run one at a time unless a loop says otherwise.
pub const PARALLEL: u32 = 1;
/// `keep_iterations`: test results and logs of this many newest iterations are kept; older
/// iterations keep only their summary row (verdict, totals) for the index and history.
pub const KEEP_ITERATIONS: u32 = 500;
/// `timezone`: a `schedule` is read in UTC unless a loop names its zone.
pub const TIMEZONE: chrono_tz::Tz = chrono_tz::Tz::UTC;
/// `on_busy`: a trigger for a busy loop waits (one at most; later ones coalesce into it).
pub const ON_BUSY: super::OnBusy = super::OnBusy::Queue;
/// The history database, under `[paths] state`.
pub const DATABASE_FILE: &str = "greenloop.db";
/// `pass_threshold`: every non-critical test must pass.
pub const PASS_THRESHOLD: f64 = 1.0;
/// A suite's `timeout` when it sets none: long enough for a real battery, short enough that a
/// hang does not hold the loop for a day.
pub const SUITE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// `[deploy] timeout`: how long a deploy command may take.
pub const DEPLOY_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// `[deploy] ready_timeout`: how long `ready_url` may take to answer 2xx.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2 * 60);
/// How often `ready_url` is asked while waiting for it.
pub const READY_POLL_INTERVAL: Duration = Duration::from_millis(500);
/// `[deploy] revision`: how long the revision command may take.
pub const REVISION_TIMEOUT: Duration = Duration::from_secs(30);
/// `[deploy] repo`: how long one `git` call that lists deployed commits may take.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(10);
/// `[deploy] repo`: commits listed per range; the report says how many more there are.
pub const COMMITS_SHOWN: usize = 50;
/// A `service` with no `ready_url` counts as up once it has run this long without exiting.
pub const SERVICE_SETTLE: Duration = Duration::from_secs(1);
/// `[[collect]] timeout`.
pub const COLLECT_TIMEOUT: Duration = Duration::from_secs(2 * 60);
/// `[[log]] timeout`: how long a log `command` (`docker logs …`) may take to print the log.
pub const LOG_TIMEOUT: Duration = Duration::from_secs(30);
/// `[fix] timeout`: a fix may be an agent editing code and redeploying.
pub const FIX_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// `run --until-green` stops after this many iterations when the loop sets no `max_iterations`.
pub const UNTIL_GREEN_CAP: u32 = 10;
/// `[[notify]] timeout`: how long one attempt to deliver a webhook message may take.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts to deliver one webhook message (the first and its retries).
pub const NOTIFY_ATTEMPTS: u32 = 4;
/// The wait before the first retry of a webhook message; it doubles for each further one
/// (0.5 s, 1 s, 2 s).
pub const NOTIFY_BACKOFF: Duration = Duration::from_millis(500);
/// How long all of an iteration's webhook messages may take together, retries included; what
/// is not delivered by then is given up (and logged), so a dead webhook never holds a loop.
pub const NOTIFY_BUDGET: Duration = Duration::from_secs(30);
/// Where the last message each webhook got is remembered, under `[paths] state`.
pub const NOTIFY_STATE_DIR: &str = "notify";
