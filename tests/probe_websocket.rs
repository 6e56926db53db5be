//! The WebSocket probe against real servers on 127.0.0.1: what a report reader would see.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use greenloop::model::{Outcome, TestStatus};
use greenloop::probe::ProbeCheck;
use greenloop::probe::websocket::{WsProbeSpec, WsReport, run_websocket};
use greenloop::redact::Redactor;
use tokio::io::AsyncReadExt;

const EVENTS: [&str; 5] = [
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
];
const SECRET: &str = "s3cret-token-42";

fn event(name: &str) -> Message {
    Message::Text(format!(r#"{{"type":"{name}","payload":{{}}}}"#).into())
}

/// Waits for the client's first text message: the servers answer what the probe sends.
async fn after_first_message(socket: &mut WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if matches!(message, Message::Text(_)) {
            return;
        }
    }
}

async fn send_all(socket: &mut WebSocket, names: &[&str]) {
    for name in names {
        if socket.send(event(name)).await.is_err() {
            return;
        }
    }
}

fn ws(
    names: &'static [&'static str],
    then: Option<(u16, &'static str)>,
) -> impl Fn(WebSocketUpgrade) -> std::future::Ready<Response> + Clone {
    move |upgrade: WebSocketUpgrade| {
        std::future::ready(upgrade.on_upgrade(move |mut socket| async move {
            after_first_message(&mut socket).await;
            send_all(&mut socket, names).await;
            if let Some((code, reason)) = then {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = socket.send(Message::Close(Some(frame))).await;
            } else {
                // Keep the connection open and silent, as a stuck backend would.
                while let Some(Ok(_)) = socket.recv().await {}
            }
        }))
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

async fn server() -> SocketAddr {
    let router = Router::new()
        .route("/happy", get(ws(&EVENTS, Some((1000, "")))))
        .route(
            "/crash",
            get(ws(&EVENTS[..1], Some((1011, "Internal error")))),
        )
        .route(
            "/disorder",
            get(ws(
                &["agent_started", "tool_executing", "agent_thinking"],
                None,
            )),
        )
        .route("/refuse", get(refuse))
        .route("/auth", get(auth))
        .route("/huge", get(huge))
        .route("/invalid", get(invalid))
        .route("/flood", get(flood))
        .route("/every_other", get(every_other));
    serve(router).await
}

async fn refuse(headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (StatusCode::FORBIDDEN, format!("forbidden for {auth}")).into_response()
}

async fn auth(headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let expected = format!("Bearer {SECRET}");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, "no token").into_response();
    }
    ws(&EVENTS, Some((1000, "")))(upgrade).await
}

async fn huge(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket| async move {
        after_first_message(&mut socket).await;
        send_all(&mut socket, &EVENTS[..1]).await;
        let big = format!(
            r#"{{"type":"agent_thinking","blob":"{}"}}"#,
            "x".repeat(64 * 1024)
        );
        let _ = socket.send(Message::Text(big.into())).await;
        while let Some(Ok(_)) = socket.recv().await {}
    })
}

async fn invalid(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket| async move {
        after_first_message(&mut socket).await;
        send_all(&mut socket, &EVENTS[..2]).await;
        let _ = socket.send(Message::Text("Traceback: oops{".into())).await;
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: "".into(),
            })))
            .await;
    })
}

async fn flood(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket| async move {
        after_first_message(&mut socket).await;
        while socket.send(event("noise")).await.is_ok() {}
    })
}

/// Every other connection crashes after its first event; the rest see the whole flow.
async fn every_other(upgrade: WebSocketUpgrade) -> Response {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let crash = COUNT.fetch_add(1, Ordering::SeqCst).is_multiple_of(2);
    if crash {
        ws(&EVENTS[..1], Some((1011, "Internal error")))(upgrade).await
    } else {
        ws(&EVENTS, Some((1000, "")))(upgrade).await
    }
}

fn spec(addr: SocketAddr, path: &str) -> WsProbeSpec {
    WsProbeSpec {
        name: "agent events".into(),
        url: format!("ws://{addr}{path}"),
        headers: Vec::new(),
        send: vec![r#"{"type":"user_message","payload":{"content":"hello"}}"#.into()],
        event_field: "type".into(),
        expect_events: EVENTS.iter().map(|e| e.to_string()).collect(),
        in_order: false,
        timeout: Duration::from_secs(10),
        connections: 1,
        max_message_size: 16 * 1024,
        redactor: Redactor::new([SECRET]),
    }
}

fn check<'a>(checks: &'a [ProbeCheck], name: &str) -> &'a ProbeCheck {
    checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks:#?}"))
}

