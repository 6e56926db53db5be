//! WebSocket probe benchmark: 1,000 concurrent connections, each seeing the five agent events,
//! against a local axum server, in one probe run.
//!
//! Run with `cargo bench --bench websocket_flows`. The server runs on its own runtime thread in
//! this process; the figures are the probe's wall time, and this process's peak memory (server
//! included) read from `/proc/self/status`. Exits non-zero when a flow fails.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use greenloop::probe::websocket::{WsProbeSpec, run_websocket};
use greenloop::redact::Redactor;

const CONNECTIONS: u32 = 1_000;
const EVENTS: [&str; 5] = [
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
];

fn main() {
    let addr = serve();
    let spec = WsProbeSpec {
        name: "agent events".into(),
        url: format!("ws://{addr}/ws"),
        headers: Vec::new(),
        send: vec![r#"{"type":"user_message","payload":{"content":"hello"}}"#.into()],
        event_field: "type".into(),
        expect_events: EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        in_order: true,
        timeout: Duration::from_secs(60),
        connections: CONNECTIONS,
        max_message_size: 1 << 20,
        redactor: Redactor::default(),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let before = vm_hwm_kb();
    let started = Instant::now();
    let report = runtime.block_on(run_websocket(&spec));
    let wall = started.elapsed();
    let failed: Vec<_> = report
        .checks()
        .into_iter()
        .filter(|c| c.outcome.status().is_failure())
        .collect();
    let slowest_first_event = report.first_event_ms();

    println!("\n| measurement | result |");
    println!("| --- | ---: |");
    println!("| concurrent connections, 5 events each | {CONNECTIONS} |");
    println!("| wall time of the probe | {:.3} s |", wall.as_secs_f64());
    println!(
        "| slowest time to first event | {} ms |",
        slowest_first_event.map_or("n/a".into(), |m| m.to_string())
    );
    println!(
        "| process peak memory (client and server) | {:.1} MB (before the run: {:.1} MB) |",
        vm_hwm_kb() as f64 / 1024.0,
        before as f64 / 1024.0
    );
    if !failed.is_empty() {
        eprintln!("failed checks: {failed:#?}");
        std::process::exit(1);
    }
    println!("\nall {CONNECTIONS} flows complete");
}

/// The agent stand-in: answers a message with the five events, then closes normally.
fn serve() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = Router::new().route(
                "/ws",
                get(|ws: WebSocketUpgrade| async move { ws.on_upgrade(flow) }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app.into_make_service())
                .await
                .unwrap();
        });
    });
    addr
}

async fn flow(mut socket: WebSocket) {
    if socket.recv().await.is_none() {
        return;
    }
    for event in EVENTS {
        if socket
            .send(Message::Text(format!(r#"{{"type":"{event}"}}"#).into()))
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}
