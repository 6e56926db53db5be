//! The demo backend's HTTP routes and its server. Every request reads the faults file first.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;

use super::agent::converse;
use super::faults::Faults;

/// How long each route "works" before answering: a backend doing real work takes
/// milliseconds, so the latency figures and test times of the demo's report look like a real
/// one's (and a 0.00 s test still means something is wrong).
mod work {
    use std::time::Duration;

    /// `POST /api/agents/start`: spawning an agent is the slow one.
    pub const START_AGENT: Duration = Duration::from_millis(40);
    /// `GET /api/agents/status`.
    pub const AGENT_STATUS: Duration = Duration::from_millis(8);
    /// `GET /api/tools`.
    pub const TOOLS: Duration = Duration::from_millis(6);
    /// `GET /api/threads`.
    pub const THREADS: Duration = Duration::from_millis(12);
}

/// Why the demo backend stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The server failed while accepting connections.
    #[error("failed to serve the demo backend")]
    Serve(#[source] std::io::Error),
}

#[derive(Clone)]
struct Backend {
    faults: Arc<PathBuf>,
    counter: Arc<AtomicU64>,
}

impl Backend {
    /// The faults now, or a 500 saying why they cannot be read.
    async fn faults(&self) -> Result<Faults, Response> {
        Faults::load(&self.faults).await.map_err(|error| {
            let message = error.describe();
            tracing::error!("{message}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "detail": message })),
            )
                .into_response()
        })
    }

    fn next_id(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// The backend's routes, with the faults read from `faults` on every request:
///
/// - `GET /health` — always `{"status":"ok"}` (the deploy's `ready_url`);
/// - `POST /api/agents/start`, `GET /api/agents/status` — 404 under `agents_404`;
/// - `GET /api/tools` — the agent's tools;
/// - `GET /api/threads` — never answers under `suite_hangs`;
/// - `GET /ws` — the agent WebSocket (`ws_1011`, `events_stop`).
pub fn router(faults: PathBuf) -> Router {
    let backend = Backend {
        faults: Arc::new(faults),
        counter: Arc::new(AtomicU64::new(0)),
    };
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/api/agents/start", post(start_agent))
        .route("/api/agents/status", get(agent_status))
        .route("/api/tools", get(tools))
        .route("/api/threads", get(threads))
        .route("/ws", get(websocket))
        .with_state(backend)
}

/// Serves [`router`] on `listener` until the process is stopped (greenloop sends SIGTERM to
/// the service's process group after the battery).
pub async fn serve(listener: TcpListener, faults: PathBuf) -> Result<(), DemoError> {
    axum::serve(listener, router(faults))
        .await
        .map_err(DemoError::Serve)
}

/// The 404 a missing route gives, as a web framework would answer it.
fn not_found(uri: &Uri) -> Response {
    tracing::warn!("fault agents_404: answering 404 to {uri}");
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "detail": "Not Found" })),
    )
        .into_response()
}

async fn start_agent(State(backend): State<Backend>, uri: Uri) -> Response {
    match backend.faults().await {
        Err(response) => response,
        Ok(faults) if faults.agents_404 => not_found(&uri),
        Ok(_) => {
            tokio::time::sleep(work::START_AGENT).await;
            started(backend.next_id())
        }
    }
}

fn started(id: u64) -> Response {
    Json(json!({
        "agent_id": format!("agent-{id}"),
        "status": "started",
    }))
    .into_response()
}

async fn agent_status(State(backend): State<Backend>, uri: Uri) -> Response {
    match backend.faults().await {
        Err(response) => response,
        Ok(faults) if faults.agents_404 => not_found(&uri),
        Ok(_) => {
            tokio::time::sleep(work::AGENT_STATUS).await;
            Json(json!({ "status": "idle", "agents_running": 0 })).into_response()
        }
    }
}

async fn tools() -> Json<serde_json::Value> {
    tokio::time::sleep(work::TOOLS).await;
    Json(json!({ "tools": ["search", "calculator"] }))
}

async fn threads(State(backend): State<Backend>) -> Response {
    match backend.faults().await {
        Err(response) => response,
        Ok(faults) if faults.suite_hangs => {
            tracing::warn!("fault suite_hangs: GET /api/threads will never answer");
            // The client's own timeout, or greenloop killing the suite, ends the request.
            std::future::pending().await
        }
        Ok(_) => {
            tokio::time::sleep(work::THREADS).await;
            Json(json!({ "threads": [{ "id": "thread-1", "title": "Welcome" }] })).into_response()
        }
    }
}

async fn websocket(State(backend): State<Backend>, upgrade: WebSocketUpgrade) -> Response {
    match backend.faults().await {
        Err(response) => response,
        Ok(faults) => {
            let connection = backend.next_id();
            upgrade.on_upgrade(move |socket| converse(socket, faults, connection))
        }
    }
}
