//! Table tests of signatures over real-world messages: each asserts the exact line a report
//! reader would see.

use super::*;

#[test]
fn real_messages_normalise_to_readable_signatures() {
    let cases: &[(&str, &str)] = &[
        (
            "websockets.exceptions.ConnectionClosedError: received 1011 (internal error); then sent 1011 (internal error)",
            "websockets.exceptions.ConnectionClosedError: received 1011 (internal error); then sent 1011 (internal error)",
        ),
        (
            "requests.exceptions.ConnectionError: HTTPConnectionPool(host='10.0.0.5', port=8080): Max retries exceeded with url: /api/v1/agents/start (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f3b2c1d9e80>: Failed to establish a new connection: [Errno 111] Connection refused'))",
            "requests.exceptions.ConnectionError: HTTPConnectionPool(host='<ip>', port=<port>): Max retries exceeded with url: /api/v1/agents/start (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at <hex>>: Failed to establish a new connection: [Errno 111] Connection refused'))",
        ),
        (
            "AssertionError: assert 404 == 200",
            "AssertionError: assert 404 == 200",
        ),
        (
            "AssertionError: assert 3 == 5",
            "AssertionError: assert <n> == <n>",
        ),
        (
            "java.lang.NullPointerException at com.x.Y.z(Y.java:42)",
            "java.lang.NullPointerException at com.x.Y.z(Y.java:<n>)",
        ),
        (
            "panic: runtime error: index out of range [5] with length 3",
            "panic: runtime error: index out of range [<n>] with length <n>",
        ),
        ("Timeout after 30.5s", "Timeout after <duration>"),
        (
            "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.staging.example.com/api/v1/threads/3f1c2a9e-8b7d-4c6e-9f00-123456789abc/messages",
            "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.staging.example.com/api/v1/threads/<uuid>/messages",
        ),
        (
            "2024-05-01T12:34:56.789Z ERROR agent run failed",
            "<time> ERROR agent run failed",
        ),
        (
            "2024-05-01 12:00:00,123 WARNING retry 3/5",
            "<time> WARNING retry <n>/<n>",
        ),
        ("<Foo object at 0x7ffd5e8c>", "<Foo object at <hex>>"),
        (
            r"FileNotFoundError: [Errno 2] No such file or directory: 'C:\\Users\\ci\\AppData\\Local\\Temp\\tmpab12cd\\out.json'",
            "FileNotFoundError: [Errno 2] No such file or directory: '<path>'",
        ),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/pytest-of-ci/pytest-12/test_x0/config.json'",
            "FileNotFoundError: [Errno 2] No such file or directory: '<path>'",
        ),
        (
            r"System.IO.IOException: The process cannot access the file 'D:\a\repo\out.log'. at Foo.Bar() in C:\src\Foo.cs:line 42",
            "System.IO.IOException: The process cannot access the file '<path>'. at Foo.Bar() in <path>:line <n>",
        ),
        (
            r#"  File "/home/ci/app/tests/test_ws.py", line 88, in test_events"#,
            r#"File "<path>", line <n>, in test_events"#,
        ),
        (
            "HTTP/1.1 503 Service Unavailable",
            "HTTP/1.1 503 Service Unavailable",
        ),
        ("502 Bad Gateway", "502 Bad Gateway"),
        (
            "dial tcp 10.0.0.5:5432: connect: connection refused",
            "dial tcp <ip>:<port>: connect: connection refused",
        ),
        (
            r#"Get "http://[::1]:8080/health": dial tcp [::1]:8080: connect: connection refused"#,
            r#"Get "http://[<ip>]:<port>/health": dial tcp [<ip>]:<port>: connect: connection refused"#,
        ),
        (
            "Cannot connect to host api.staging.example.com:443 ssl:default [Connection reset by peer]",
            "Cannot connect to host api.staging.example.com:<port> ssl:default [Connection reset by peer]",
        ),
        (
            "Error: Timeout of 2000ms exceeded.",
            "Error: Timeout of <duration> exceeded.",
        ),
        (
            "thread 'main' panicked at src/main.rs:42:5:",
            "thread 'main' panicked at src/main.rs:<n>:<n>:",
        ),
        (
            "ConnectionResetError: [Errno 104] Connection reset by peer",
            "ConnectionResetError: [Errno 104] Connection reset by peer",
        ),
        ("KeyError: 'user_123456'", "KeyError: 'user_<n>'"),
        (
            "token expired at 1714563200 (now 1714566800123)",
            "token expired at <time> (now <time>)",
        ),
        (
            "Expected event 'agent_completed' within 30s, got ['agent_started', 'agent_thinking']",
            "Expected event 'agent_completed' within <duration>, got ['agent_started', 'agent_thinking']",
        ),
        (
            "deploy revision a1b2c3d does not match 9f8e7d6c5b4a3210fedc",
            "deploy revision <hex> does not match <hex>",
        ),
        (
            "process exited with code 137",
            "process exited with code 137",
        ),
        ("exit status 1", "exit status 1"),
        (
            "pod api-7d9f8b6c4-xk2lp not ready after 2m30s",
            "pod api-<hex>-xk2lp not ready after <duration>",
        ),
        (
            "request_id=01HXZ3K6W8Q9N2M4P7R5T0V1Y2 failed with 500",
            "request_id=<id> failed with 500",
        ),
        (
            "GET /api/v1/users/42 returned 500",
            "GET /api/v1/users/<n> returned 500",
        ),
        (
            "POST /api/agents/start answered 404, expected 200 (5 of 5 samples)",
            "POST /api/agents/start answered 404, expected 200 (<n> of <n> samples)",
        ),
        (
            "TimeoutError: timed out after 10 seconds at 12:00:01",
            "TimeoutError: timed out after <n> seconds at <time>",
        ),
        (
            "websocket closed with code 1006 after 1500 ms at line 404",
            "websocket closed with code 1006 after <n> ms at line <n>",
        ),
        (
            "AssertionError: expected status 200 but got 401 (took 1.234s)",
            "AssertionError: expected status 200 but got 401 (took <duration>)",
        ),
        (
            "org.openqa.selenium.TimeoutException: waiting for By.id: submit (tried for 10 second(s) with 500 milliseconds interval)",
            "org.openqa.selenium.TimeoutException: waiting for By.id: submit (tried for <n> second(s) with <n> milliseconds interval)",
        ),
        (
            "psycopg2.OperationalError: could not connect to server: Is the server running on host \"db.internal\" (10.1.2.3) and accepting TCP/IP connections on port 5432?",
            "psycopg2.OperationalError: could not connect to server: Is the server running on host \"db.internal\" (<ip>) and accepting TCP/IP connections on port <port>?",
        ),
        (
            "connect ECONNREFUSED 2001:db8::8a2e:370:7334",
            "connect ECONNREFUSED <ip>",
        ),
    ];
    for (message, expected) in cases {
        assert_eq!(signature(message), *expected, "signature of {message:?}");
    }
}

