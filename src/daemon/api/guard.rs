//! Browser safety: what keeps web pages from using a daemon the browser can reach. Runs before
//! routing and before the token, on every route but `/healthz`.
//!
//! - **Host** (DNS rebinding): a page on `evil.example` whose name is rebound to 127.0.0.1 is
//!   same-origin with itself, so the browser lets it read the answers; only the `Host` header
//!   says which name was used. It must be an IP address (rebinding needs a name), `localhost`,
//!   or one of `[server] allowed_hosts`. The port is not compared: it is where the client
//!   connected (`ssh -L 9000:…`, `docker -p 8080:7878`), which a rebinding page cannot choose.
//! - **Origin** (cross-site requests): browsers send it on every POST and WebSocket handshake;
//!   there it must be the origin of the `Host` itself (the dashboard) or one of
//!   `[server] allowed_origins`. Clients that are not browsers send none, and pass.
//! - **Content type** (CSRF without an Origin): a form or a `no-cors` fetch can POST
//!   `text/plain`, form data or nothing, but not `application/json` without a preflight, which
//!   the daemon never grants. So on a daemon without a token a mutation must be JSON or carry
//!   `Authorization: Bearer …` (which needs a preflight too). With a token, every mutation
//!   needs that header already, and a missing one is the token check's 401.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::error::ApiError;
use crate::config::hosts::{HostPort, Origin};
use crate::config::server::BrowserAccess;

/// Refuses what a web page on another site could have sent, with a JSON error (logged).
pub async fn browser_safe(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let tokenless = state.config.token.is_none();
    match check(&state.config.browser, tokenless, &request) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "?".to_owned(), |ConnectInfo(peer)| peer.to_string());
            tracing::warn!(
                %peer,
                "refused {} {}: {}",
                request.method(),
                request.uri().path(),
                refusal.message()
            );
            refusal.into_response()
        }
    }
}

/// The first rule `request` breaks.
fn check(access: &BrowserAccess, tokenless: bool, request: &Request) -> Result<(), ApiError> {
    let headers = request.headers();
    let host = host(access, headers)?;
    let mutation = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if mutation || is_websocket(headers) {
        origin(access, &host, headers)?;
    }
    if mutation && tokenless && !headers.contains_key(header::AUTHORIZATION) && !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a request that changes something must send `Content-Type: application/json` (or `Authorization: Bearer …`): a form on another site can send anything else",
        ));
    }
    Ok(())
}

/// The request's `Host`, when the daemon answers to it.
fn host(access: &BrowserAccess, headers: &HeaderMap) -> Result<HostPort, ApiError> {
    let text = headers
        .get(header::HOST)
        .ok_or_else(|| forbidden("the request has no Host header".into()))?
        .to_str()
        .map_err(|_| forbidden("the Host header is not text".into()))?;
    let refused = || {
        forbidden(format!(
            "this daemon does not answer to the Host `{text}` (a page using a name the daemon does not know may be DNS rebinding); if the name is yours, add it to [server] allowed_hosts"
        ))
    };
    let host = HostPort::parse(text).map_err(|_| refused())?;
    let known = host.is_ip()
        || host.name == "localhost"
        || access.allowed_hosts.iter().any(|entry| entry.admits(&host));
    known.then_some(host).ok_or_else(refused)
}

/// Checks `Origin`, when there is one: the page's own (the same authority as `host`) or a
/// listed one.
fn origin(access: &BrowserAccess, host: &HostPort, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or("(not text)");
    let allowed = Origin::from_header(text).is_some_and(|origin| {
        HostPort::parse(&origin.authority).is_ok_and(|authority| authority == *host)
            || access.allowed_origins.contains(&origin)
    });
    if allowed {
        return Ok(());
    }
    Err(forbidden(format!(
        "a page at `{text}` may not send this request: only the daemon's own pages and [server] allowed_origins may trigger or open the event stream; if that page is yours, add its origin to allowed_origins"
    )))
}

/// A WebSocket handshake: not subject to CORS, so the Origin is all that tells a foreign page.
fn is_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// `Content-Type: application/json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

fn forbidden(message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, message)
}
