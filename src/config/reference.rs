//! The configuration reference: every key of `config/greenloop.toml` and `loops/<name>.toml`
//! with its default and meaning, as the README's tables show it. `tests/config_reference.rs`
//! checks that these tables list exactly the keys the config types accept, and that the README
//! holds their current rendering (CI fails when it is stale).

/// One reference table.
#[derive(Debug)]
pub struct Table {
    /// Its id in the README marker `<!-- reference: <id> -->`.
    pub id: &'static str,
    /// Column headings; the first column is the key.
    pub columns: &'static [&'static str],
    /// One row per key, cells in column order (Markdown).
    pub rows: &'static [&'static [&'static str]],
}

/// Every table, in README order.
pub const TABLES: &[Table] = &[
    Table {
        id: "daemon",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`[server] listen`",
                "`\"127.0.0.1:7878\"`",
                "address for `greenloop serve`; a non-loopback address needs a token of at least 16 characters",
            ],
            &[
                "`[server] token`",
                "none",
                "bearer token for the API: `{ env = \"NAME\" }` or `{ file = \"path\" }`; `trigger`, `status` and `healthcheck` use it too (else `GREENLOOP_TOKEN`); one that cannot be read stops only `serve` and `check`",
            ],
            &[
                "`[server] public_read`",
                "`false`",
                "GET requests without the token (triggers always need it)",
            ],
            &[
                "`[server] allowed_hosts`",
                "`[]`",
                "names the API answers to besides IP addresses and `localhost`, e.g. `[\"greenloop.example.com\"]` (any port) or `[\"gl.internal:8443\"]`; any other `Host` is refused (403) against DNS rebinding (see [Browser safety](#browser-safety))",
            ],
            &[
                "`[server] allowed_origins`",
                "`[]`",
                "web pages besides the daemon's own that may trigger and open the events WebSocket, e.g. `[\"https://ops.example.com\"]`; other origins are refused (403)",
            ],
            &[
                "`[server] header_timeout`",
                "`\"10s\"`",
                "a new connection must send its first request's head within this; else it is closed",
            ],
            &[
                "`[server] idle_timeout`",
                "`\"60s\"`",
                "a kept-alive connection must send its next request's head within this of the previous answer; else it is closed (event WebSockets are not affected)",
            ],
            &[
                "`[server] max_connections`",
                "`256`",
                "open connections at once, event WebSockets included; more wait to be accepted until one closes",
            ],
            &["`[paths] loops`", "`\"loops\"`", "loop definitions"],
            &["`[paths] reports`", "`\"reports\"`", "reports and logs"],
            &[
                "`[paths] state`",
                "`\"state\"`",
                "the history database `greenloop.db`",
            ],
            &[
                "`[limits] max_concurrent_loops`",
                "`2`",
                "iterations the daemon runs at once, across loop definitions (one loop definition never runs two)",
            ],
            &[
                "`[limits] kill_grace`",
                "`\"5s\"`",
                "between SIGTERM and SIGKILL of a suite's process group",
            ],
            &[
                "`[limits] shutdown_grace`",
                "`\"30s\"`",
                "how long `serve` waits after SIGTERM for running iterations to stop their suites and write their `interrupted` reports",
            ],
            &[
                "`[limits] log_head`",
                "`\"1MiB\"`",
                "output kept from the start of each suite's log",
            ],
            &[
                "`[limits] log_tail`",
                "`\"1MiB\"`",
                "output kept from the end; the middle of a larger output is cut, and the log says how much",
            ],
        ],
    },
    Table {
        id: "loop",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`title`",
                "the name",
                "report heading: `# <title> — Loop <L> / Iteration <I>`",
            ],
            &[
                "`focus`",
                "none",
                "what this loop is about, shown in the report",
            ],
            &[
                "`environment`",
                "none",
                "where it runs, shown in the report (`environment_name` in JSON)",
            ],
            &[
                "`max_iterations`",
                "unlimited",
                "the loop closes (exhausted) after this many iterations",
            ],
            &[
                "`pass_threshold`",
                "`1.0`",
                "pass rate non-critical tests need for green (critical suites must pass whole)",
            ],
            &[
                "`keep_iterations`",
                "`500`",
                "iterations whose test results and logs are kept; older ones keep their summary row (verdict, totals) for `index.md` and `history`",
            ],
            &[
                "`schedule`",
                "none",
                "cron expression, seconds first: when `greenloop serve` triggers this loop by itself (see [Schedules](#schedules))",
            ],
            &[
                "`timezone`",
                "`\"UTC\"`",
                "IANA zone the `schedule` is read in, e.g. `\"Europe/Berlin\"`; affects nothing else",
            ],
            &[
                "`on_busy`",
                "`\"queue\"`",
                "what a trigger does while the loop runs an iteration: `\"queue\"` or `\"skip\"`",
            ],
            &[
                "`public_vars`",
                "`[]`",
                "names of `[vars]` the report's environment section may show as targets, e.g. `[\"base_url\", \"ws_url\"]` (never a secret)",
            ],
            &[
                "`[vars]`",
                "",
                "`name = \"value\"`: literal strings for `${name}`",
            ],
            &[
                "`[secrets]`",
                "",
                "`name = { env = \"VAR\" }` or `{ file = \"path\" }` (a regular file of at most 64 KiB): resolved at load, masked as `***` in every form everywhere greenloop writes (see [Secrets](#secrets))",
            ],
            &[
                "`[env]`",
                "",
                "environment for every suite; values may use `${…}`",
            ],
            &["`[battery] parallel`", "`1`", "suites run at once"],
            &["`[[suite]]`", "", "at least one (or a `[[probe]]`)"],
            &[
                "`[[probe]]`",
                "",
                "built-in HTTP and WebSocket checks, run beside the suites (below)",
            ],
            &[
                "`[deploy]`",
                "none",
                "brings the system under test up before the battery (below)",
            ],
            &[
                "`[[collect]]`",
                "none",
                "diagnostics attached to failing iterations (below)",
            ],
            &[
                "`[[log]]`",
                "none",
                "the backend's own logs, read for evidence when an iteration fails (below)",
            ],
            &["`[fix]`", "none", "runs after a failing iteration (below)"],
            &[
                "`[[notify]]`",
                "none",
                "webhooks told when the loop's state changes (see [Notifications](#notifications))",
            ],
        ],
    },
    Table {
        id: "suite",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`name`",
                "required",
                "letters, digits, `-`, `_`, `.`; unique; part of test ids and file names",
            ],
            &[
                "`command`",
                "required",
                "argv array, run without a shell (write `[\"sh\", \"-c\", \"…\"]` for one)",
            ],
            &["`workdir`", "the root", "relative to the root"],
            &[
                "`env`",
                "",
                "the suite's own environment, on top of `[env]`",
            ],
            &[
                "`junit`",
                "a path greenloop picks",
                "where the suite writes JUnit, relative to the root: a path or a glob (`\"target/surefire-reports/TEST-*.xml\"`)",
            ],
            &[
                "`timeout`",
                "`\"30m\"`",
                "whole-suite limit; past it the process group is stopped and the suite is `timeout`",
            ],
            &[
                "`idle_timeout`",
                "none",
                "no output for this long also counts as a hang",
            ],
            &[
                "`critical`",
                "`false`",
                "must pass for green, whatever `pass_threshold` says",
            ],
            &[
                "`impact`",
                "none",
                "what its failure means for users, shown when it fails",
            ],
        ],
    },
    Table {
        id: "probe",
        columns: &["key", "kinds", "default", "meaning"],
        rows: &[
            &["`kind`", "", "required", "`\"http\"` or `\"websocket\"`"],
            &[
                "`name`",
                "",
                "required",
                "unique; tests are `probe::<name>::<check>`",
            ],
            &[
                "`url`",
                "both",
                "required",
                "`http(s)://` or `ws(s)://`; `${…}` templates; checked at `check` with vars and secrets filled in",
            ],
            &[
                "`headers`",
                "both",
                "",
                "`{ Authorization = \"Bearer ${token}\" }`; secrets are masked in every message",
            ],
            &[
                "`timeout`",
                "both",
                "`\"10s\"` http (per request), `\"30s\"` websocket (handshake to last event, per connection)",
                "",
            ],
            &["`method`", "http", "`\"GET\"`", ""],
            &["`body`", "http", "", "request body; templates allowed"],
            &[
                "`expect_status`",
                "http",
                "`200`",
                "one status or a list of accepted ones",
            ],
            &[
                "`body_contains`",
                "http",
                "",
                "text the body must contain (check `body`)",
            ],
            &[
                "`json_field`",
                "http",
                "",
                "`{ path = \"data.status\", equals = \"ok\" }` (check `json <path>`)",
            ],
            &[
                "`samples`",
                "http",
                "`1`",
                "requests made one after another, for latency min/avg/max (p95 from 20 answered samples)",
            ],
            &[
                "`send`",
                "websocket",
                "",
                "messages sent after the handshake",
            ],
            &[
                "`event_field`",
                "websocket",
                "`\"type\"`",
                "dotted path of the event name in each JSON message",
            ],
            &[
                "`expect_events`",
                "websocket",
                "required",
                "the events the flow must deliver (one check `event <name>` each)",
            ],
            &[
                "`in_order`",
                "websocket",
                "`false`",
                "the events must arrive in the listed order (check `order`)",
            ],
            &[
                "`connections`",
                "websocket",
                "`1`",
                "concurrent connections; a check fails when any connection fails it (\"3 of 100 connections …\")",
            ],
            &[
                "`max_message_size`",
                "websocket",
                "`\"1MiB\"`",
                "a larger message fails the flow (check `messages`)",
            ],
        ],
    },
    Table {
        id: "deploy",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`command`",
                "",
                "argv run to its end before the battery (`[\"./scripts/deploy.sh\"]`); a non-zero exit, a timeout or a command that cannot start makes the iteration `error` without running the battery",
            ],
            &[
                "`service`",
                "",
                "argv of the system under test itself, started before the battery and kept up while it runs, then stopped (SIGTERM to its process group, `kill_grace`, SIGKILL); exiting before it is ready is an `error`, exiting while the battery runs is said in the report",
            ],
            &[
                "`timeout`",
                "`\"20m\"`",
                "`command` only: past it the command is stopped and the deploy failed",
            ],
            &[
                "`ready_url`",
                "none",
                "polled with GET every 500 ms until it answers 2xx (redirects are not followed); the battery starts only then. Without it a `command` is ready when it exits 0, a `service` once it has run 1 s without exiting",
            ],
            &[
                "`ready_timeout`",
                "`\"2m\"`",
                "how long `ready_url` may take; past it the iteration is `error` (\"never answered 2xx\", with the last answer)",
            ],
            &[
                "`revision`",
                "none",
                "argv whose first non-blank line of stdout (trimmed, at most 200 characters) names what was deployed, e.g. `[\"git\", \"rev-parse\", \"--short\", \"HEAD\"]`; run after the deploy, limited to 30 s; shown in the report header and the JSON",
            ],
            &[
                "`repo`",
                "none",
                "path of a git checkout of what is deployed (relative to the root; needs `revision`): \"What changed\" lists the commits between the last green iteration's revision and this one (`git log --oneline`, at most 50, secrets masked), and the JSON has them under `deployed`",
            ],
        ],
    },
    Table {
        id: "collect",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`name`",
                "required",
                "unique; heads its block in the report's Diagnostics section",
            ],
            &[
                "`command`",
                "required",
                "argv, e.g. `[\"kubectl\", \"logs\", \"deploy/api\", \"--tail=200\"]`",
            ],
            &[
                "`timeout`",
                "`\"2m\"`",
                "past it the command is stopped; what it printed is kept",
            ],
        ],
    },
    Table {
        id: "log",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`name`",
                "required",
                "unique among the loop's logs; names the log's lines in the report",
            ],
            &[
                "`command`",
                "",
                "argv whose output is the log, e.g. `[\"docker\", \"logs\", \"--since\", \"${iteration_started_at}\", \"api\"]`; run like a `[[collect]]`",
            ],
            &[
                "`path`",
                "",
                "a file or a glob, e.g. `\"/var/log/app/*.log\"`; relative to the root; no `${…}`",
            ],
            &[
                "`timeout`",
                "`\"30s\"`",
                "`command` only: past it the command is stopped and what it printed is read",
            ],
        ],
    },
    Table {
        id: "fix",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`command`",
                "required",
                "argv run after a `failing` iteration's report is written, with `GREENLOOP_REPORT` and `GREENLOOP_REPORT_JSON` set to the absolute paths of that report and its JSON; its output goes to `logs/<stem>/fix.log`",
            ],
            &[
                "`timeout`",
                "`\"30m\"`",
                "past it the fix is stopped and counts as failed",
            ],
            &[
                "`auto_continue`",
                "`false`",
                "`greenloop serve`: when the fix succeeds and the loop is still open, queue the next iteration (trigger `fix (after …)`), until green or `max_iterations`",
            ],
        ],
    },
    Table {
        id: "notify",
        columns: &["key", "default", "meaning"],
        rows: &[
            &[
                "`url`",
                "required",
                "where the message is POSTed (`Content-Type: application/json`); takes the same `${…}` names as `[deploy]` (not `${junit}`); checked at `check` with the values filled in; never printed: logs show `https://hooks.slack.com/***`",
            ],
            &[
                "`format`",
                "`\"json\"`",
                "`\"slack\"`: `{\"text\": \"…\"}` in Slack mrkdwn, which Slack incoming webhooks and the tools that copy them (Mattermost, Rocket.Chat, Discord's `/slack` endpoint) accept; `\"json\"`: the object below",
            ],
            &[
                "`on`",
                "every event",
                "the events this webhook gets; an unknown name or an empty list is an error",
            ],
            &[
                "`remind_every`",
                "none (no reminders)",
                "while the loop stays failing, a `reminder` once this long has passed since the last message this webhook got; listing `\"reminder\"` in `on` without it (or setting it while `on` leaves `\"reminder\"` out) is an error",
            ],
            &["`timeout`", "`\"10s\"`", "one attempt's limit"],
        ],
    },
];

