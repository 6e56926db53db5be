//! The API as a web page would meet it: a tokenless daemon on loopback cannot be driven by
//! another site (cross-origin POSTs, WebSockets from a foreign `Origin`) nor read through DNS
//! rebinding (a `Host` it does not answer to); the token is read only where the docs say; and
//! every error, whoever produced it, is `{"error": …}` JSON.

mod common;
mod daemon_support;

use common::Root;
use daemon_support::TestDaemon;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, ORIGIN};
use serde_json::Value;
use tokio_tungstenite::tungstenite;
use tungstenite::client::IntoClientRequest;

const TOKEN: &str = "a-token-long-enough-for-0.0.0.0";

fn quick_loop() -> &'static str {
    "[[suite]]\nname = \"s\"\ncommand = [\"true\"]\n"
}

/// A tokenless daemon (the default setup) with one loop, `quick`.
async fn tokenless(root: &Root) -> TestDaemon {
    root.write_loop("quick", quick_loop());
    TestDaemon::start(root.path()).await
}

/// The refusal's status and its `error` text, which must be JSON.
fn json_error(status: u16, body: &Value) -> (u16, String) {
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("a {status} whose body is not {{\"error\": …}}: {body}"));
    (status, message.to_owned())
}

/// Nothing was started: no iteration runs, none is queued, and the loop has no history.
async fn nothing_started(d: &TestDaemon) {
    let activity = d.daemon.coordinator().activity();
    assert_eq!(
        (activity.running(), activity.queued()),
        (0, 0),
        "{activity:?}"
    );
    let (status, rows) = d.get("/api/v1/loops/quick/iterations").await;
    assert_eq!(status, 200, "{rows}");
    assert_eq!(rows, serde_json::json!([]), "no iteration was recorded");
}

/// Opens `/api/v1/events` (with `query`) sending `headers`; the HTTP status of a refused
/// handshake and its body, or 101.
async fn upgrade(d: &TestDaemon, query: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let url = format!("{}/api/v1/events{query}", d.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((mut socket, response)) => {
            let _ = socket.close(None).await;
            (response.status().as_u16(), Value::Null)
        }
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            (
                response.status().as_u16(),
                serde_json::from_slice(&body).unwrap_or(Value::Null),
            )
        }
        Err(e) => panic!("the handshake failed without an answer: {e}"),
    }
}

/// A daemon wanting `TOKEN` for everything, with one loop, `quick`.
async fn guarded(root: &Root) -> TestDaemon {
    root.write("token", TOKEN);
    root.write(
        "config/greenloop.toml",
        "[server]\ntoken = { file = \"token\" }\n",
    );
    root.write_loop("quick", quick_loop());
    TestDaemon::start(root.path()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_token_opens_only_the_events_websocket() {
    let root = Root::new();
    let d = guarded(&root).await;
    let query = format!("?access_token={TOKEN}");

    let (status, body) = d
        .send(
            d.http
                .post(format!("{}/api/v1/loops/quick/iterations{query}", d.base))
                .header(CONTENT_TYPE, "application/json"),
            false,
        )
        .await;
    assert_eq!(status, 401, "a trigger needs the header: {body}");
    let (status, body) = d
        .send(d.http.get(format!("{}/api/v1/loops{query}", d.base)), false)
        .await;
    assert_eq!(status, 401, "reads need the header: {body}");
    let (status, body) = upgrade(&d, &query, &[]).await;
    assert_eq!(
        status, 101,
        "browsers cannot set headers on a WebSocket: {body}"
    );
    let (status, _) = upgrade(&d, "", &[]).await;
    assert_eq!(status, 401);
    nothing_started(&d).await;
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_case_insensitive() {
    let root = Root::new();
    let d = guarded(&root).await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let (status, body) = d
            .send(
                d.http
                    .get(format!("{}/api/v1/loops", d.base))
                    .header(AUTHORIZATION, format!("{scheme} {TOKEN}")),
                false,
            )
            .await;
        assert_eq!(status, 200, "{scheme}: {body}");
    }
    let (status, body) = d
        .send(
            d.http
                .get(format!("{}/api/v1/loops", d.base))
                .header(AUTHORIZATION, format!("Basic {TOKEN}")),
            false,
        )
        .await;
    assert_eq!(json_error(status, &body).0, 401);
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_json_whoever_produced_it() {
    let root = Root::new();
    let d = tokenless(&root).await;
    let url = |path: &str| format!("{}{path}", d.base);
    let json = |request: reqwest::RequestBuilder| {
        request
            .header(CONTENT_TYPE, "application/json")
            .header(ORIGIN, &d.base)
    };
    let cases = [
        (
            "a bad number in the URL",
            d.http.get(url("/api/v1/loops/quick/iterations/one/1")),
            400,
            "`one`",
        ),
        (
            "a method the route does not have",
            json(d.http.put(url("/api/v1/loops"))),
            405,
            "PUT is not allowed here; this endpoint takes GET,HEAD",
        ),
        (
            "a body over 16 KiB",
            json(d.http.post(url("/api/v1/loops/quick/iterations"))).body(" ".repeat(20 * 1024)),
            413,
            "length limit",
        ),
        (
            "a body that is not the trigger's JSON",
            json(d.http.post(url("/api/v1/loops/quick/iterations"))).body("[1]"),
            400,
            "new_loop",
        ),
        (
            "the events endpoint without an upgrade",
            d.http.get(url("/api/v1/events")),
            400,
            "upgrade",
        ),
        (
            "a query the events endpoint cannot read",
            d.http.get(url("/api/v1/events?replay=maybe")),
            400,
            "replay",
        ),
        (
            "no such endpoint",
            d.http.get(url("/api/v2")),
            404,
            "no such endpoint",
        ),
    ];
    for (what, request, expected, says) in cases {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.unwrap();
        assert_eq!(status, expected, "{what}: {text}");
        assert_eq!(content_type, "application/json", "{what}: {text}");
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{what}: the body is not JSON: {text:?}"));
        let message = body["error"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{what}: {body}");
    }
    nothing_started(&d).await;
    d.daemon.stop().await.unwrap();
}
