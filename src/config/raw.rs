//! The config files exactly as written: serde structs that reject unknown keys and keep spans.
//!
//! Nothing here is checked beyond TOML types; [`super::plan`] validates these into a plan and
//! uses the spans to point at the offending text.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// `loops/<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoop {
    pub title: Option<String>,
    pub focus: Option<String>,
    pub environment: Option<String>,
    pub max_iterations: Option<Spanned<u32>>,
    pub pass_threshold: Option<Spanned<f64>>,
    pub keep_iterations: Option<Spanned<u32>>,
    pub schedule: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    pub on_busy: Option<Spanned<String>>,
    pub public_vars: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub vars: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub secrets: BTreeMap<Spanned<String>, Spanned<RawSecret>>,
    #[serde(default)]
    pub env: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub battery: RawBattery,
    #[serde(default, rename = "suite")]
    pub suites: Vec<RawSuite>,
    #[serde(default, rename = "probe")]
    pub probes: Vec<RawProbe>,
    pub deploy: Option<Spanned<RawDeploy>>,
    #[serde(default)]
    pub collect: Vec<RawCollect>,
    pub fix: Option<RawFix>,
    #[serde(default, rename = "log")]
    pub logs: Vec<RawLog>,
    #[serde(default, rename = "notify")]
    pub notify: Vec<RawNotify>,
}

/// Where a secret's value comes from: `{ env = "NAME" }` or `{ file = "path" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecret {
    pub env: Option<String>,
    pub file: Option<String>,
}

/// `[battery]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBattery {
    pub parallel: Option<Spanned<u32>>,
}

/// One `[[suite]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSuite {
    pub name: Spanned<String>,
    pub command: Spanned<Vec<Spanned<String>>>,
    pub workdir: Option<Spanned<String>>,
    #[serde(default)]
    pub env: BTreeMap<Spanned<String>, Spanned<String>>,
    pub junit: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub idle_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub critical: bool,
    pub impact: Option<String>,
}

/// `config/greenloop.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemon {
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub paths: RawPaths,
    #[serde(default)]
    pub limits: RawLimits,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: Option<Spanned<String>>,
    pub token: Option<Spanned<RawSecret>>,
    #[serde(default)]
    pub public_read: bool,
    #[serde(default)]
    pub allowed_hosts: Vec<Spanned<String>>,
    #[serde(default)]
    pub allowed_origins: Vec<Spanned<String>>,
    pub header_timeout: Option<Spanned<String>>,
    pub idle_timeout: Option<Spanned<String>>,
    pub max_connections: Option<Spanned<u32>>,
}

/// `[paths]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPaths {
    pub loops: Option<String>,
    pub reports: Option<String>,
    pub state: Option<String>,
}

/// `[limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub max_concurrent_loops: Option<Spanned<u32>>,
    pub kill_grace: Option<Spanned<String>>,
    pub shutdown_grace: Option<Spanned<String>>,
    pub log_head: Option<Spanned<String>>,
    pub log_tail: Option<Spanned<String>>,
}

/// One `[[probe]]`: the keys of every kind; validation rejects keys of the other kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbe {
    pub kind: Spanned<String>,
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    #[serde(default)]
    pub headers: BTreeMap<Spanned<String>, Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    // http
    pub method: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub expect_status: Option<Spanned<ExpectStatus>>,
    pub body_contains: Option<Spanned<String>>,
    pub json_field: Option<Spanned<RawJsonField>>,
    pub samples: Option<Spanned<u32>>,
    // websocket
    pub send: Option<Spanned<Vec<Spanned<String>>>>,
    pub event_field: Option<Spanned<String>>,
    pub expect_events: Option<Spanned<Vec<String>>>,
    pub in_order: Option<Spanned<bool>>,
    pub connections: Option<Spanned<u32>>,
    pub max_message_size: Option<Spanned<String>>,
}

/// `expect_status = 200` or `expect_status = [200, 201]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ExpectStatus {
    One(u16),
    Any(Vec<u16>),
}

/// `json_field = { path = "data.status", equals = "ok" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJsonField {
    pub path: String,
    pub equals: toml::Value,
}

/// `[deploy]`: a `command` that deploys, or a `service` kept up for the iteration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeploy {
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    pub service: Option<Spanned<Vec<Spanned<String>>>>,
    pub timeout: Option<Spanned<String>>,
    pub ready_url: Option<Spanned<String>>,
    pub ready_timeout: Option<Spanned<String>>,
    pub revision: Option<Spanned<Vec<Spanned<String>>>>,
    pub repo: Option<Spanned<String>>,
}

/// One `[[collect]]`: a diagnostics command for failing iterations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCollect {
    pub name: Spanned<String>,
    pub command: Spanned<Vec<Spanned<String>>>,
    pub timeout: Option<Spanned<String>>,
}

/// One `[[log]]`: a backend log read for evidence, from a `command`'s output or the files a
/// `path` glob matches.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    pub name: Spanned<String>,
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    pub path: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

/// `[fix]`: run after a failing iteration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFix {
    pub command: Spanned<Vec<Spanned<String>>>,
    pub timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub auto_continue: bool,
}

/// One `[[notify]]`: a webhook told about state changes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    pub url: Spanned<String>,
    pub format: Option<Spanned<String>>,
    pub on: Option<Spanned<Vec<Spanned<String>>>>,
    pub remind_every: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}