#[test]
fn words_with_digits_and_code_paths_stay_words() {
    assert_eq!(
        signature("python sha256 utf8 http2 x86_64 urllib3 test_1_websocket v1 e2e"),
        "python sha256 utf8 http2 x86_64 urllib3 test_1_websocket v1 e2e"
    );
    assert_eq!(
        signature("std::io::Error at abc::def1 via fe80::1%eth0"),
        "std::io::Error at abc::def1 via <ip>%eth0"
    );
    assert_eq!(
        signature("Utf8JsonReaderException in /healthz"),
        "Utf8JsonReaderException in /healthz"
    );
}

#[test]
fn only_the_first_line_counts_and_whitespace_collapses() {
    assert_eq!(
        signature(
            "\n\n  AssertionError:   assert 404 == 200\n +  where 404 = <Response [404]>.status_code"
        ),
        "AssertionError: assert 404 == 200"
    );
    assert_eq!(signature("a\tb \r\n c"), "a b");
    assert_eq!(signature(""), "");
    assert_eq!(signature(" \n\t\n"), "");
}

#[test]
fn a_long_line_is_cut_after_max_len_with_an_ellipsis() {
    let long = "word ".repeat(200);
    let cut = signature(&long);
    assert!(cut.ends_with('…'), "{cut}");
    assert!(
        cut.len() <= MAX_LEN + "…".len() + "word".len(),
        "{}",
        cut.len()
    );
    assert_eq!(
        signature(&"word ".repeat(10)),
        "word ".repeat(10).trim_end()
    );
}

