//! Probes end to end: `greenloop run` against real HTTP and WebSocket servers on 127.0.0.1:0.

mod common;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::routing::{get, post};
use common::{Root, code, test_entry, text};

/// Starts the staging stand-in on its own runtime thread and returns its address.
fn staging() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = Router::new()
                .route("/health", get(|| async { "ok" }))
                .route(
                    "/api/agents/start",
                    post(|| async { StatusCode::NOT_FOUND }),
                )
                .route(
                    "/ws",
                    get(|ws: WebSocketUpgrade| async move { ws.on_upgrade(agent_then_1011) }),
                );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app.into_make_service())
                .await
                .unwrap();
        });
    });
    addr
}

/// Answers the user's message with the first agent event, then fails with 1011.
async fn agent_then_1011(mut socket: WebSocket) {
    if socket.recv().await.is_none() {
        return;
    }
    let _ = socket
        .send(Message::Text(r#"{"type":"agent_started"}"#.into()))
        .await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1011,
            reason: "Internal error".into(),
        })))
        .await;
}

#[test]
fn probes_report_a_404_and_a_websocket_that_dies_with_1011() {
    let addr = staging();
    let root = Root::new();
    root.write_loop(
        "staging",
        &format!(
            r#"[vars]
base_url = "http://{addr}"
ws_url = "ws://{addr}/ws"

[[probe]]
kind = "http"
name = "health"
url = "${{base_url}}/health"
samples = 3

[[probe]]
kind = "http"
name = "agent start"
method = "POST"
url = "${{base_url}}/api/agents/start"
expect_status = 200

[[probe]]
kind = "websocket"
name = "agent events"
url = "${{ws_url}}"
send = ['{{"type":"user_message","payload":{{"content":"hello"}}}}']
expect_events = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]
timeout = "5s"
"#
        ),
    );
    let output = root.greenloop(&["run", "staging"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("staging: Loop 1 / Iteration 1 — 0 suites, 3 probes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("✔ probe health — 1/1 checks passed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("✘ probe agent start — 0/1 checks passed"),
        "{stderr}"
    );

    let json = root.latest_json("staging");
    assert_eq!(
        test_entry(&json, "probe::health::status")["status"],
        "passed"
    );
    let start = test_entry(&json, "probe::agent start::status");
    assert_eq!(
        (start["status"].as_str(), start["message"].as_str()),
        (
            Some("failed"),
            Some("POST /api/agents/start answered 404, expected 200")
        )
    );
    assert_eq!(
        test_entry(&json, "probe::agent events::event agent_started")["status"],
        "passed"
    );
    let thinking = test_entry(&json, "probe::agent events::event agent_thinking");
    assert_eq!(thinking["status"], "failed");
    assert!(
        thinking["message"].as_str().unwrap().contains("1011"),
        "{thinking}"
    );
    let probes = json["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 3);
    assert_eq!(probes[0]["kind"], "http");
    assert_eq!(probes[0]["statuses"], serde_json::json!([200, 200, 200]));
    assert_eq!(probes[2]["kind"], "websocket");
    assert_eq!(probes[2]["close"], "1011 (Internal error)");
    assert_eq!(probes[2]["events_missing"].as_array().unwrap().len(), 4);
    let cluster = json["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["count"] == 4)
        .expect("the four missing events are one cluster");
    assert!(
        cluster["signature"].as_str().unwrap().contains("1011"),
        "{cluster}"
    );

    let md = root.latest_md("staging");
    assert!(md.contains("## Probes"), "{md}");
    assert!(
        md.contains("| agent start | `POST /api/agents/start` | 404 | 200 |"),
        "{md}"
    );
    assert!(md.contains("| agent events | `ws://") && md.contains("| 1011 (Internal error) | agent_started | agent_thinking, tool_executing, tool_completed, agent_completed |"), "{md}");
}

#[test]
fn a_loop_of_probes_alone_is_green_when_every_check_passes() {
    let addr = staging();
    let root = Root::new();
    root.write_loop(
        "health",
        &format!("[[probe]]\nkind = \"http\"\nname = \"health\"\nurl = \"http://{addr}/health\"\nbody_contains = \"ok\"\n"),
    );
    let output = root.greenloop(&["run", "health"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("health");
    assert_eq!(json["totals"]["total"], 2);
    assert_eq!(test_entry(&json, "probe::health::body")["status"], "passed");
}
