//! The shared HTTP client every HTTP probe sends through.

use reqwest::redirect;

/// The user-agent probes announce themselves with.
const USER_AGENT: &str = concat!("greenloop/", env!("CARGO_PKG_VERSION"));

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// reqwest refused the configuration, e.g. no usable TLS roots on this machine.
    #[error("failed to build the HTTP client")]
    Build(#[source] reqwest::Error),
}

/// The client HTTP probes share: rustls on aws-lc-rs, user-agent `greenloop/<version>`, and
/// redirects not followed.
///
/// Redirects are not followed because a probe checks the endpoint it names: a `301` or `302`
/// is reported as that status (list it in `expect_status` when it is expected), and a probe's
/// `Authorization` header is never carried to wherever a redirect points.
///
/// Timeouts are set per request by [`super::run_http`], not here, so one client serves probes
/// with different timeouts.
pub fn client() -> Result<reqwest::Client, ClientError> {
    // Another part of greenloop (or a test) may have installed the provider first; that is
    // the same provider, so "already installed" is not an error.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(redirect::Policy::none())
        .build()
        .map_err(ClientError::Build)
}
