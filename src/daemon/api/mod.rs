//! The HTTP API of `greenloop serve` (axum): JSON everywhere, errors as `{"error": "…"}`.
//! Every request but `/healthz` passes the browser [`guard`] first, then [`auth`].

mod auth;
mod error;
mod events;
mod guard;
mod loops;
mod metrics;

use std::sync::{Arc, PoisonError};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;
use tower::Layer;

use super::SharedNextFires;
use super::coordinator::Handle;
use super::feed::Feed;
use crate::config::DaemonConfig;
use crate::schedule::NextFires;

/// The largest request body accepted (a trigger's body is a few bytes of JSON).
const BODY_LIMIT: usize = 16 * 1024;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The daemon's settings.
    pub config: Arc<DaemonConfig>,
    /// The coordinator.
    pub coordinator: Handle,
    /// Live events.
    pub feed: Feed,
    /// The armed schedules' next fire times.
    pub next_fires: SharedNextFires,
    /// Cancelled when the daemon stops: closes event streams.
    pub stopping: CancellationToken,
}

impl ApiState {
    /// A copy of the armed schedules' next fire times.
    pub fn next_fires(&self) -> NextFires {
        self.next_fires
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Every route. `/healthz` needs nothing: orchestrators' probes send any `Host`, and it holds
/// no data. Everything else passes [`guard`] (Host, Origin, content type); the dashboard's
/// files need no token, the API goes through [`auth`], where only the events WebSocket takes
/// the token from the query.
pub fn router(state: ApiState) -> Router {
    let api = Router::new()
        .route("/api/v1/loops", get(loops::index))
        .route("/api/v1/loops/{name}", get(loops::one))
        .route(
            "/api/v1/loops/{name}/iterations",
            post(loops::trigger).get(loops::history),
        )
        .route(
            "/api/v1/loops/{name}/iterations/{loop}/{iteration}",
            get(loops::iteration_json),
        )
        .route(
            "/api/v1/loops/{name}/iterations/{loop}/{iteration}/report",
            get(loops::iteration_report),
        )
        .route(
            "/api/v1/loops/{name}/iterations/{loop}/{iteration}/report.html",
            get(loops::iteration_report_html),
        )
        .route("/metrics", get(metrics::render))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    let events = Router::new()
        .route("/api/v1/events", get(events::stream))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token_or_query,
        ));
    let guarded = Router::new()
        .merge(super::dashboard::routes())
        .merge(api)
        .merge(events)
        .fallback(|| async { error::ApiError::not_found("no such endpoint") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::browser_safe,
        ));
    let app = Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .merge(guarded)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    // Around the whole router rather than through `Router::layer`, which wraps each route
    // inside axum's method routing: there a 405 has no `Allow` header yet.
    Router::new().fallback_service(axum::middleware::from_fn(error::json_errors).layer(app))
}
