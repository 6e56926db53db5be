//! `GET /api/v1/events`: a WebSocket carrying every live event as a JSON text message.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;

use super::ApiState;

/// Upgrades and streams until the client leaves or the daemon stops.
pub async fn stream(State(state): State<ApiState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| forward(socket, state))
}

async fn forward(mut socket: WebSocket, state: ApiState) {
    let mut events = state.feed.subscribe();
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