fn message(checks: &[ProbeCheck], name: &str) -> String {
    let check = check(checks, name);
    assert_eq!(
        check.outcome.status(),
        TestStatus::Failed,
        "{name}: {:?}",
        check.outcome
    );
    check.outcome.message().to_owned()
}

fn assert_all_passed(report: &WsReport) {
    for check in report.checks() {
        assert_eq!(check.outcome, Outcome::Passed, "{}", check.check);
    }
}

#[tokio::test]
async fn happy_flow_passes_every_check_and_times_the_first_event() {
    let addr = server().await;
    let report = run_websocket(&spec(addr, "/happy")).await;
    assert_all_passed(&report);
    let names: Vec<String> = report.checks().into_iter().map(|c| c.check).collect();
    assert_eq!(
        names,
        [
            "connect",
            "event agent_started",
            "event agent_thinking",
            "event tool_executing",
            "event tool_completed",
            "event agent_completed",
            "close",
            "messages"
        ]
    );
    assert!(report.first_event_ms().is_some());
    assert!(
        check(&report.checks(), "event agent_started")
            .duration_s
            .is_some()
    );
    assert!(report.missing_events().is_empty());
}

#[tokio::test]
async fn a_1011_close_fails_the_four_missing_events_with_code_and_reason() {
    let addr = server().await;
    let report = run_websocket(&spec(addr, "/crash")).await;
    let checks = report.checks();
    assert_eq!(check(&checks, "connect").outcome, Outcome::Passed);
    assert_eq!(
        check(&checks, "event agent_started").outcome,
        Outcome::Passed
    );
    for missing in &EVENTS[1..] {
        assert_eq!(
            message(&checks, &format!("event {missing}")),
            "never arrived: connection closed with 1011 (Internal error) after agent_started"
        );
    }
    assert_eq!(
        message(&checks, "close"),
        "server closed with 1011 (Internal error) after 1 of 5 events"
    );
    assert_eq!(report.missing_events(), &EVENTS[1..]);
}

#[tokio::test]
async fn a_refused_upgrade_fails_connect_with_the_status_and_masks_secrets() {
    let addr = server().await;
    let mut spec = spec(addr, &format!("/refuse?token={SECRET}"));
    spec.headers = vec![("Authorization".into(), format!("Bearer {SECRET}"))];
    let report = run_websocket(&spec).await;
    let checks = report.checks();
    let connect = message(&checks, "connect");
    assert_eq!(
        connect,
        "upgrade refused: HTTP 403: forbidden for Bearer ***"
    );
    assert_eq!(
        message(&checks, "event agent_completed"),
        format!("never arrived: {connect}")
    );
    assert_eq!(
        check(&checks, "close").outcome.status(),
        TestStatus::Skipped
    );
    assert!(report.url.ends_with("/refuse?token=***"), "{}", report.url);
    for check in &checks {
        assert!(!check.outcome.message().contains(SECRET));
        assert!(!check.outcome.detail().contains(SECRET));
    }
}

#[tokio::test]
async fn a_secret_in_the_url_that_needs_percent_encoding_still_connects() {
    // `check` parses urls with the url crate, which encodes the space, quote and brackets;
    // the handshake must accept the same url rather than fail with "invalid url".
    const SPECIAL: &str = "S3cr3t Val\"ue<42>/+=&x";
    let addr = server().await;
    let mut spec = spec(addr, &format!("/happy?token={SPECIAL}"));
    spec.headers = vec![("Authorization".into(), format!("Bearer {SPECIAL}"))];
    spec.redactor = Redactor::new([SPECIAL]);
    let report = run_websocket(&spec).await;
    assert_all_passed(&report);
    assert!(report.url.ends_with("/happy?token=***"), "{}", report.url);
}

#[tokio::test]
async fn headers_reach_the_server() {
    let addr = server().await;
    let mut with = spec(addr, "/auth");
    with.headers = vec![("Authorization".into(), format!("Bearer {SECRET}"))];
    assert_all_passed(&run_websocket(&with).await);
    let without = run_websocket(&spec(addr, "/auth")).await;
    assert_eq!(
        message(&without.checks(), "connect"),
        "upgrade refused: HTTP 401: no token"
    );
}

