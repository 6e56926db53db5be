//! The HTTP probe against real axum servers on 127.0.0.1: what a report reader would see.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::{any, get};
use greenloop::model::Outcome;
use greenloop::probe::http::{
    BodyVerdict, FailureKind, HttpProbeSpec, HttpReport, JsonVerdict, Sample, client, run_http,
};
use greenloop::redact::Redactor;
use serde_json::json;
use tokio::sync::mpsc;

/// Serves `router` on a free port of 127.0.0.1 and returns its address.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A GET of `url` expecting 200, once, within 5s.
fn spec(url: String) -> HttpProbeSpec {
    HttpProbeSpec {
        name: "health".into(),
        method: "GET".into(),
        url,
        headers: Vec::new(),
        body: None,
        expect_status: vec![200],
        body_contains: None,
        json_field: None,
        timeout: Duration::from_secs(5),
        samples: 1,
        redactor: Redactor::default(),
    }
}

async fn run(spec: &HttpProbeSpec) -> HttpReport {
    run_http(spec, &client().unwrap()).await
}

/// The outcome of the check called `name`.
fn outcome(report: &HttpReport, name: &str) -> Outcome {
    let checks = report.checks();
    checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {checks:?}"))
        .outcome
        .clone()
}

#[tokio::test]
async fn expected_status_passes_with_a_latency_summary() {
    let addr = serve(Router::new().route("/health", get(|| async { "ok" }))).await;
    let mut spec = spec(format!("http://{addr}/health"));
    spec.samples = 5;

    let report = run(&spec).await;

    assert_eq!(report.samples.len(), 5);
    assert!(
        report
            .samples
            .iter()
            .all(|s| matches!(s, Sample::Answered { status: 200, .. }))
    );
    let latency = report.latency.expect("answered samples have a latency");
    assert!(latency.min <= latency.avg && latency.avg <= latency.max);
    assert_eq!(latency.p95, None, "5 samples are too few for a p95");
    let checks = report.checks();
    assert_eq!(checks.len(), 1, "only status is configured: {checks:?}");
    assert_eq!(checks[0].check, "status");
    assert_eq!(checks[0].outcome, Outcome::Passed);
    assert_eq!(checks[0].duration_s, Some(latency.avg.as_secs_f64()));
    assert_eq!(report.body_head, None);
}

#[tokio::test]
async fn unexpected_status_fails_naming_method_path_and_statuses() {
    let router = Router::new().fallback(|| async { (StatusCode::NOT_FOUND, "no such agent") });
    let addr = serve(router).await;
    let mut spec = spec(format!("http://{addr}/api/agents/start?debug=1"));
    spec.method = "post".into();

    let report = run(&spec).await;

    let Outcome::Failed { message, detail } = outcome(&report, "status") else {
        panic!("expected a failure: {report:?}");
    };
    assert_eq!(message, "POST /api/agents/start answered 404, expected 200");
    assert!(detail.contains("no such agent"), "{detail}");
    assert_eq!(report.body_head.as_deref(), Some("no such agent"));
}

#[tokio::test]
async fn any_listed_status_is_accepted() {
    let addr = serve(Router::new().fallback(|| async { (StatusCode::CREATED, "made") })).await;
    let mut spec = spec(format!("http://{addr}/things"));
    spec.expect_status = vec![200, 201];
    assert_eq!(outcome(&run(&spec).await, "status"), Outcome::Passed);

    spec.expect_status = vec![200, 204];
    assert_eq!(
        outcome(&run(&spec).await, "status").message(),
        "GET /things answered 201, expected 200 or 204"
    );
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let router = Router::new()
        .fallback(|| async { (StatusCode::FOUND, [("location", "/elsewhere")], "moved") });
    let addr = serve(router).await;
    let report = run(&spec(format!("http://{addr}/old"))).await;
    assert_eq!(
        outcome(&report, "status").message(),
        "GET /old answered 302, expected 200"
    );
}

