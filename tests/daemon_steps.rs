//! The daemon running whole cycles: a deploy that fails, a `service` kept up for the battery,
//! `[[collect]]` output in the report, and a fix with `auto_continue` converging to green.

mod common;
mod daemon_support;

use std::time::Duration;

use common::{Root, free_port};
use daemon_support::TestDaemon;

const LIMIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_deploy_makes_the_iteration_an_error_without_running_the_battery() {
    let root = Root::new();
    root.write_loop(
        "deploy",
        r#"
[deploy]
command = ["sh", "-c", "echo 'image push denied'; exit 7"]

[[suite]]
name = "api"
command = ["sh", "-c", "touch battery-ran"]
"#,
    );
    let d = TestDaemon::start(root.path()).await;
    let (status, accepted) = d.trigger("deploy").await;
    assert_eq!(status, 202, "{accepted}");
    let rows = d.wait_iterations("deploy", 1, LIMIT).await;
    assert_eq!(rows[0]["verdict"], "error");
    assert!(
        !root.path().join("battery-ran").exists(),
        "the battery did not run"
    );
    let report = root.latest_md("deploy");
    assert!(report.contains("image push denied"), "{report}");
    assert_eq!(root.latest_json("deploy")["deploy"]["status"], "failed");
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_deploy_serves_the_battery_and_is_stopped_after() {
    let port = free_port();
    let root = Root::new();
    root.write("site/health", "ok\n");
    root.write_loop(
        "local",
        &format!(
            r#"
[vars]
port = "{port}"

[deploy]
service = ["python3", "-m", "http.server", "${{port}}", "--bind", "127.0.0.1", "--directory", "site"]
ready_url = "http://127.0.0.1:${{port}}/health"
ready_timeout = "20s"

[[probe]]
kind = "http"
name = "health"
url = "http://127.0.0.1:${{port}}/health"
expect_status = 200
body_contains = "ok"
"#
        ),
    );
    let d = TestDaemon::start(root.path()).await;
    d.trigger("local").await;
    let rows = d.wait_iterations("local", 1, LIMIT).await;
    let json = root.latest_json("local");
    assert_eq!(rows[0]["verdict"], "green", "{json:#}");
    assert_eq!(json["deploy"]["kind"], "service");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the service was stopped after the iteration"
    );
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_with_auto_continue_iterates_until_green_and_collects_diagnostics_on_the_way() {
    let root = Root::new();
    root.write("fault", "2\n");
    root.write_loop(
        "mend",
        r#"
max_iterations = 5

[[suite]]
name = "api"
# Fails while faults remain.
command = ["sh", "-c", "test \"$(cat fault)\" -eq 0"]

[[collect]]
name = "backend errors"
command = ["sh", "-c", "echo \"faults left: $(cat fault)\""]

[fix]
# Mends one fault per run.
command = ["sh", "-c", "echo $(( $(cat fault) - 1 )) > fault"]
auto_continue = true
"#,
    );
    let d = TestDaemon::start(root.path()).await;
    let (status, accepted) = d.trigger("mend").await;
    assert_eq!(status, 202, "{accepted}");
    let rows = d.wait_iterations("mend", 3, LIMIT).await;
    d.wait_idle(LIMIT).await;
    let rows_now = d.wait_iterations("mend", 3, LIMIT).await;
    assert_eq!(rows_now.len(), 3, "green stops the loop: {rows_now:?}");
    let verdicts: Vec<&str> = rows
        .iter()
        .rev()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["failing", "failing", "green"]);
    let triggers: Vec<&str> = rows
        .iter()
        .rev()
        .map(|r| r["trigger"].as_str().unwrap())
        .collect();
    assert_eq!(triggers[0], "manual (api)");
    assert!(
        triggers[1].starts_with("fix (after Loop 1 / Iteration 1"),
        "{triggers:?}"
    );
    assert!(
        triggers[2].starts_with("fix (after Loop 1 / Iteration 2"),
        "{triggers:?}"
    );

    let (status, first) = d.get_text("/api/v1/loops/mend/iterations/1/1/report").await;
    assert_eq!(status, 200);
    assert!(
        first.contains("faults left: 2"),
        "collect output is in the failing report:\n{first}"
    );
    let green = root.latest_md("mend");
    assert!(
        !green.contains("faults left"),
        "no collects for a green iteration:\n{green}"
    );
    d.daemon.stop().await.unwrap();
}