/// Messages that must share one line, and messages that must not.
#[test]
fn the_same_failure_clusters_and_different_codes_do_not() {
    let together = [
        (
            "ConnectionClosedError: received 1011 (internal error) request_id=8f14e45fceea167a5a36dedd4bea2543",
            "ConnectionClosedError: received 1011 (internal error) request_id=c9f0f895fb98ab9159f51fd0297e236d",
        ),
        (
            "HTTPConnectionPool(host='10.0.0.5', port=8080): Max retries exceeded",
            "HTTPConnectionPool(host='10.0.0.17', port=8081): Max retries exceeded",
        ),
        (
            "thread 3f1c2a9e-8b7d-4c6e-9f00-123456789abc not found at 2024-05-01T12:00:00Z",
            "thread 0a1b2c3d-4e5f-6789-abcd-ef0123456789 not found at 2024-06-30T23:59:59+02:00",
        ),
        ("Timeout after 30.5s", "Timeout after 31.02s"),
        (
            "KeyError at /tmp/run-1/a.py:12",
            "KeyError at /tmp/run-2/a.py:97",
        ),
        (
            "index out of range [5] with length 3",
            "index out of range [9] with length 7",
        ),
        ("expected 12 events, got 3", "expected 11 events, got 4"),
    ];
    for (a, b) in together {
        assert_eq!(
            signature(a),
            signature(b),
            "{a:?} and {b:?} should cluster together"
        );
    }
    let apart = [
        (
            "AssertionError: assert 404 == 200",
            "AssertionError: assert 500 == 200",
        ),
        (
            "received 1011 (internal error)",
            "received 1006 (abnormal closure)",
        ),
        ("received 1011", "received 1006"),
        ("HTTPError: 502", "HTTPError: 503"),
        ("exit status 1", "exit status 2"),
        (
            "GET /api/v1/agents returned 500",
            "GET /api/v1/threads returned 500",
        ),
        (
            "[Errno 111] Connection refused",
            "[Errno 104] Connection reset by peer",
        ),
    ];
    for (a, b) in apart {
        assert_ne!(
            signature(a),
            signature(b),
            "{a:?} and {b:?} should stay apart"
        );
    }
}

#[test]
fn pathological_input_stays_linear_and_well_formed() {
    // Colons and hex digits everywhere tempt the IPv6 recogniser at every position.
    let colons = "a:".repeat(5_000);
    assert!(signature(&colons).len() <= MAX_LEN + 8);
    let slashes = "(/".repeat(5_000);
    assert!(signature(&slashes).ends_with('…'));
    // Multi-byte text is never split inside a character.
    assert_eq!(
        signature("délai dépassé µ 250µs — 42 €"),
        "délai dépassé µ <duration> — <n> €"
    );
}

mod props {
    use proptest::prelude::*;

    use super::*;

    /// Text built from the pieces the scanner cares about, so the recognisers meet each other.
    fn messagey() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-zA-Z_]{1,8}",
            "[0-9]{1,14}",
            "[0-9a-f]{1,10}",
            Just("::".to_owned()),
            "[ :./\\\\=,()\\[\\]'\"-]",
            Just("µs".to_owned()),
            Just("—".to_owned()),
            Just("\n".to_owned()),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn any_text_gives_one_clean_bounded_line(message in any::<String>()) {
            let sig = signature(&message);
            prop_assert!(!sig.contains('\n') && !sig.contains("  "));
            prop_assert_eq!(sig.trim(), sig.as_str());
            prop_assert!(sig.len() <= MAX_LEN + message.len());
        }

        #[test]
        fn messagey_text_gives_one_clean_line(message in messagey()) {
            let sig = signature(&message);
            prop_assert!(!sig.contains('\n') && !sig.contains("  "));
            prop_assert_eq!(sig.trim(), sig.as_str());
        }
    }
}