#[tokio::test]
async fn a_slow_endpoint_times_out_within_bounded_time() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "too late"
        }),
    );
    let addr = serve(router).await;
    let mut spec = spec(format!("http://{addr}/slow"));
    spec.timeout = Duration::from_millis(300);

    let started = Instant::now();
    let report = run(&spec).await;

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        outcome(&report, "status"),
        Outcome::Timeout {
            message: "GET /slow timed out after 300ms".into()
        }
    );
    assert!(matches!(
        report.samples[0],
        Sample::Failed {
            kind: FailureKind::Timeout,
            ..
        }
    ));
    assert_eq!(report.latency, None);
}

#[tokio::test]
async fn connection_refused_is_an_error_naming_the_address() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut spec = spec(format!("http://{addr}/health"));
    spec.body_contains = Some("ok".into());
    spec.samples = 2;

    let report = run(&spec).await;

    let Outcome::Error { message, .. } = outcome(&report, "status") else {
        panic!("expected an error: {report:?}");
    };
    assert_eq!(
        message,
        format!("GET /health: connection refused to {addr} (2 of 2 samples)")
    );
    assert!(matches!(
        report.samples[0],
        Sample::Failed {
            kind: FailureKind::Connect,
            ..
        }
    ));
    assert_eq!(
        outcome(&report, "body"),
        Outcome::Skipped {
            message: "not checked: GET /health got no response".into(),
            kind: None
        }
    );
    assert!(report.checks().iter().all(|c| c.duration_s.is_none()));
}

#[tokio::test]
async fn body_contains_passes_and_fails() {
    let addr = serve(Router::new().fallback(|| async { "status: ready" })).await;
    let mut spec = spec(format!("http://{addr}/ready"));
    spec.body_contains = Some("ready".into());
    assert_eq!(outcome(&run(&spec).await, "body"), Outcome::Passed);

    spec.body_contains = Some("healthy".into());
    spec.samples = 2;
    let report = run(&spec).await;
    let Outcome::Failed { message, detail } = outcome(&report, "body") else {
        panic!("expected a failure: {report:?}");
    };
    assert_eq!(
        message,
        "GET /ready body does not contain \"healthy\" (sample 1 of 2)"
    );
    assert!(detail.contains("status: ready"), "{detail}");
    assert_eq!(outcome(&report, "status"), Outcome::Passed);
    assert_eq!(
        report.body.unwrap().verdict,
        BodyVerdict::NotFound { sample: 1 }
    );
}

#[tokio::test]
async fn json_field_passes_and_fails() {
    let body = json!({"data": {"status": "starting"}, "items": [{"id": 7}]}).to_string();
    let router = Router::new()
        .route("/json", get(move || async move { body }))
        .route("/text", get(|| async { "<html>oops</html>" }));
    let addr = serve(router).await;
    let mut spec = spec(format!("http://{addr}/json"));

    spec.json_field = Some(("items.0.id".into(), json!(7)));
    assert_eq!(
        outcome(&run(&spec).await, "json items.0.id"),
        Outcome::Passed
    );

    spec.json_field = Some(("data.status".into(), json!("ready")));
    let report = run(&spec).await;
    assert_eq!(
        outcome(&report, "json data.status").message(),
        "data.status is \"starting\", expected \"ready\""
    );
    assert!(report.body_head.unwrap().contains("starting"));

    spec.json_field = Some(("data.missing".into(), json!(true)));
    assert_eq!(
        outcome(&run(&spec).await, "json data.missing").message(),
        "data.missing is missing, expected true"
    );

    spec.url = format!("http://{addr}/text");
    let report = run(&spec).await;
    assert!(matches!(
        report.json.as_ref().unwrap().verdict,
        JsonVerdict::NotJson { sample: 1, .. }
    ));
    let message = outcome(&report, "json data.missing").message().to_owned();
    assert!(
        message.starts_with("GET /text body is not JSON ("),
        "{message}"
    );
}

