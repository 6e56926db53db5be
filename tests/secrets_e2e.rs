//! A secret with URL- and JSON-special characters, used everywhere a loop can use one — echoed
//! by suites in every form, in a probe url and header, in a test name and a JUnit message —
//! never leaves greenloop in any form: not in a file under reports/ or state/ (the database's
//! raw bytes included), not in an API answer, not in greenloop's own output. The real binary
//! runs the loop (`run`, then `serve` and an API trigger) against the demo backend.

mod common;

use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::forms::Oracle;
use common::{Root, code, files_under, free_port, suite_script, test_entry, text};

const SECRET: &str = "S3cr3t Val\"ue<42>/+=&x";
const LIMIT: Duration = Duration::from_secs(60);

/// The loop: the demo backend as the deployed service, two leaky suites (one writing its JUnit
/// outside the iteration's logs), an HTTP probe (404 under `agents_404`) and a WebSocket probe
/// (closed with 1011 under `ws_1011`), both with the secret in their url and header.
fn write_loop(root: &Root, demo_port: u16) {
    root.write("faults.toml", "ws_1011 = true\nagents_404 = true\n");
    let leak = suite_script("leak_every_form.py");
    root.write_loop(
        "e2e",
        &format!(
            r#"title = "Secrets everywhere"
[secrets]
token = {{ env = "E2E_SECRET" }}
[vars]
port = "{demo_port}"
[env]
TOKEN = "${{token}}"
[deploy]
service = ["${{greenloop}}", "demo-backend", "--listen", "127.0.0.1:${{port}}", "--faults", "faults.toml"]
ready_url = "http://127.0.0.1:${{port}}/health?token=${{token}}"
ready_timeout = "20s"
[[suite]]
name = "auth"
command = ["{leak}"]
[[suite]]
name = "elsewhere"
command = ["{leak}"]
junit = "reports/e2e/junit/TEST-elsewhere.xml"
[[probe]]
kind = "http"
name = "agent start"
method = "POST"
url = "http://127.0.0.1:${{port}}/api/agents/start?token=${{token}}"
headers = {{ Authorization = "Bearer ${{token}}" }}
expect_status = 200
[[probe]]
kind = "websocket"
name = "agent events"
url = "ws://127.0.0.1:${{port}}/ws?token=${{token}}"
headers = {{ Authorization = "Bearer ${{token}}" }}
send = ['{{"type":"user_message","payload":{{"content":"hello"}}}}']
expect_events = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]
timeout = "5s"
"#
        ),
    );
}

