//! `[server]`'s keys for browsers and connections, validated: `allowed_hosts` and
//! `allowed_origins` (who may address the API from a web page), `header_timeout`,
//! `idle_timeout` and `max_connections` (how long a client may hold a socket, and how many may);
//! and the token a daemon listening beyond loopback needs.

use std::net::SocketAddr;
use std::time::Duration;

use super::checker::Checker;
use super::defaults;
use super::hosts::{HostPort, Origin};
use super::raw::RawServer;
use super::secret::SecretValue;

/// What the API's browser guard lets through beyond the daemon's own names.
#[derive(Debug, Clone, Default)]
pub struct BrowserAccess {
    /// `[server] allowed_hosts`: names (and ports) the daemon answers to besides IP addresses
    /// and `localhost`.
    pub allowed_hosts: Vec<HostPort>,
    /// `[server] allowed_origins`: pages on other origins that may send mutations and open
    /// WebSockets.
    pub allowed_origins: Vec<Origin>,
}

/// How the server treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// `[server] header_timeout`: a new connection's first request head must arrive within it.
    pub header_timeout: Duration,
    /// `[server] idle_timeout`: a kept-alive connection's next request head must arrive within
    /// it of the previous answer.
    pub idle_timeout: Duration,
    /// `[server] max_connections`: open connections at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: defaults::HEADER_TIMEOUT,
            idle_timeout: defaults::IDLE_TIMEOUT,
            max_connections: defaults::MAX_CONNECTIONS as usize,
        }
    }
}

/// Validates `allowed_hosts` and `allowed_origins`, recording each bad entry at its place.
pub fn browser_access(raw: &RawServer, check: &mut Checker) -> BrowserAccess {
    let allowed_hosts = raw
        .allowed_hosts
        .iter()
        .filter_map(|entry| {
            HostPort::parse(entry.get_ref().trim())
                .map_err(|e| check.error(entry.span(), format!("allowed_hosts: {e}")))
                .ok()
        })
        .collect();
    let allowed_origins = raw
        .allowed_origins
        .iter()
        .filter_map(|entry| {
            Origin::from_config(entry.get_ref().trim())
                .map_err(|e| check.error(entry.span(), format!("allowed_origins: {e}")))
                .ok()
        })
        .collect();
    BrowserAccess {
        allowed_hosts,
        allowed_origins,
    }
}

/// Validates `header_timeout`, `idle_timeout` and `max_connections`.
pub fn connection_limits(raw: &RawServer, check: &mut Checker) -> Option<ConnectionLimits> {
    let defaults = ConnectionLimits::default();
    let header_timeout = raw
        .header_timeout
        .as_ref()
        .map_or(Some(defaults.header_timeout), |t| {
            check.duration(t, "header_timeout")
        });
    let idle_timeout = raw
        .idle_timeout
        .as_ref()
        .map_or(Some(defaults.idle_timeout), |t| {
            check.duration(t, "idle_timeout")
        });
    let max_connections = match &raw.max_connections {
        Some(n) if *n.get_ref() == 0 => {
            check.error(
                n.span(),
                "`max_connections` must be at least 1 (the dashboard alone keeps two or three open)",
            );
            None
        }
        Some(n) => Some(*n.get_ref() as usize),
        None => Some(defaults.max_connections),
    };
    Some(ConnectionLimits {
        header_timeout: header_timeout?,
        idle_timeout: idle_timeout?,
        max_connections: max_connections?,
    })
}

/// Beyond loopback anyone on the network can try tokens, so a short or blank one is an
/// error there (at the `token` key; the value is never shown).
pub fn check_public_token(
    raw: &RawServer,
    listen: SocketAddr,
    token: Option<&SecretValue>,
    check: &mut Checker,
) {
    let (Some(source), Some(token)) = (&raw.token, token) else {
        return;
    };
    if listen.ip().is_loopback() {
        return;
    }
    let length = token.expose().trim().chars().count();
    if length >= defaults::MIN_PUBLIC_TOKEN_CHARS {
        return;
    }
    let this_one = match length {
        0 => "this one is blank".to_owned(),
        1 => "this one has 1".to_owned(),
        n => format!("this one has {n}"),
    };
    check.error(
        source.span(),
        format!(
            "a daemon listening on {listen} needs a token of at least {} characters, not counting surrounding whitespace ({this_one}): e.g. `openssl rand -hex 32`",
            defaults::MIN_PUBLIC_TOKEN_CHARS
        ),
    );
}
