//! The bearer token: mutating calls always need it when one is configured, reads too unless
//! `public_read = true`. Compared in constant time. It comes in the `Authorization` header;
//! only the events WebSocket also takes `?access_token=`, because a browser cannot set headers
//! on a WebSocket. Anywhere else a token in the URL would end up in logs, history and
//! `Referer`s, and a link could carry it.

use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::ApiState;
use super::error::ApiError;

/// Lets the request through when it carries the token in its header (or needs none).
pub async fn require_token(state: State<ApiState>, request: Request, next: Next) -> Response {
    guard(state, request, next, false).await
}

/// [`require_token`] for the events WebSocket, where `?access_token=` counts too.
pub async fn require_token_or_query(
    state: State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    guard(state, request, next, true).await
}

async fn guard(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
    query_too: bool,
) -> Response {
    let Some(token) = &state.config.token else {
        return next.run(request).await;
    };
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    if reading && state.config.public_read {
        return next.run(request).await;
    }
    match presented(&request, query_too) {
        Some(given) if bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) => {
            next.run(request).await
        }
        Some(_) => denied("wrong token"),
        None => denied("this endpoint needs `Authorization: Bearer <token>`"),
    }
}

/// The token from `Authorization: Bearer …` (the scheme is case-insensitive, RFC 9110), or,
/// when `query_too`, from `?access_token=…`.
fn presented(request: &Request, query_too: bool) -> Option<String> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    if !query_too {
        return None;
    }
    let Query(query) = Query::<AccessToken>::try_from_uri(request.uri()).ok()?;
    query.access_token
}

/// The query string's token.
#[derive(serde::Deserialize)]
struct AccessToken {
    access_token: Option<String>,
}

fn denied(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}
