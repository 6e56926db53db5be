//! The bearer token: mutating calls always need it when one is configured, reads too unless
//! `public_read = true`. Compared in constant time.

use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::ApiState;
use super::error::ApiError;

/// Lets the request through when it carries the token (or needs none).
pub async fn require_token(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &state.config.token else {
        return next.run(request).await;
    };
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    if reading && state.config.public_read {
        return next.run(request).await;
    }
    match presented(&request) {
        Some(given) if bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) => {
            next.run(request).await
        }
        Some(_) => denied("wrong token"),
        None => denied("this endpoint needs `Authorization: Bearer <token>`"),
    }
}

/// The token from `Authorization: Bearer …`, or from `?access_token=…` (browsers cannot set
/// headers on a WebSocket).
fn presented(request: &Request) -> Option<String> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        return value
            .strip_prefix("Bearer ")
            .map(|token| token.trim().to_owned());
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
