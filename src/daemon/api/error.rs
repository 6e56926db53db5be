//! API errors as JSON: `{"error": "…"}` with the matching status, for the errors handlers
//! return and, through [`json_errors`], for those axum answers by itself (a path segment that
//! is not a number, a body over the limit, a method a route does not take, a WebSocket
//! handshake gone wrong), which would otherwise be plain text or empty.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most of a non-JSON error body read to quote it: axum's are one line.
const QUOTED_BODY_LIMIT: usize = 4 * 1024;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An answer with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// What the answer says.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500, logged: the caller learns that something failed, the log says what.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!("API request failed: {error}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// Rewrites every error answer that is not JSON yet as `{"error": …}`, keeping its status and
/// headers (`Allow` on a 405, `WWW-Authenticate`): the message is the text axum wrote, or for
/// an empty body the method and what the route allows.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, QUOTED_BODY_LIMIT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = if !text.is_empty() {
        text
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        let allowed = parts
            .headers
            .get(header::ALLOW)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("other methods");
        format!("{method} is not allowed here; this endpoint takes {allowed}")
    } else {
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_ascii_lowercase()
    };
    let mut answer = ApiError::new(status, message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}
