//! The API as a web page would meet it: a tokenless daemon on loopback cannot be driven by
//! another site (cross-origin POSTs, WebSockets from a foreign `Origin`) nor read through DNS
//! rebinding (a `Host` it does not answer to); the token is read only where the docs say; and
//! every error, whoever produced it, is `{"error": …}` JSON.

mod common;
mod daemon_support;

use std::time::Duration;

use common::Root;
use daemon_support::TestDaemon;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use serde_json::Value;
use tokio_tungstenite::tungstenite;
use tungstenite::client::IntoClientRequest;

const LIMIT: Duration = Duration::from_secs(30);
const TOKEN: &str = "a-token-long-enough-for-0.0.0.0";

fn quick_loop() -> &'static str {
    "[[suite]]\nname = \"s\"\ncommand = [\"true\"]\n"
}

/// A tokenless daemon (the default setup) with one loop, `quick`.
async fn tokenless(root: &Root) -> TestDaemon {
    root.write_loop("quick", quick_loop());
    TestDaemon::start(root.path()).await
}

/// `host:port` the daemon listens on.
fn authority(d: &TestDaemon) -> String {
    d.base.trim_start_matches("http://").to_owned()
}

fn port(d: &TestDaemon) -> u16 {
    d.daemon.addr().port()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_origin_form_post_cannot_trigger_a_tokenless_daemon() {
    let root = Root::new();
    let d = tokenless(&root).await;
    let trigger = format!("{}/api/v1/loops/quick/iterations", d.base);

    // What `<form method=post enctype=text/plain>` or `fetch(…, {mode: "no-cors"})` on
    // another site sends: a simple request, no preflight, the page's own Origin.
    let (status, body) = d
        .send(
            d.http
                .post(&trigger)
                .header(ORIGIN, "http://evil.example")
                .header(CONTENT_TYPE, "text/plain"),
            false,
        )
        .await;
    let (status, message) = json_error(status, &body);
    assert_eq!(status, 403, "{message}");
    assert!(message.contains("http://evil.example"), "{message}");
    assert!(message.contains("allowed_origins"), "{message}");

    // A browser that sends no Origin still cannot send a JSON content type cross-site
    // without a preflight, which the daemon never grants.
    for content_type in [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
    ] {
        let (status, body) = d
            .send(
                d.http.post(&trigger).header(CONTENT_TYPE, content_type),
                false,
            )
            .await;
        let (status, message) = json_error(status, &body);
        assert_eq!(status, 415, "{content_type}: {message}");
        assert!(message.contains("application/json"), "{message}");
    }
    let (status, body) = d.send(d.http.post(&trigger), false).await;
    assert_eq!(json_error(status, &body).0, 415, "no content type at all");
    nothing_started(&d).await;

    // The dashboard's own POST: same origin as the Host, JSON.
    let (status, body) = d
        .send(
            d.http
                .post(&trigger)
                .header(ORIGIN, &d.base)
                .header(CONTENT_TYPE, "application/json")
                .body("{}"),
            false,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    d.wait_idle(LIMIT).await;
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_the_daemon_does_not_answer_to_is_refused_against_dns_rebinding() {
    let root = Root::new();
    let d = tokenless(&root).await;
    let port = port(&d);
    let loops = format!("{}/api/v1/loops", d.base);

    // After rebinding, evil.example resolves to 127.0.0.1: the page is same-origin with
    // itself, so only the Host header tells the daemon who it is talking to.
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        "evil.example".to_owned(),
    ] {
        let (status, body) = d.send(d.http.get(&loops).header(HOST, &host), false).await;
        let (status, message) = json_error(status, &body);
        assert_eq!(status, 403, "{host}: {message}");
        assert!(
            message.contains(&host) && message.contains("allowed_hosts"),
            "{message}"
        );
    }
    let (status, body) = d
        .send(
            d.http
                .get(format!("{}/", d.base))
                .header(HOST, format!("evil.example:{port}")),
            false,
        )
        .await;
    assert_eq!(status, 403, "the dashboard too: {body}");

    for host in [
        authority(&d),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = d.send(d.http.get(&loops).header(HOST, &host), false).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    // Liveness probes send whatever Host their orchestrator likes; /healthz holds no data.
    let (status, _) = d
        .send(
            d.http
                .get(format!("{}/healthz", d.base))
                .header(HOST, "evil.example"),
            false,
        )
        .await;
    assert_eq!(status, 200);
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_hosts_and_origins_open_the_daemon_to_the_names_they_list() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        "[server]\nallowed_hosts = [\"greenloop.example.com\", \"ci.example.com:8443\"]\nallowed_origins = [\"https://dash.example.com\"]\n",
    );
    let d = tokenless(&root).await;
    let loops = format!("{}/api/v1/loops", d.base);
    for (host, expected) in [
        ("greenloop.example.com", 200),
        ("GreenLoop.Example.com:443", 200),
        ("ci.example.com:8443", 200),
        ("ci.example.com:8080", 403),
        ("example.com", 403),
    ] {
        let (status, body) = d.send(d.http.get(&loops).header(HOST, host), false).await;
        assert_eq!(status, expected, "{host}: {body}");
    }
    let trigger = format!("{}/api/v1/loops/quick/iterations", d.base);
    let (status, body) = d
        .send(
            d.http
                .post(&trigger)
                .header(HOST, "greenloop.example.com")
                .header(ORIGIN, "https://dash.example.com")
                .header(CONTENT_TYPE, "application/json"),
            false,
        )
        .await;
    assert_eq!(status, 202, "a listed origin: {body}");
    d.wait_idle(LIMIT).await;
    // Behind a TLS proxy that keeps the Host, the page's origin is https://<that host>.
    let (status, body) = d
        .send(
            d.http
                .post(&trigger)
                .header(HOST, "greenloop.example.com")
                .header(ORIGIN, "https://greenloop.example.com")
                .header(CONTENT_TYPE, "application/json"),
            false,
        )
        .await;
    assert_eq!(status, 202, "same origin as the Host: {body}");
    d.wait_idle(LIMIT).await;
    let (status, body) = d
        .send(
            d.http
                .post(&trigger)
                .header(HOST, "greenloop.example.com")
                .header(ORIGIN, "https://other.example.com")
                .header(CONTENT_TYPE, "application/json"),
            false,
        )
        .await;
    assert_eq!(status, 403, "{body}");
    d.daemon.stop().await.unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_from_a_foreign_origin_is_refused() {
    let root = Root::new();
    let d = tokenless(&root).await;
    let port = port(&d);

    let (status, body) = upgrade(&d, "", &[("origin", "http://evil.example")]).await;
    let (status, message) = json_error(status, &body);
    assert_eq!(status, 403, "{message}");
    assert!(message.contains("http://evil.example"), "{message}");
    // DNS rebinding: page and socket share the attacker's name; the Host gives it away.
    let rebound = format!("evil.example:{port}");
    let (status, body) = upgrade(
        &d,
        "",
        &[("host", &rebound), ("origin", &format!("http://{rebound}"))],
    )
    .await;
    assert_eq!(json_error(status, &body).0, 403);

    let own = d.base.clone();
    let localhost = format!("http://localhost:{port}");
    for headers in [
        vec![("origin", own.as_str())],
        vec![("host", &localhost[7..]), ("origin", localhost.as_str())],
        // Not a browser (the CLI, a script): no Origin at all.
        vec![],
    ] {
        let (status, body) = upgrade(&d, "?replay=true", &headers).await;
        assert_eq!(status, 101, "{headers:?}: {body}");
    }
    d.daemon.stop().await.unwrap();
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