#[tokio::test]
async fn missing_and_out_of_order_events_are_named() {
    let addr = server().await;
    let mut spec = spec(addr, "/disorder");
    spec.in_order = true;
    spec.timeout = Duration::from_millis(500);
    let report = run_websocket(&spec).await;
    let checks = report.checks();
    assert_eq!(
        message(&checks, "order"),
        "out of order: agent_started, tool_executing, agent_thinking \
         (expected agent_started, agent_thinking, tool_executing, tool_completed, agent_completed)"
    );
    assert_eq!(
        message(&checks, "event tool_completed"),
        "never arrived within 500ms (last event: agent_thinking)"
    );
    assert_eq!(
        check(&checks, "event tool_executing").outcome,
        Outcome::Passed
    );
    assert_eq!(check(&checks, "close").outcome, Outcome::Passed);
    assert_eq!(
        report.missing_events(),
        ["tool_completed", "agent_completed"]
    );
}

#[tokio::test]
async fn a_server_that_never_answers_the_handshake_is_bounded_by_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    let mut spec = spec(addr, "/");
    spec.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let report = run_websocket(&spec).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let checks = report.checks();
    assert_eq!(
        message(&checks, "connect"),
        "handshake timed out after 300ms"
    );
    assert_eq!(
        message(&checks, "event agent_started"),
        "never arrived: handshake timed out after 300ms"
    );
}

#[tokio::test]
async fn a_message_over_max_message_size_is_its_own_outcome() {
    let addr = server().await;
    let report = run_websocket(&spec(addr, "/huge")).await;
    let checks = report.checks();
    let too_large = message(&checks, "messages");
    assert!(
        too_large.starts_with("message too large: ")
            && too_large.ends_with("> max_message_size 16384 bytes"),
        "{too_large}"
    );
    let missing = message(&checks, "event agent_thinking");
    assert!(
        missing.starts_with("never arrived: a message of ")
            && missing.ends_with("exceeded max_message_size (16384 bytes) after agent_started"),
        "{missing}"
    );
    assert_eq!(check(&checks, "close").outcome, Outcome::Passed);
}

#[tokio::test]
async fn an_invalid_json_message_is_reported() {
    let addr = server().await;
    let report = run_websocket(&spec(addr, "/invalid")).await;
    let checks = report.checks();
    assert_eq!(
        message(&checks, "messages"),
        "1 message was not JSON: `Traceback: oops{`"
    );
    assert_eq!(
        message(&checks, "event tool_executing"),
        "never arrived: connection closed with 1000 (normal) after agent_thinking; \
         1 message without an event: not JSON: `Traceback: oops{`"
    );
    assert_eq!(check(&checks, "close").outcome, Outcome::Passed);
}

#[tokio::test]
async fn a_hundred_concurrent_connections_all_see_the_flow() {
    let addr = server().await;
    let mut spec = spec(addr, "/happy");
    spec.connections = 100;
    let report = run_websocket(&spec).await;
    assert_eq!(report.connections.len(), 100);
    assert_all_passed(&report);
}

#[tokio::test]
async fn failures_on_some_connections_are_counted() {
    let addr = server().await;
    let mut spec = spec(addr, "/every_other");
    spec.connections = 4;
    let checks = run_websocket(&spec).await.checks();
    assert_eq!(check(&checks, "connect").outcome, Outcome::Passed);
    assert_eq!(
        check(&checks, "event agent_started").outcome,
        Outcome::Passed
    );
    assert_eq!(
        message(&checks, "event agent_completed"),
        "2 of 4 connections: never arrived: connection closed with 1011 (Internal error) after agent_started"
    );
    assert_eq!(
        message(&checks, "close"),
        "2 of 4 connections: server closed with 1011 (Internal error) after 1 of 5 events"
    );
}

#[tokio::test]
async fn a_flood_of_unexpected_events_ends_at_the_timeout_with_bounded_memory() {
    let addr = server().await;
    let mut spec = spec(addr, "/flood");
    spec.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let report = run_websocket(&spec).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let connection = &report.connections[0];
    assert!(connection.messages > connection.events.len());
    assert!(connection.events.len() <= 256);
    assert_eq!(
        message(&report.checks(), "event agent_started"),
        "never arrived within 300ms (last event: noise)"
    );
}
