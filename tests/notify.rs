//! `[[notify]]` end to end: the real `greenloop run` (and `import`) against a local webhook
//! receiver that records every request — one message per state change, none while unchanged, a
//! reminder after its interval, retries on 5xx, and a dead webhook that changes nothing about
//! the run.

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::post;
use common::{Root, code, suite_script, text};
use serde_json::Value;

/// The secret part of every webhook url here; it must never be printed.
const HOOK_SECRET: &str = "T0001-B0002-hookSecret";
/// The secret a failing test leaks into its failure message.
const TOKEN: &str = "tok-4b1d-secret";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    status: u16,
    body: Value,
}

#[derive(Clone, Default)]
struct Shared {
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Statuses to answer first, in order; 200 once they are used up.
    script: Arc<Mutex<VecDeque<u16>>>,
}

/// A webhook receiver on 127.0.0.1, on a runtime of its own so tests can block on the binary.
struct Receiver {
    addr: SocketAddr,
    shared: Shared,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    /// A receiver that answers `first` (in order), then 200.
    fn start(first: &[u16]) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let shared = Shared::default();
        shared.script.lock().unwrap().extend(first);
        let router = Router::new()
            .route("/{*path}", post(receive))
            .with_state(shared.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self {
            addr,
            shared,
            _runtime: runtime,
        }
    }

    /// The webhook url for `name`, with the secret in its path.
    fn url(&self, name: &str) -> String {
        format!("http://{}/{name}/{HOOK_SECRET}", self.addr)
    }

    /// Every request so far.
    fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// The bodies delivered (answered 2xx) to `url(name)`, or to `url(name)` + `/<name>`
    /// when `name` is `<name>/<more>`.
    fn delivered(&self, name: &str) -> Vec<Value> {
        let path = match name.split_once('/') {
            Some((first, more)) => format!("/{first}/{HOOK_SECRET}/{more}"),
            None => format!("/{name}/{HOOK_SECRET}"),
        };
        self.hits()
            .into_iter()
            .filter(|hit| hit.path == path && hit.status == 200)
            .map(|hit| hit.body)
            .collect()
    }

    /// The `event` of each body delivered to `name` (as [`Self::delivered`] reads it).
    fn events(&self, name: &str) -> Vec<String> {
        self.delivered(name)
            .iter()
            .map(|body| body["event"].as_str().unwrap_or("?").to_owned())
            .collect()
    }
}

async fn receive(State(shared): State<Shared>, uri: Uri, body: String) -> StatusCode {
    let status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared.hits.lock().unwrap().push(Hit {
        path: uri.path().to_owned(),
        status,
        body,
    });
    StatusCode::from_u16(status).unwrap()
}

/// A loop `flip` whose suite fails the tests listed in `failing.txt`, with `notify` appended.
fn flip_loop(root: &Root, extra: &str, notify: &str) {
    root.write_loop(
        "flip",
        &format!(
            "title = \"Flip\"\n{extra}\n\
             [secrets]\nhook = {{ env = \"NOTIFY_TEST_HOOK\" }}\ntoken = {{ env = \"NOTIFY_TEST_TOKEN\" }}\n\
             [[suite]]\nname = \"flip\"\ncommand = [\"{}\"]\n\
             env = {{ FAILING = \"failing.txt\", TOKEN = \"${{token}}\" }}\n\
             {notify}\n",
            suite_script("junit_from_file.sh")
        ),
    );
}

/// Sets which tests fail next, then runs one iteration with the hook url in the environment.
fn run(root: &Root, hook: &str, failing: &[&str]) -> Output {
    root.write("failing.txt", &format!("{}\n", failing.join("\n")));
    let output = root.greenloop_env(
        &["run", "flip"],
        &[("NOTIFY_TEST_HOOK", hook), ("NOTIFY_TEST_TOKEN", TOKEN)],
    );
    let all = text(&output);
    assert!(!all.contains(HOOK_SECRET), "the hook url leaked: {all}");
    assert!(!all.contains(TOKEN), "the token leaked: {all}");
    output
}

