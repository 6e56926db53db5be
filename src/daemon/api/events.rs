//! `GET /api/v1/events`: a WebSocket carrying every live event as a JSON text message; with
//! `?replay=true`, each loop's latest cycle so far comes first.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::ApiState;

/// The query of `/api/v1/events` (besides `access_token`, which auth reads).
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    /// Send each loop's events since its latest `iteration_started` first.
    #[serde(default)]
    replay: bool,
}

/// Upgrades and streams until the client leaves or the daemon stops.
pub async fn stream(
    State(state): State<ApiState>,
    Query(query): Query<EventsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| forward(socket, state, query.replay))
}

async fn forward(mut socket: WebSocket, state: ApiState, replay: bool) {
    let mut events = if replay {
        let (missed, events) = state.feed.subscribe_replaying();
        for text in missed {
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        events
    } else {
        state.feed.subscribe()
    };
    loop {
        tokio::select! {
            event = events.recv() => {
                let text = match event {
                    Ok(text) => text.to_string(),
                    Err(RecvError::Lagged(missed)) => {
                        serde_json::json!({ "type": "lagged", "missed": missed }).to_string()
                    }
                    Err(RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            () = state.stopping.cancelled() => break,
        }
    }
    // Axum's graceful shutdown does not wait for WebSockets: say goodbye ourselves.
    let _ = socket.send(Message::Close(None)).await;
}
