//! `config/greenloop.toml` validated: where things live, the server, and the limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::checker::Checker;
use super::defaults;
use super::diagnostic::Diagnostic;
use super::raw::RawDaemon;
use super::secret::{self, SecretValue};
use super::server::{self, BrowserAccess, ConnectionLimits};

/// The daemon's validated settings. Every path is absolute.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// The working directory greenloop runs in; every relative path resolves against it.
    pub root: PathBuf,
    /// `[server] listen`.
    pub listen: SocketAddr,
    /// `[server] token`.
    pub token: Option<SecretValue>,
    /// Why the configured token could not be read (an unset variable, a missing file): only
    /// the commands that need the token — `serve`, `check` — refuse to go on; `import`,
    /// `history` and `status` do not need it.
    pub token_problem: Option<Diagnostic>,
    /// `[server] public_read`.
    pub public_read: bool,
    /// `[server] allowed_hosts` and `allowed_origins`.
    pub browser: BrowserAccess,
    /// `[server] header_timeout`, `idle_timeout` and `max_connections`.
    pub connections: ConnectionLimits,
    /// `[paths] loops`.
    pub loops_dir: PathBuf,
    /// `[paths] reports`.
    pub reports_dir: PathBuf,
    /// `[paths] state`.
    pub state_dir: PathBuf,
    /// `[limits] max_concurrent_loops`.
    pub max_concurrent_loops: u32,
    /// `[limits] kill_grace`.
    pub kill_grace: Duration,
    /// `[limits] shutdown_grace`.
    pub shutdown_grace: Duration,
    /// `[limits] log_head`.
    pub log_head: u64,
    /// `[limits] log_tail`.
    pub log_tail: u64,
}

impl DaemonConfig {
    /// The history database.
    pub fn database(&self) -> PathBuf {
        self.state_dir.join(defaults::DATABASE_FILE)
    }

    /// The settings used when there is no config file.
    pub fn defaults(root: &Path) -> Self {
        validate(
            RawDaemon::default(),
            root,
            &mut Checker::new(Path::new(""), ""),
        )
        .expect("the defaults are valid")
    }
}

/// Validates the raw settings, collecting every problem in `check`.
pub fn validate(raw: RawDaemon, root: &Path, check: &mut Checker) -> Option<DaemonConfig> {
    let listen = match &raw.server.listen {
        Some(text) => match text.get_ref().parse::<SocketAddr>() {
            Ok(addr) => addr,
            Err(_) => {
                check.error(text.span(), "`listen` must be an address and port, e.g. \"127.0.0.1:7878\" or \"0.0.0.0:7878\"");
                defaults::LISTEN.parse().expect("valid default")
            }
        },
        None => defaults::LISTEN.parse().expect("valid default"),
    };
    let mut token_problem = None;
    let token = raw.server.token.as_ref().and_then(|source| {
        secret::resolve(source.get_ref(), root)
            .map_err(|message| {
                token_problem = Some(check.diagnostic(source.span(), format!("token: {message}")));
            })
            .ok()
    });
    if !listen.ip().is_loopback() && raw.server.token.is_none() {
        let span = raw.server.listen.as_ref().map_or(0..0, |l| l.span());
        check.error(span, format!("refusing to listen on {listen} without a token: set [server] token = {{ env = \"GREENLOOP_TOKEN\" }}, or listen on 127.0.0.1"));
    }
    server::check_public_token(&raw.server, listen, token.as_ref(), check);
    let browser = server::browser_access(&raw.server, check);
    let connections = server::connection_limits(&raw.server, check);
    let limits = &raw.limits;
    let max_concurrent_loops = match &limits.max_concurrent_loops {
        Some(n) if *n.get_ref() == 0 => {
            check.error(n.span(), "`max_concurrent_loops` must be at least 1");
            1
        }
        Some(n) => *n.get_ref(),
        None => defaults::MAX_CONCURRENT_LOOPS,
    };
    let kill_grace = limits
        .kill_grace
        .as_ref()
        .map_or(Some(defaults::KILL_GRACE), |g| {
            check.duration(g, "kill_grace")
        });
    let shutdown_grace = limits
        .shutdown_grace
        .as_ref()
        .map_or(Some(defaults::SHUTDOWN_GRACE), |g| {
            check.duration(g, "shutdown_grace")
        });
    let log_head = limits
        .log_head
        .as_ref()
        .map_or(Some(defaults::LOG_HEAD), |s| check.byte_size(s, "log_head"));
    let log_tail = limits
        .log_tail
        .as_ref()
        .map_or(Some(defaults::LOG_TAIL), |s| check.byte_size(s, "log_tail"));
    if !check.diagnostics.is_empty() {
        return None;
    }
    let dir = |configured: &Option<String>, default: &str| {
        root.join(configured.as_deref().unwrap_or(default))
    };
    Some(DaemonConfig {
        root: root.to_owned(),
        listen,
        token,
        token_problem,
        public_read: raw.server.public_read,
        browser,
        connections: connections?,
        loops_dir: dir(&raw.paths.loops, defaults::LOOPS_DIR),
        reports_dir: dir(&raw.paths.reports, defaults::REPORTS_DIR),
        state_dir: dir(&raw.paths.state, defaults::STATE_DIR),
        max_concurrent_loops,
        kill_grace: kill_grace?,
        shutdown_grace: shutdown_grace?,
        log_head: log_head?,
        log_tail: log_tail?,
    })
}
