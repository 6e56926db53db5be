//! The agent WebSocket: every `user_message` is answered by the five agent events, unless a
//! fault breaks the stream the way staging breaks it.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use serde_json::{Value, json};

use super::faults::Faults;

/// The events one agent run emits, in order.
pub const AGENT_EVENTS: [&str; 5] = [
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
];

/// Between two events: the agent "works", so time to first event and order mean something.
const EVENT_GAP: Duration = Duration::from_millis(20);

/// Talks to one client until it leaves. `faults` were read when the connection opened.
pub async fn converse(mut socket: WebSocket, faults: Faults, connection: u64) {
    let mut runs = 0;
    while let Some(Ok(message)) = socket.recv().await {
        let Message::Text(text) = message else {
            if matches!(message, Message::Close(_)) {
                return;
            }
            continue;
        };
        let Some(content) = user_message(&text) else {
            continue;
        };
        runs += 1;
        let run_id = format!("run-{connection}-{runs}");
        if faults.ws_1011 {
            tracing::warn!(run_id, "fault ws_1011: closing the WebSocket with 1011");
            let frame = CloseFrame {
                code: close_code::ERROR,
                reason: "internal error".into(),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
            return;
        }
        let shown = if faults.events_stop {
            tracing::warn!(
                run_id,
                "fault events_stop: the event stream stops after agent_started"
            );
            1
        } else {
            AGENT_EVENTS.len()
        };
        for name in &AGENT_EVENTS[..shown] {
            let event = event(name, &run_id, &content);
            if socket.send(Message::text(event.to_string())).await.is_err() {
                return;
            }
            tokio::time::sleep(EVENT_GAP).await;
        }
    }
}

/// The content of a `{"type": "user_message", "payload": {"content": …}}`; other messages are
/// ignored.
fn user_message(text: &str) -> Option<String> {
    let message: Value = serde_json::from_str(text).ok()?;
    if message["type"] != "user_message" {
        return None;
    }
    Some(
        message["payload"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn event(name: &str, run_id: &str, content: &str) -> Value {
    let payload = match name {
        "agent_started" => json!({ "agent": "assistant" }),
        "agent_thinking" => json!({ "thought": format!("Looking up: {content}") }),
        "tool_executing" => json!({ "tool": "search", "args": { "query": content } }),
        "tool_completed" => json!({ "tool": "search", "result": "3 results" }),
        _ => json!({ "answer": format!("Here is what I found about {content}.") }),
    };
    json!({ "type": name, "run_id": run_id, "payload": payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_user_messages_start_a_run() {
        assert_eq!(
            user_message(r#"{"type":"user_message","payload":{"content":"hi"}}"#).as_deref(),
            Some("hi")
        );
        assert_eq!(user_message(r#"{"type":"ping"}"#), None);
        assert_eq!(user_message("not json"), None);
    }

    #[test]
    fn every_event_names_its_type_and_run() {
        for name in AGENT_EVENTS {
            let event = event(name, "run-1-1", "hi");
            assert_eq!(event["type"], name);
            assert_eq!(event["run_id"], "run-1-1");
        }
    }
}
