//! Table tests of fact extraction over real messages: what pytest, requests, urllib,
//! websockets, jest/axios, Node, Surefire/RestAssured, Go and greenloop's own probes print.

use super::*;

/// `kind value@target` for each fact, in order.
fn shown(text: &str) -> Vec<String> {
    from_text(text)
        .iter()
        .map(crate::cause::identity::fact_key)
        .collect()
}

#[test]
fn real_messages_state_these_facts() {
    let cases: &[(&str, &[&str])] = &[
        // The demo's own suites (pytest-style harness) and probes.
        (
            "ConnectionClosedError: received 1011 (internal error); then sent 1011 (internal error)",
            &["ws_close 1011@", "exception ConnectionClosedError@"],
        ),
        (
            "websockets.exceptions.ConnectionClosedError: received 1011 (internal error) keepalive ping timeout; then sent 1011 (internal error) keepalive ping timeout",
            &["ws_close 1011@", "exception ConnectionClosedError@"],
        ),
        (
            "HTTPError: HTTP Error 404: Not Found",
            &["http_status 404@", "exception HTTPError@"],
        ),
        (
            "urllib.error.HTTPError: HTTP Error 503: Service Unavailable",
            &["http_status 503@", "exception HTTPError@"],
        ),
        (
            "StreamStalled: event stream stalled after agent_started: no event for 1.5 s\nwaiting for agent_thinking; received: agent_started",
            &["stalled agent_started@", "exception StreamStalled@"],
        ),
        (
            "never arrived: connection closed with 1011 (internal error) before any event",
            &["ws_close 1011@"],
        ),
        (
            "server closed with 1011 (internal error) before any event",
            &["ws_close 1011@"],
        ),
        (
            "never arrived within 3s (last event: agent_started)",
            &["stalled agent_started@"],
        ),
        (
            "never arrived within 3s (no event at all)",
            &["stalled start@"],
        ),
        (
            "POST /api/agents/start answered 404, expected 200 (5 of 5 samples)",
            &["http_status 404@POST /api/agents/start"],
        ),
        (
            "upgrade refused: HTTP 403: forbidden",
            &["http_status 403@"],
        ),
        // requests / urllib3.
        (
            "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.staging.example.com/api/v1/threads/3f1c2a9e-8b7d-4c6e-9f00-123456789abc/messages",
            &[
                "http_status 404@/api/v1/threads/{id}/messages",
                "exception HTTPError@",
            ],
        ),
        (
            "requests.exceptions.ConnectionError: HTTPConnectionPool(host='10.0.0.5', port=8080): Max retries exceeded with url: /api/v1/agents/start (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f3b2c1d9e80>: Failed to establish a new connection: [Errno 111] Connection refused'))",
            &["refused @10.0.0.5:8080", "exception ConnectionError@"],
        ),
        (
            "requests.exceptions.ReadTimeout: HTTPConnectionPool(host='api.internal', port=80): Read timed out. (read timeout=5)",
            &["timeout @api.internal:80", "exception ReadTimeout@"],
        ),
        (
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.staging.example.com', port=443): Max retries exceeded with url: /health (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'api.staging.example.com' ([Errno -2] Name or service not known)\"))",
            &["dns @api.staging.example.com", "exception ConnectionError@"],
        ),
        (
            "requests.exceptions.SSLError: HTTPSConnectionPool(host='self-signed.example.com', port=443): Max retries exceeded with url: / (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)')))",
            &["tls @self-signed.example.com", "exception SSLError@"],
        ),
        (
            "AssertionError: assert 404 == 200",
            &["http_status 404@", "exception AssertionError@"],
        ),
        (
            "ConnectionResetError: [Errno 104] Connection reset by peer",
            &["reset @", "exception ConnectionResetError@"],
        ),
        // Node: axios, fetch, ws.
        (
            "AxiosError: Request failed with status code 500",
            &["http_status 500@", "exception AxiosError@"],
        ),
        (
            "Error: connect ECONNREFUSED 127.0.0.1:3000",
            &["refused @127.0.0.1:3000"],
        ),
        (
            "Error: getaddrinfo ENOTFOUND api.staging.example.com",
            &["dns @api.staging.example.com"],
        ),
        (
            "Error: Unexpected server response: 502",
            &["http_status 502@"],
        ),
        // Surefire with RestAssured / Java HTTP clients.
        (
            "java.lang.AssertionError: 1 expectation failed.\nExpected status code <200> but was <404>.",
            &["exception AssertionError@", "http_status 404@"],
        ),
        (
            "java.net.ConnectException: Connection refused",
            &["refused @", "exception ConnectException@"],
        ),
        (
            "javax.net.ssl.SSLHandshakeException: PKIX path building failed",
            &["tls @", "exception SSLHandshakeException@"],
        ),
        // Go.
        (
            r#"Get "http://127.0.0.1:8080/health": dial tcp 127.0.0.1:8080: connect: connection refused"#,
            &["refused @127.0.0.1:8080"],
        ),
        (
            "websocket: close 1006 (abnormal closure): unexpected EOF",
            &["ws_close 1006@"],
        ),
        (
            r#"Get "https://api.example.com/v1/x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"#,
            &["timeout @GET /v1/x"],
        ),
        (
            "dial tcp: lookup db.internal on 10.0.0.2:53: no such host",
            &["dns @db.internal"],
        ),
        (
            "expected status 200, got 503 for GET /api/v1/agents",
            &["http_status 503@GET /api/v1/agents"],
        ),
        // Backend log lines.
        (
            r#"2026-12-02T15:09:18.904042Z  WARN greenloop::demo::agent: fault ws_1011: closing the WebSocket with 1011 run_id="run-1-1""#,
            &["ws_close 1011@"],
        ),
        (
            "2026-12-02T15:09:18.882982Z  WARN greenloop::demo::server: fault agents_404: answering 404 to /api/agents/start",
            &["http_status 404@/api/agents/start"],
        ),
        (
            "2026-12-02T15:09:19.547887Z  WARN greenloop::demo::server: fault suite_hangs: GET /api/threads will never answer",
            &["timeout @GET /api/threads"],
        ),
        (
            r#"10.0.0.7 - - [02/Dec/2026:15:09:18 +0000] "POST /api/agents/start HTTP/1.1" 500 612"#,
            &["http_status 500@POST /api/agents/start"],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(shown(text), *expected, "facts of {text:?}");
    }
}

/// Counter-examples: numbers and words that look like facts and are not.
#[test]
fn numbers_without_a_reporting_word_are_not_facts() {
    let none: &[&str] = &[
        "AssertionError: assert 3 == 5",
        "process exited with code 137",
        "exit status 1",
        "expected 404 items, found 12",
        "Timeout of 2000ms exceeded.",
        "hung: no output for 4s; last output:",
        r#"  File "/home/ci/app/tests/test_ws.py", line 404, in test_events"#,
        "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/x/config.json'",
        "listening on 127.0.0.1:3000",
        "retrying in 500 ms after 503 bytes",
        "Cannot connect to host api.staging.example.com:443 ssl:default",
        "panic: runtime error: index out of range [5] with length 3",
        "expected [1.2.1] but found [1.2.0]",
        "Division by zero.",
        "assert False",
    ];
    for text in none {
        let facts: Vec<String> = shown(text)
            .into_iter()
            .filter(|f| !f.starts_with("exception"))
            .collect();
        assert!(facts.is_empty(), "{text:?} gave {facts:?}");
    }
}

#[test]
fn exception_types_open_a_message() {
    let cases = [
        (
            "harness.ConnectionClosedError: received 1011",
            Some("ConnectionClosedError"),
        ),
        (
            "java.lang.NullPointerException at com.x.Y.z(Y.java:42)",
            Some("NullPointerException"),
        ),
        ("KeyError: 'user_id'", Some("KeyError")),
        ("Error: connect ECONNREFUSED", None),
        ("Exception: error", None),
        ("StreamStalled: no event", Some("StreamStalled")),
        ("hung: no output for 4s", None),
        ("TypeError", Some("TypeError")),
        ("Expected value did not match.", None),
    ];
    for (line, expected) in cases {
        assert_eq!(exception(line).as_deref(), expected, "{line}");
    }
}