#[tokio::test]
async fn secrets_in_headers_and_query_are_masked_everywhere() {
    const SECRET: &str = "s3cr3t-token-42";
    // The server leaks what it received: the query and the Authorization header.
    let router = Router::new().fallback(|uri: Uri, headers: HeaderMap| async move {
        let auth = headers["authorization"].to_str().unwrap().to_owned();
        (StatusCode::FORBIDDEN, format!("denied {uri} with {auth}"))
    });
    let addr = serve(router).await;
    let mut spec = spec(format!("http://{addr}/api/{SECRET}/x?token={SECRET}"));
    spec.headers = vec![("Authorization".into(), format!("Bearer {SECRET}"))];
    spec.body_contains = Some(format!("welcome {SECRET}"));
    spec.json_field = Some(("token".into(), json!(SECRET)));
    spec.redactor = Redactor::new([SECRET]);

    let report = run(&spec).await;

    assert_eq!(report.url, format!("http://{addr}/api/***/x?token=***"));
    assert_eq!(
        outcome(&report, "status").message(),
        "GET /api/***/x answered 403, expected 200"
    );
    assert_eq!(
        report.body_head.as_deref(),
        Some("denied /api/***/x?token=*** with Bearer ***")
    );
    let checks = report.checks();
    assert_eq!(checks.len(), 3);
    for check in &checks {
        assert!(check.outcome.status().is_failure(), "{check:?}");
        let said = format!("{} {}", check.outcome.message(), check.outcome.detail());
        assert!(!said.contains(SECRET), "{said}");
        assert!(said.contains("***"), "{said}");
    }
    assert!(!format!("{report:?}").contains(SECRET), "{report:?}");
}

#[tokio::test]
async fn post_sends_its_body_and_headers() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let router = Router::new().route(
        "/echo",
        any(
            move |method: Method, headers: HeaderMap, body: String| async move {
                let header = |name: &str| headers[name].to_str().unwrap().to_owned();
                tx.send((method.clone(), header("user-agent"))).unwrap();
                json!({"method": method.as_str(), "probe": header("x-probe"), "body": body})
                    .to_string()
            },
        ),
    );
    let addr = serve(router).await;
    let mut spec = spec(format!("http://{addr}/echo"));
    spec.method = "POST".into();
    spec.headers = vec![("X-Probe".into(), "abc".into())];
    spec.body = Some("hello probe".into());
    spec.body_contains = Some("\"method\":\"POST\"".into());
    spec.json_field = Some(("body".into(), json!("hello probe")));

    let report = run(&spec).await;

    for check in report.checks() {
        assert_eq!(check.outcome, Outcome::Passed, "{check:?}");
    }
    let (method, user_agent) = rx.recv().await.unwrap();
    assert_eq!(method, Method::POST);
    assert_eq!(user_agent, concat!("greenloop/", env!("CARGO_PKG_VERSION")));

    spec.json_field = Some(("probe".into(), json!("abc")));
    assert_eq!(outcome(&run(&spec).await, "json probe"), Outcome::Passed);
}

#[tokio::test]
async fn a_failed_tls_handshake_is_an_error_saying_tls() {
    // A plain-HTTP server answering a TLS client hello: the handshake cannot succeed.
    let addr = serve(Router::new().fallback(|| async { "plain" })).await;
    let report = run(&spec(format!("https://{addr}/secure"))).await;

    assert!(
        matches!(
            report.samples[0],
            Sample::Failed {
                kind: FailureKind::Tls,
                ..
            }
        ),
        "{report:?}"
    );
    let Outcome::Error { message, .. } = outcome(&report, "status") else {
        panic!("expected an error: {report:?}");
    };
    let prefix = format!("GET /secure: TLS with {addr} failed: ");
    assert!(message.starts_with(&prefix), "{message}");
}