impl Table {
    /// The table as Markdown (pipes inside backticks are kept; elsewhere they are escaped).
    pub fn markdown(&self) -> String {
        let mut text = format!(
            "| {} |\n|{}\n",
            self.columns.join(" | "),
            " --- |".repeat(self.columns.len())
        );
        for row in self.rows {
            text.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        text
    }

    /// The keys the table documents, as written in its first column without backticks.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rows.iter().map(|row| row[0].trim_matches('`'))
    }
}

/// `readme` with every `<!-- reference: <id> -->` … `<!-- /reference -->` region replaced by
/// that table's current rendering; an error names a marker without a table.
pub fn render_into(readme: &str) -> Result<String, String> {
    const OPEN: &str = "<!-- reference: ";
    const CLOSE: &str = "<!-- /reference -->";
    let mut out = String::with_capacity(readme.len());
    let mut rest = readme;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let id_end = after
            .find(" -->")
            .ok_or("a reference marker is not closed with ` -->`")?;
        let id = &after[..id_end];
        let table = TABLES
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| format!("no reference table `{id}`"))?;
        let end = after
            .find(CLOSE)
            .ok_or_else(|| format!("reference `{id}` has no `{CLOSE}`"))?;
        out.push_str(&rest[..start]);
        out.push_str(&format!("{OPEN}{id} -->\n{}{CLOSE}", table.markdown()));
        rest = &after[end + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}