#[test]
fn one_message_per_state_change_and_none_while_unchanged() {
    let receiver = Receiver::start(&[]);
    let root = Root::new();
    flip_loop(
        &root,
        "",
        "[[notify]]\nurl = \"${hook}\"\nremind_every = \"1h\"\n\
         [[notify]]\nurl = \"${hook}/green-only\"\non = [\"green\"]\n",
    );
    let hook = receiver.url("all");

    let output = run(&root, &hook, &["t1"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert_eq!(receiver.events("all"), ["failing"]);
    let body = &receiver.delivered("all")[0];
    assert_eq!(body["loop_name"], "flip");
    assert_eq!(body["title"], "Flip");
    assert_eq!(
        (body["loop"].as_u64(), body["iteration"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(body["verdict"], "failing");
    assert_eq!(body["totals"]["total"], 3);
    assert_eq!(body["totals"]["failed"], 1);
    assert!((body["pass_rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(body["new_failures"], serde_json::json!(["flip::flip::t1"]));
    assert_eq!(body["failures"][0]["message"], "t1 broke with token ***");
    let report = body["report"].as_str().unwrap();
    assert!(report.starts_with("reports/flip/") && report.ends_with("_loop-001_iteration-001.md"));
    assert!(root.path().join(report).is_file(), "{report}");

    let output = run(&root, &hook, &["t1"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert_eq!(receiver.events("all"), ["failing"], "unchanged: no message");

    let output = run(&root, &hook, &["t1", "t2"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert_eq!(receiver.events("all"), ["failing", "new_failures"]);
    let body = &receiver.delivered("all")[1];
    assert_eq!(body["new_failures"], serde_json::json!(["flip::flip::t2"]));
    assert_eq!(body["iteration"], 3);

    let output = run(&root, &hook, &[]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert_eq!(receiver.events("all"), ["failing", "new_failures", "green"]);
    assert_eq!(receiver.delivered("all")[2]["verdict"], "green");
    assert_eq!(receiver.events("all/green-only"), ["green"]);
    assert_eq!(receiver.hits().len(), 4, "nothing else was sent");

    let state = std::fs::read_to_string(root.path().join("state/notify/flip.json")).unwrap();
    assert!(
        !state.contains(HOOK_SECRET) && state.contains("\"green\""),
        "{state}"
    );
}

#[test]
fn exhausted_when_max_iterations_closes_the_loop_and_quiet_in_the_next_loop() {
    let receiver = Receiver::start(&[]);
    let root = Root::new();
    flip_loop(
        &root,
        "max_iterations = 2",
        "[[notify]]\nurl = \"${hook}\"\n",
    );
    let hook = receiver.url("all");

    assert_eq!(code(&run(&root, &hook, &["t1"])), 1);
    assert_eq!(code(&run(&root, &hook, &["t1"])), 1);
    assert_eq!(receiver.events("all"), ["failing", "exhausted"]);
    let summary = receiver.delivered("all")[1]["summary"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        summary.starts_with(
            "Flip: Loop 1 closed after 2 iterations without going green (verdict failing)\n"
        ),
        "{summary}"
    );

    // Loop 2 opens still failing the same way: nothing changed, so nothing is sent.
    let output = run(&root, &hook, &["t1"]);
    assert_eq!(root.latest_json("flip")["loop"], 2, "{}", text(&output));
    assert_eq!(receiver.events("all"), ["failing", "exhausted"]);
}

#[test]
fn a_reminder_once_remind_every_has_passed_while_still_failing() {
    let receiver = Receiver::start(&[]);
    let root = Root::new();
    flip_loop(
        &root,
        "",
        "[[notify]]\nurl = \"${hook}\"\nremind_every = \"1s\"\n",
    );
    let hook = receiver.url("all");

    assert_eq!(code(&run(&root, &hook, &["t1"])), 1);
    assert_eq!(receiver.events("all"), ["failing"]);
    // The interval is the point of the test: it has to pass for real.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(code(&run(&root, &hook, &["t1"])), 1);
    assert_eq!(receiver.events("all"), ["failing", "reminder"]);
    let reminder = &receiver.delivered("all")[1];
    assert_eq!(reminder["iteration"], 2);
    assert_eq!(reminder["new_failures"], serde_json::json!([]));
    assert!(
        reminder["summary"]
            .as_str()
            .unwrap()
            .starts_with("Flip is still failing — Loop 1 / Iteration 2\n"),
        "{reminder}"
    );
}

#[test]
fn slack_messages_are_retried_on_500_and_delivered_once() {
    let receiver = Receiver::start(&[500, 500]);
    let root = Root::new();
    flip_loop(
        &root,
        "",
        "[[notify]]\nurl = \"${hook}\"\nformat = \"slack\"\n",
    );

    let started = Instant::now();
    let output = run(&root, &receiver.url("slack"), &["t1"]);
    assert_eq!(code(&output), 1, "the verdict decides: {}", text(&output));
    assert_eq!(root.latest_json("flip")["verdict"], "failing");
    let statuses: Vec<u16> = receiver.hits().iter().map(|h| h.status).collect();
    assert_eq!(statuses, [500, 500, 200], "three attempts, one message");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "backed off 0.5 s, then 1 s"
    );
    let hits = receiver.hits();
    assert!(
        hits.iter().all(|h| h.body == hits[2].body),
        "the same message each time"
    );

    let body = receiver.delivered("slack").remove(0);
    let object = body.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["text"], "{body}");
    let text = object["text"].as_str().unwrap();
    assert_eq!(
        text.lines().take(4).collect::<Vec<_>>(),
        [
            "*Flip* is failing — Loop 1 / Iteration 1",
            "2/3 passed (66.7%), 1 failed",
            "New failures (1):",
            "• `flip::flip::t1` — t1 broke with token ***",
        ],
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("Report: `reports/flip/"),
        "{text}"
    );
    assert!(!text.contains("http"), "link-free: {text}");
}

#[test]
fn a_dead_or_refusing_webhook_never_changes_the_run() {
    // A port nothing listens on any more: every attempt fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/down/{HOOK_SECRET}", closed.local_addr().unwrap());
    drop(closed);
    let root = Root::new();
    flip_loop(&root, "", "[[notify]]\nurl = \"${hook}\"\n");
    let output = run(&root, &dead, &[]);
    assert_eq!(code(&output), 0, "green stays green: {}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed to notify http://127.0.0.1:")
            && stderr.contains("/*** of green: could not connect: ")
            && stderr.contains("(after 4 attempts)"),
        "{stderr}"
    );

    // A 4xx will not get better by asking again: one attempt, logged, verdict unchanged.
    let receiver = Receiver::start(&[404]);
    let root = Root::new();
    flip_loop(&root, "", "[[notify]]\nurl = \"${hook}\"\n");
    let output = run(&root, &receiver.url("gone"), &["t2"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert_eq!(receiver.hits().len(), 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/*** of failing: the webhook answered 404 (after 1 attempt)"),
        "{stderr}"
    );
}

/// JUnit as CI might leave it: `t1` passes, `t2` passes or fails.
fn ci_junit(root: &Root, name: &str, t2_fails: bool) -> String {
    let t2 = if t2_fails {
        "<testcase classname=\"ci\" name=\"t2\" time=\"0.2\"><failure message=\"t2 broke\"/></testcase>"
    } else {
        "<testcase classname=\"ci\" name=\"t2\" time=\"0.2\"/>"
    };
    root.write(
        name,
        &format!(
            "<testsuite name=\"ci\" tests=\"2\"><testcase classname=\"ci\" name=\"t1\" time=\"0.1\"/>{t2}</testsuite>"
        ),
    );
    root.path().join(name).display().to_string()
}

#[test]
fn imported_iterations_notify_like_runs() {
    let receiver = Receiver::start(&[]);
    let root = Root::new();
    flip_loop(&root, "", "[[notify]]\nurl = \"${hook}\"\n");
    let hook = receiver.url("ci");
    let import = |file: &str| {
        let output = root.greenloop_env(
            &["import", "flip", file],
            &[("NOTIFY_TEST_HOOK", &hook), ("NOTIFY_TEST_TOKEN", TOKEN)],
        );
        assert!(!text(&output).contains(HOOK_SECRET), "{}", text(&output));
        code(&output)
    };

    assert_eq!(import(&ci_junit(&root, "ci-1.xml", true)), 1);
    assert_eq!(receiver.events("ci"), ["failing"]);
    let body = &receiver.delivered("ci")[0];
    assert_eq!(body["verdict"], "failing");
    assert_eq!(body["new_failures"], serde_json::json!(["flip::ci::t2"]));

    assert_eq!(import(&ci_junit(&root, "ci-2.xml", true)), 1);
    assert_eq!(receiver.events("ci"), ["failing"], "unchanged: no message");

    assert_eq!(import(&ci_junit(&root, "ci-3.xml", false)), 0);
    assert_eq!(receiver.events("ci"), ["failing", "green"]);
    assert_eq!(receiver.delivered("ci")[1]["iteration"], 3);
}
