//! The daemon in-process on a temp root and a free port: triggers through the API and the CLI,
//! queueing and coalescing, tokens, the event stream, metrics, and reports over HTTP.

mod common;
mod daemon_support;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Root, code, text};
use daemon_support::TestDaemon;
use futures_util::StreamExt;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);

/// A loop whose one suite sleeps `seconds` and exits `exit`.
fn sleeping_loop(seconds: f64, exit: u8) -> String {
    format!(
        r#"title = "Sleepy"
[[suite]]
name = "nap"
command = ["sh", "-c", "sleep {seconds}; exit {exit}"]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_trigger_runs_an_iteration_whose_report_the_api_serves() {
    let root = Root::new();
    root.write_loop("api", &sleeping_loop(0.0, 0));
    let d = TestDaemon::start(root.path()).await;

    let (status, accepted) = d.trigger("api").await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["state"], "started");
    assert_eq!(
        (accepted["loop"].as_u64(), accepted["iteration"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(accepted["loop_name"], "api");

    let rows = d.wait_iterations("api", 1, LIMIT).await;
    assert_eq!(rows[0]["verdict"], "green");
    assert_eq!(rows[0]["trigger"], "manual (api)");

    let (status, json) = d.get("/api/v1/loops/api/iterations/1/1").await;
    assert_eq!(status, 200);
    assert_eq!(json["verdict"], "green");
    assert_eq!(json["loop_name"], "api");
    assert_eq!(
        json,
        root.latest_json("api"),
        "the API serves the iteration's JSON twin"
    );
    let (status, report) = d.get_text("/api/v1/loops/api/iterations/1/1/report").await;
    assert_eq!(status, 200);
    assert!(
        report.starts_with("# Sleepy — Loop 1 / Iteration 1"),
        "{report}"
    );

    let (status, one) = d.get("/api/v1/loops/api").await;
    assert_eq!(status, 200);
    assert_eq!(one["last"]["verdict"], "green");
    assert_eq!(one["title"], "Sleepy");
    assert!(one["running"].is_null());

    let (status, missing) = d.get("/api/v1/loops/api/iterations/1/9").await;
    assert_eq!(status, 404, "{missing}");
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("Loop 1 / Iteration 9")
    );
    let (status, unknown) = d.trigger("nope").await;
    assert_eq!(status, 404);
    assert!(
        unknown["error"]
            .as_str()
            .unwrap()
            .contains("loops/nope.toml"),
        "{unknown}"
    );
    let (status, _) = d.get("/api/v1/loops/..%2Fsecret").await;
    assert_eq!(
        status, 404,
        "names that are not loop names never reach a path"
    );
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_triggers_give_one_running_and_one_queued_iteration() {
    let root = Root::new();
    root.write_loop("busy", &sleeping_loop(1.0, 1));
    let d = TestDaemon::start(root.path()).await;

    let answers = futures_util::future::join_all((0..200).map(|_| d.trigger("busy"))).await;
    let activity = d.daemon.coordinator().activity();
    assert_eq!(activity.running(), 1, "{activity:?}");
    assert_eq!(activity.queued(), 1, "{activity:?}");

    let states: Vec<(String, bool)> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 202, "{body}");
            (
                body["state"].as_str().unwrap().to_owned(),
                body["coalesced"] == true,
            )
        })
        .collect();
    let count = |state: &str, coalesced: bool| {
        states
            .iter()
            .filter(|(s, c)| s == state && *c == coalesced)
            .count()
    };
    assert_eq!(count("started", false), 1);
    assert_eq!(count("queued", false), 1);
    assert_eq!(count("queued", true), 198);
    let queued_ids: BTreeSet<u64> = answers
        .iter()
        .filter(|(_, b)| b["state"] == "queued")
        .map(|(_, b)| b["trigger_id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        queued_ids.len(),
        1,
        "every queued trigger joined the same one"
    );
    let expected: Vec<&Value> = answers
        .iter()
        .filter(|(_, b)| b["state"] == "queued")
        .map(|(_, b)| &b["iteration"])
        .collect();
    assert!(
        expected.iter().all(|i| i.as_u64() == Some(2)),
        "queued behind iteration 1"
    );

    d.wait_idle(LIMIT).await;
    let rows = d.wait_iterations("busy", 2, LIMIT).await;
    let numbers: BTreeSet<(u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["at"]["loop"].as_u64().unwrap(),
                r["at"]["iteration"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 2, "exactly two iterations ran: {rows:?}");
    assert_eq!(numbers, BTreeSet::from([(1, 1), (1, 2)]));
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_every_two_seconds_starts_iterations_by_itself() {
    let root = Root::new();
    root.write_loop(
        "cron",
        &format!("schedule = \"*/2 * * * * *\"\n{}", sleeping_loop(0.0, 1)),
    );
    let d = TestDaemon::start(root.path()).await;
    let (_, state) = d.get("/api/v1/loops/cron").await;
    assert_eq!(state["schedule"], "*/2 * * * * * (UTC)");
    let next: chrono::DateTime<chrono::Utc> = state["next_run"]
        .as_str()
        .expect("the armed schedule's next run")
        .parse()
        .unwrap();
    let ahead = next - chrono::Utc::now();
    assert!(
        ahead <= chrono::Duration::seconds(2) && next.timestamp() % 2 == 0,
        "an even second within 2 s: {next}"
    );
    let rows = d.wait_iterations("cron", 2, Duration::from_secs(10)).await;
    assert!(rows.iter().all(|r| r["trigger"] == "schedule"), "{rows:?}");
    let numbers: BTreeSet<u64> = rows
        .iter()
        .map(|r| r["at"]["iteration"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.len(), rows.len(), "no duplicate numbers: {rows:?}");
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_busy_skip_refuses_a_trigger_while_the_loop_runs_with_409() {
    let root = Root::new();
    root.write_loop(
        "skippy",
        &format!("on_busy = \"skip\"\n{}", sleeping_loop(1.0, 0)),
    );
    let d = TestDaemon::start(root.path()).await;
    let (status, first) = d.trigger("skippy").await;
    assert_eq!((status, first["state"].as_str()), (202, Some("started")));
    let (status, refused) = d.trigger("skippy").await;
    assert_eq!(status, 409, "{refused}");
    let error = refused["error"].as_str().unwrap();
    assert!(
        error.contains("Loop 1 / Iteration 1") && error.contains("skip"),
        "{error}"
    );
    assert_eq!(d.daemon.coordinator().activity().queued(), 0);
    d.wait_idle(LIMIT).await;
    let rows = d.wait_iterations("skippy", 1, LIMIT).await;
    assert_eq!(rows.len(), 1, "the skipped trigger ran nothing");
    let (_, metrics) = d.get_text("/metrics").await;
    assert!(
        metrics.contains("greenloop_triggers_total{loop=\"skippy\",result=\"skipped\"} 1"),
        "{metrics}"
    );

    let output = root.greenloop(&["trigger", "skippy", "--url", &d.base]);
    assert_eq!(
        code(&output),
        0,
        "idle again, so accepted: {}",
        text(&output)
    );
    let output = root.greenloop(&["trigger", "skippy", "--url", &d.base]);
    assert_eq!(code(&output), 4, "busy and skip: {}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("skipped"));
    d.wait_idle(LIMIT).await;
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_loops_holds_other_loops_until_a_slot_frees() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        "[limits]\nmax_concurrent_loops = 1\n",
    );
    root.write_loop("first", &sleeping_loop(0.5, 0));
    root.write_loop("second", &sleeping_loop(0.0, 0));
    let d = TestDaemon::start(root.path()).await;

    let (_, first) = d.trigger("first").await;
    let (_, second) = d.trigger("second").await;
    assert_eq!(first["state"], "started");
    assert_eq!(second["state"], "queued", "{second}");
    assert_eq!(second["iteration"], 1);
    let activity = d.daemon.coordinator().activity();
    assert_eq!(activity.running(), 1);
    d.wait_idle(LIMIT).await;
    let first_done = d.wait_iterations("first", 1, LIMIT).await[0]["finished_at"].clone();
    let second_started = d.wait_iterations("second", 1, LIMIT).await[0]["started_at"].clone();
    assert!(
        second_started.as_str().unwrap() >= first_done.as_str().unwrap(),
        "second started {second_started} before first finished {first_done}"
    );
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_triggers_always_and_reads_unless_public() {
    let root = Root::new();
    root.write("token", "s3cret-token\n");
    root.write(
        "config/greenloop.toml",
        "[server]\ntoken = { file = \"token\" }\n",
    );
    root.write_loop("guarded", &sleeping_loop(0.0, 0));
    let d = TestDaemon::start(root.path()).await;
    let url = |path: &str| format!("{}{path}", d.base);

    let (status, body) = d
        .send(d.http.post(url("/api/v1/loops/guarded/iterations")), false)
        .await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
    let (status, _) = d
        .send(
            d.http
                .post(url("/api/v1/loops/guarded/iterations"))
                .bearer_auth("s3cret-tokem"),
            false,
        )
        .await;
    assert_eq!(status, 401, "a wrong token is refused");
    for path in [
        "/api/v1/loops",
        "/metrics",
        "/api/v1/loops/guarded/iterations",
    ] {
        let (status, _) = d.send(d.http.get(url(path)), false).await;
        assert_eq!(status, 401, "{path} needs the token for reads");
    }
    let (status, body) = d.send(d.http.get(url("/healthz")), false).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = d.trigger("guarded").await;
    assert_eq!(status, 202, "the right token is accepted: {body}");
    let (status, _) = d
        .send(
            d.http.get(url("/api/v1/loops?access_token=s3cret-token")),
            false,
        )
        .await;
    assert_eq!(
        status, 401,
        "the query token is for the events WebSocket only (tests/api_safety.rs)"
    );
    d.wait_idle(LIMIT).await;
    d.daemon.stop().await.unwrap();

    root.write(
        "config/greenloop.toml",
        "[server]\ntoken = { file = \"token\" }\npublic_read = true\n",
    );
    let d = TestDaemon::start(root.path()).await;
    let (status, _) = d.send(d.http.get(url_of(&d, "/api/v1/loops")), false).await;
    assert_eq!(status, 200, "public_read opens reads");
    let (status, _) = d
        .send(
            d.http.post(url_of(&d, "/api/v1/loops/guarded/iterations")),
            false,
        )
        .await;
    assert_eq!(status, 401, "but never triggers");
    d.daemon.stop().await.unwrap();
}

fn url_of(d: &TestDaemon, path: &str) -> String {
    format!("{}{path}", d.base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_follows_an_iteration_from_start_to_verdict() {
    let root = Root::new();
    root.write_loop("live", &sleeping_loop(0.1, 1));
    let d = TestDaemon::start(root.path()).await;
    let ws = format!("{}/api/v1/events", d.base.replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(ws.as_str()).await.unwrap();

    let (_, accepted) = d.trigger("live").await;
    let mut seen = Vec::new();
    while let Some(message) = tokio::time::timeout(LIMIT, socket.next()).await.unwrap() {
        let Ok(tokio_tungstenite::tungstenite::Message::Text(text)) = message else {
            continue;
        };
        let event: Value = serde_json::from_str(text.as_str()).unwrap();
        assert_eq!(event["loop_name"], "live");
        assert_eq!(event["trigger_id"], accepted["trigger_id"]);
        let kind = event["type"].as_str().unwrap().to_owned();
        seen.push(kind.clone());
        if kind == "iteration_finished" {
            assert_eq!(event["verdict"], "failing");
            assert_eq!(
                (event["loop"].as_u64(), event["iteration"].as_u64()),
                (Some(1), Some(1))
            );
            assert_eq!(
                event["totals"]["failed"].as_u64().unwrap()
                    + event["totals"]["errors"].as_u64().unwrap(),
                1
            );
            break;
        }
        if kind == "suite_finished" {
            assert_eq!(event["suite"], "nap");
            assert!(event["duration_s"].as_f64().unwrap() >= 0.1);
        }
    }
    assert_eq!(
        seen,
        [
            "iteration_started",
            "suite_started",
            "suite_finished",
            "iteration_finished"
        ]
    );
    d.daemon.stop().await.unwrap();
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next event on `socket`, as JSON.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(LIMIT, socket.next())
            .await
            .expect("an event within the limit")
            .expect("the stream is open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_asking_for_replay_gets_the_latest_cycle_first_then_live_events() {
    let root = Root::new();
    root.write_loop("live", &sleeping_loop(0.0, 1));
    let d = TestDaemon::start(root.path()).await;
    let (_, first) = d.trigger("live").await;
    d.wait_iterations("live", 1, LIMIT).await;
    let ws = format!("{}/api/v1/events", d.base.replacen("http", "ws", 1));
    let (mut plain, _) = tokio_tungstenite::connect_async(ws.as_str()).await.unwrap();
    let (mut replaying, _) = tokio_tungstenite::connect_async(format!("{ws}?replay=true"))
        .await
        .unwrap();
    let (_, second) = d.trigger("live").await;

    let cycle = [
        "iteration_started",
        "suite_started",
        "suite_finished",
        "iteration_finished",
    ];
    let mut times = Vec::new();
    for (iteration, trigger, replayed) in [(1, &first, true), (2, &second, false)] {
        for kind in cycle {
            let event = next_event(&mut replaying).await;
            assert_eq!(
                (
                    event["type"].as_str(),
                    event["iteration"].as_u64(),
                    &event["trigger_id"]
                ),
                (Some(kind), Some(iteration), &trigger["trigger_id"]),
                "{event}"
            );
            assert_eq!(event["replayed"].as_bool(), replayed.then_some(true));
            let time = event["time"].as_str().expect("every event has a time");
            times.push(chrono::DateTime::parse_from_rfc3339(time).unwrap());
        }
    }
    assert!(times.is_sorted(), "in the order they happened: {times:?}");

    // Without ?replay a listener hears only what happens after it connected.
    let event = next_event(&mut plain).await;
    assert_eq!(
        (event["type"].as_str(), event["iteration"].as_u64()),
        (Some("iteration_started"), Some(2)),
        "{event}"
    );
    assert!(event.get("replayed").is_none(), "{event}");
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_iterations_by_verdict_and_show_what_runs() {
    let root = Root::new();
    root.write_loop("green", &sleeping_loop(0.0, 0));
    root.write_loop("red", &sleeping_loop(0.0, 1));
    let d = TestDaemon::start(root.path()).await;
    d.trigger("green").await;
    d.trigger("red").await;
    d.wait_idle(LIMIT).await;
    d.trigger("red").await;
    d.wait_idle(LIMIT).await;

    let (status, metrics) = d.get_text("/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "greenloop_iterations_total{loop=\"green\",verdict=\"green\"} 1",
        "greenloop_iterations_total{loop=\"red\",verdict=\"failing\"} 2",
        "greenloop_iteration_duration_seconds_count{loop=\"red\"} 2",
        "greenloop_pass_rate{loop=\"green\"} 1",
        "greenloop_pass_rate{loop=\"red\"} 0",
        "greenloop_triggers_total{loop=\"red\",result=\"started\"} 2",
        "greenloop_running_iterations 0",
        "greenloop_queued_triggers 0",
        "# TYPE greenloop_iterations_total counter",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in:\n{metrics}"
        );
    }
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_file_broken_after_start_fails_its_trigger_and_the_daemon_keeps_going() {
    let root = Root::new();
    root.write_loop("fine", &sleeping_loop(0.0, 0));
    root.write_loop("edited", &sleeping_loop(0.0, 0));
    let d = TestDaemon::start(root.path()).await;
    root.write_loop(
        "edited",
        "title = \"Edited\"\n[[suite]]\nname = \"x\"\ncommand = []\ntimeout = \"soon\"\n",
    );

    let (status, body) = d.trigger("edited").await;
    assert_eq!(status, 422, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("loops/edited.toml:4:11"),
        "names file:line:column: {error}"
    );
    let (_, state) = d.get("/api/v1/loops/edited").await;
    assert!(
        state["config_error"]
            .as_str()
            .unwrap()
            .contains("`command` is empty"),
        "{state}"
    );

    let rows = d.wait_iterations("edited", 1, LIMIT).await;
    assert_eq!(
        rows[0]["verdict"], "error",
        "the failed trigger left an error iteration: {rows:?}"
    );
    let report = root.latest_md("edited");
    assert!(report.contains("loops/edited.toml:4:11"), "{report}");

    let (status, body) = d.trigger("fine").await;
    assert_eq!(status, 202, "{body}");
    d.wait_iterations("fine", 1, LIMIT).await;
    d.daemon.stop().await.unwrap();
}

#[test]
fn the_cli_triggers_the_daemon_and_waits_for_the_verdict() {
    let root = Root::new();
    root.write_loop("cli", &sleeping_loop(0.0, 1));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let d = runtime.block_on(TestDaemon::start(root.path()));

    let output = root.greenloop(&["trigger", "cli", "--wait", "--url", &d.base]);
    assert_eq!(
        code(&output),
        1,
        "exits like run for a failing iteration: {}",
        text(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("cli: Loop 1 / Iteration 1 started"),
        "{}",
        text(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("verdict: failing"), "{}", text(&output));

    let output = root.greenloop(&["trigger", "cli", "--url", &d.base]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let output = root.greenloop(&["trigger", "missing", "--url", &d.base]);
    assert_eq!(code(&output), 2, "{}", text(&output));
    runtime.block_on(d.wait_idle(LIMIT));

    let output = root.greenloop(&["healthcheck", "--url", &d.base]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let output = root.greenloop(&["status", "--url", &d.base]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("daemon at {}", d.base)),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("cli ") && l.contains("L1 I2") && l.contains("failing")),
        "{stdout}"
    );
    runtime.block_on(d.daemon.stop()).unwrap();

    let output = root.greenloop(&["status", "--url", &d.base]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("no daemon running; read from the history store"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("cli ") && l.contains("L1 I2")),
        "{stdout}"
    );
    let output = root.greenloop(&["trigger", "cli", "--url", &d.base]);
    assert_eq!(code(&output), 3, "no daemon: {}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("greenloop serve"));
    let output = root.greenloop(&["healthcheck", "--url", &d.base]);
    assert_eq!(code(&output), 1, "no daemon, unhealthy: {}", text(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_run_by_another_greenloop_process_is_busy_not_broken() {
    let root = Root::new();
    root.write_loop(
        "shared",
        "[[suite]]\nname = \"nap\"\ncommand = [\"sh\", \"-c\", \"touch started; sleep 2\"]\n",
    );
    let d = TestDaemon::start(root.path()).await;
    let mut cli = std::process::Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(["run", "shared"])
        .current_dir(root.path())
        .env_remove("GREENLOOP_ROOT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + LIMIT;
    while !root.path().join("started").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the CLI run never started its suite"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = d.trigger("shared").await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("another greenloop process"),
        "{body}"
    );
    assert!(cli.wait().unwrap().success());
    d.wait_idle(LIMIT).await;
    let (status, body) = d.trigger("shared").await;
    assert_eq!(status, 202, "free again: {body}");
    // The CLI's green iteration closed Loop 1.
    assert_eq!(
        (body["loop"].as_u64(), body["iteration"].as_u64()),
        (Some(2), Some(1))
    );
    d.wait_iterations("shared", 2, LIMIT).await;
    d.daemon.stop().await.unwrap();
}