fn assert_no_leak(oracle: &Oracle, what: &str, bytes: &[u8]) {
    if let Some(form) = oracle.leaked(bytes) {
        panic!(
            "{what} leaks the secret ({form}):\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// `GET path` on the daemon: status and body.
fn get(port: u16, path: &str) -> (u16, Vec<u8>) {
    request(port, "GET", path)
}

fn request(port: u16, method: &str, path: &str) -> (u16, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("http://127.0.0.1:{port}{path}");
        let client = reqwest::Client::new();
        let request = match method {
            // A JSON trigger, as the CLI and the dashboard send it.
            "POST" => client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body("{}"),
            _ => client.get(url),
        };
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.bytes().await.unwrap().to_vec())
            }
            Err(_) => (0, Vec::new()),
        }
    })
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or(serde_json::Value::Null)
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !ready() {
        assert!(Instant::now() < deadline, "{what} within {LIMIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `greenloop serve` in `root`, its stderr (greenloop's log) going to `log`.
fn serve(root: &Root, log: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .arg("serve")
        .current_dir(root.path())
        .env_remove("GREENLOOP_ROOT")
        .env("E2E_SECRET", SECRET)
        .env("GREENLOOP_LOG", "debug")
        .stdout(Stdio::from(
            File::create(log.with_extension("out")).unwrap(),
        ))
        .stderr(Stdio::from(File::create(log).unwrap()))
        .spawn()
        .expect("start greenloop serve")
}

#[test]
fn a_secret_used_everywhere_leaves_greenloop_in_no_form() {
    let root = Root::new();
    let (demo_port, api_port) = (free_port(), free_port());
    root.write(
        "config/greenloop.toml",
        &format!("[server]\nlisten = \"127.0.0.1:{api_port}\"\n"),
    );
    write_loop(&root, demo_port);
    let env = [("E2E_SECRET", SECRET), ("GREENLOOP_LOG", "debug")];
    let oracle = Oracle::new(SECRET);

    // `check` accepts the WebSocket url with the secret in it, and says nothing of it.
    let checked = root.greenloop_env(&["check"], &env);
    assert_eq!(code(&checked), 0, "{}", text(&checked));
    assert_no_leak(&oracle, "check", text(&checked).as_bytes());

    // One iteration from the CLI.
    let run = root.greenloop_env(&["run", "e2e"], &env);
    assert_eq!(code(&run), 1, "{}", text(&run));
    assert_no_leak(&oracle, "greenloop run (stdout)", &run.stdout);
    assert_no_leak(&oracle, "greenloop run (stderr)", &run.stderr);
    let latest = root.latest_json("e2e");
    // The probes ran with the real secret: the WebSocket connected (and was closed with 1011),
    // the HTTP probe was answered (404).
    assert_eq!(
        test_entry(&latest, "probe::agent events::connect")["status"],
        "passed"
    );
    assert_eq!(
        test_entry(&latest, "probe::agent events::close")["status"],
        "failed"
    );
    assert_eq!(
        test_entry(&latest, "probe::agent start::status")["status"],
        "failed"
    );
    assert_eq!(
        test_entry(&latest, "auth::tests.test_auth::test_login[***]")["message"],
        "401 Unauthorized for Bearer ***"
    );

    // A second iteration through the daemon, and every API answer.
    let log_dir = tempfile::tempdir().unwrap();
    let serve_log = log_dir.path().join("serve.log");
    let mut daemon = serve(&root, &serve_log);
    wait_for("the daemon answering", || {
        get(api_port, "/healthz").0 == 200
    });
    let (status, accepted) = request(api_port, "POST", "/api/v1/loops/e2e/iterations");
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&accepted));
    assert_no_leak(&oracle, "the trigger's answer", &accepted);
    wait_for("iteration 2 finished and the daemon idle", || {
        let (_, rows) = get(api_port, "/api/v1/loops/e2e/iterations");
        let (_, one) = get(api_port, "/api/v1/loops/e2e");
        let rows = json(&rows);
        let finished = rows
            .as_array()
            .is_some_and(|rows| rows.iter().filter(|r| !r["verdict"].is_null()).count() == 2);
        finished && json(&one)["running"].is_null()
    });
    let mut answers = 0;
    for path in [
        "/api/v1/loops",
        "/api/v1/loops/e2e",
        "/api/v1/loops/e2e/iterations",
        "/metrics",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain((1..=2).flat_map(|i| {
        ["", "/report", "/report.html"]
            .map(|tail| format!("/api/v1/loops/e2e/iterations/1/{i}{tail}"))
    })) {
        let (status, body) = get(api_port, &path);
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        assert_no_leak(&oracle, &path, &body);
        answers += 1;
    }
    assert_eq!(answers, 10);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    wait_for("the daemon exiting", || {
        daemon.try_wait().unwrap().is_some()
    });
    let said = std::fs::read(&serve_log).unwrap();
    assert!(!said.is_empty(), "serve logged at debug level");
    assert_no_leak(&oracle, "greenloop serve (stderr)", &said);
    assert_no_leak(
        &oracle,
        "greenloop serve (stdout)",
        &std::fs::read(serve_log.with_extension("out")).unwrap(),
    );

    // Every file greenloop wrote, byte for byte; the database's pages and its WAL included.
    let written: Vec<(String, Vec<u8>)> = files_under(root.path(), "reports")
        .into_iter()
        .chain(files_under(root.path(), "state"))
        .collect();
    let names: Vec<&str> = written.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("greenloop.db"))
            && names.iter().any(|n| n.ends_with("auth.log"))
            && names.iter().any(|n| n.ends_with("TEST-elsewhere.xml"))
            && names.iter().filter(|n| n.ends_with(".md")).count() >= 4,
        "{names:#?}"
    );
    for (name, bytes) in &written {
        assert_no_leak(&oracle, name, bytes);
    }
    // The masking is what kept them clean: the suite's log has its lines, masked.
    let (_, log) = written
        .iter()
        .find(|(name, _)| name.ends_with("auth.log"))
        .unwrap();
    let log = String::from_utf8_lossy(log);
    // Base64 of the secret inside longer data keeps the characters its neighbours decide
    // (`eHl***`); every other form is masked whole.
    let masked = log
        .lines()
        .filter(|line| line.contains("'Bearer ") && line.contains("***"))
        .count();
    assert_eq!(masked, 10, "{log}");
    assert!(log.contains("'Bearer ***'}  # form 0"), "{log}");
}
