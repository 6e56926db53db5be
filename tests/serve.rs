//! `greenloop serve` as a real process: SIGTERM during an iteration writes an interrupted
//! report and exits within the grace period; kill -9 and a restart keep history and numbering;
//! SIGHUP re-reads the schedules.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Root, free_port, process_gone};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

/// A root whose daemon listens on a free port, with short grace periods.
fn root_with_port() -> (Root, u16) {
    let port = free_port();
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[limits]\nkill_grace = \"1s\"\nshutdown_grace = \"10s\"\n"
        ),
    );
    // The suite writes its pid (`$$$$` is `$$` after template expansion), then hangs: the iteration is running until something stops it.
    root.write_loop(
        "long",
        "[[suite]]\nname = \"hang\"\ncommand = [\"sh\", \"-c\", \"echo $$$$ > suite.pid; exec sleep 60\"]\n",
    );
    (root, port)
}

fn serve(root: &Root) -> Child {
    Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .arg("serve")
        .current_dir(root.path())
        .env_remove("GREENLOOP_ROOT")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start greenloop serve")
}

fn http(port: u16, method: &str, path: &str) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("http://127.0.0.1:{port}{path}");
        let client = reqwest::Client::new();
        let request = if method == "POST" {
            client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
        } else {
            client.get(url)
        };
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                (status, serde_json::from_str(&text).unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    })
}

fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts serve and waits until the suite of a triggered iteration runs; returns the suite pid.
fn start_iteration(root: &Root, port: u16, expect: (u64, u64)) -> (Child, i32) {
    let daemon = serve(root);
    wait_for("the daemon answering", Duration::from_secs(20), || {
        http(port, "GET", "/healthz").0 == 200
    });
    let _ = std::fs::remove_file(root.path().join("suite.pid"));
    let (status, accepted) = http(port, "POST", "/api/v1/loops/long/iterations");
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(
        (
            accepted["loop"].as_u64().unwrap(),
            accepted["iteration"].as_u64().unwrap()
        ),
        expect
    );
    let pid_file = root.path().join("suite.pid");
    let mut pid = 0;
    wait_for("the suite starting", Duration::from_secs(20), || {
        pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        pid > 0
    });
    (daemon, pid)
}

#[test]
fn sigterm_interrupts_the_running_iteration_writes_its_report_and_exits_in_time() {
    let (root, port) = root_with_port();
    let (mut daemon, suite) = start_iteration(&root, port, (1, 1));

    let asked = Instant::now();
    kill(Pid::from_raw(daemon.id() as i32), Signal::SIGTERM).unwrap();
    let mut status = None;
    wait_for("the daemon exiting", Duration::from_secs(10), || {
        status = daemon.try_wait().unwrap();
        status.is_some()
    });
    assert!(
        status.unwrap().success(),
        "a clean stop exits 0: {status:?}"
    );
    assert!(asked.elapsed() < Duration::from_secs(10));
    assert!(process_gone(suite), "the suite's process was killed");

    let json = root.latest_json("long");
    assert_eq!(json["verdict"], "interrupted");
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(root.latest_md("long").contains("interrupted"));
}

#[test]
fn after_kill_9_a_restart_reports_the_lost_iteration_and_numbering_goes_on() {
    let (root, port) = root_with_port();
    let (mut daemon, suite) = start_iteration(&root, port, (1, 1));
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    // SIGKILL gives the daemon no chance to stop its suites; the container's init does.
    let _ = kill(Pid::from_raw(-suite), Signal::SIGKILL);

    let (mut daemon, suite) = start_iteration(&root, port, (1, 2));
    let (status, rows) = http(port, "GET", "/api/v1/loops/long/iterations");
    assert_eq!(status, 200);
    let first = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["at"]["iteration"] == 1)
        .expect("iteration 1 is still in the history")
        .clone();
    assert_eq!(first["verdict"], "interrupted", "{first}");
    let (status, report) = http(port, "GET", "/api/v1/loops/long/iterations/1/1");
    assert_eq!(status, 200);
    assert_eq!(report["verdict"], "interrupted");

    kill(Pid::from_raw(daemon.id() as i32), Signal::SIGTERM).unwrap();
    daemon.wait().unwrap();
    assert!(process_gone(suite));
    assert_eq!(root.latest_json("long")["iteration"], 2);
}

#[test]
fn log_format_json_writes_one_object_per_line_for_containers() {
    use std::io::BufRead;
    let (root, port) = root_with_port();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(["--log-format", "json", "serve"])
        .current_dir(root.path())
        .env_remove("GREENLOOP_ROOT")
        .env_remove("GREENLOOP_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start greenloop serve");
    let mut lines = std::io::BufReader::new(daemon.stderr.take().unwrap()).lines();
    let first = lines.next().expect("a log line").unwrap();
    let line: Value = serde_json::from_str(&first).expect("the log line is JSON");
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(
        line["fields"]["message"],
        format!("greenloop listening on http://127.0.0.1:{port}")
    );
    kill(Pid::from_raw(daemon.id() as i32), Signal::SIGTERM).unwrap();
    assert!(daemon.wait().unwrap().success());
}

/// How many iterations of `name` the daemon has, once none is running or waiting.
fn settled_iterations(port: u16, name: &str) -> usize {
    wait_for("the loop going idle", Duration::from_secs(20), || {
        let (_, loops) = http(port, "GET", "/api/v1/loops");
        loops.as_array().is_some_and(|loops| {
            loops
                .iter()
                .filter(|l| l["name"] == name)
                .all(|l| l["running"].is_null() && l["queued"].is_null())
        })
    });
    let (status, rows) = http(port, "GET", &format!("/api/v1/loops/{name}/iterations"));
    assert_eq!(status, 200, "{rows}");
    rows.as_array().unwrap().len()
}

#[test]
fn sighup_rereads_the_loop_files_schedules() {
    let (root, port) = root_with_port();
    let mut daemon = serve(&root);
    wait_for("the daemon answering", Duration::from_secs(20), || {
        http(port, "GET", "/healthz").0 == 200
    });
    let every_second = "schedule = \"*/1 * * * * *\"\n";
    let tick = |schedule: &str| {
        root.write_loop(
            "tick",
            &format!("{schedule}[[suite]]\nname = \"t\"\ncommand = [\"true\"]\n"),
        );
    };
    let hup = || kill(Pid::from_raw(daemon.id() as i32), Signal::SIGHUP).unwrap();

    let next_run = || {
        let (status, state) = http(port, "GET", "/api/v1/loops/tick");
        assert_eq!(status, 200, "{state}");
        state["next_run"].clone()
    };

    tick(every_second);
    assert_eq!(next_run(), Value::Null, "not armed before SIGHUP");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        settled_iterations(port, "tick"),
        0,
        "a schedule added while the daemon runs waits for SIGHUP"
    );

    hup();
    wait_for("the schedule armed", Duration::from_secs(20), || {
        next_run().is_string()
    });
    // Every second, so only roughly: the next run is a second or two away.
    let status = root.greenloop(&["status", "tick"]);
    let table = String::from_utf8_lossy(&status.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("tick "))
        .unwrap_or_default();
    let shown: Vec<&str> = row.split_whitespace().rev().take(2).collect();
    let shown = chrono::NaiveDateTime::parse_from_str(
        &format!(
            "{} {}",
            shown.get(1).unwrap_or(&""),
            shown.first().unwrap_or(&"")
        ),
        "%Y-%m-%d %H:%M:%S",
    )
    .unwrap_or_else(|e| panic!("no next run at the end of {row:?} ({e}): {table}"));
    let ahead = shown.and_utc() - chrono::Utc::now();
    assert!(
        table.contains("NEXT RUN (UTC)") && ahead.num_seconds().abs() <= 3,
        "the CLI shows the next run: {table}"
    );
    wait_for("scheduled iterations", Duration::from_secs(20), || {
        settled_iterations(port, "tick") >= 2
    });

    tick("");
    hup();
    wait_for("the schedule gone", Duration::from_secs(20), || {
        next_run().is_null()
    });
    let before = settled_iterations(port, "tick");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        settled_iterations(port, "tick"),
        before,
        "the schedule removed and SIGHUP sent: no more iterations"
    );

    kill(Pid::from_raw(daemon.id() as i32), Signal::SIGTERM).unwrap();
    assert!(daemon.wait().unwrap().success(), "SIGHUP did not stop it");
}

/// Two suites that leave named pipes at their JUnit paths and two loop files turned absurd
/// (durations no clock can hold) while the daemon runs: none of them can freeze it. It keeps
/// answering, runs a third loop to green, and stops on the first SIGTERM within its grace.
#[test]
fn pipes_and_absurd_durations_cannot_freeze_the_daemon() {
    let port = free_port();
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[limits]\nmax_concurrent_loops = 5\nkill_grace = \"1s\"\nshutdown_grace = \"5s\"\n"
        ),
    );
    let pipe = "[[suite]]\nname = \"pipe\"\ncommand = [\"sh\", \"-c\", \"mkfifo ${junit}\"]\ntimeout = \"5s\"\n";
    for name in ["fifo-a", "fifo-b", "absurd-a", "absurd-b"] {
        root.write_loop(name, pipe);
    }
    root.write_loop("good", "[[suite]]\nname = \"ok\"\ncommand = [\"true\"]\n");
    let mut daemon = serve(&root);
    wait_for("the daemon answering", Duration::from_secs(20), || {
        http(port, "GET", "/healthz").0 == 200
    });
    // Turned absurd after the start, as an edit on a running VM would.
    let absurd =
        "[[suite]]\nname = \"slow\"\ncommand = [\"true\"]\ntimeout = \"18446744073709551615s\"\n";
    root.write_loop("absurd-a", absurd);
    root.write_loop(
        "absurd-b",
        &absurd.replace("18446744073709551615s", "300000000000y"),
    );
    for name in ["fifo-a", "fifo-b"] {
        let (status, body) = http(port, "POST", &format!("/api/v1/loops/{name}/iterations"));
        assert_eq!(status, 202, "{name}: {body}");
    }
    for name in ["absurd-a", "absurd-b"] {
        let (status, body) = http(port, "POST", &format!("/api/v1/loops/{name}/iterations"));
        assert_eq!(status, 422, "{name}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("longest duration"),
            "{body}"
        );
    }
    assert_eq!(http(port, "GET", "/healthz").0, 200);
    let (status, body) = http(port, "POST", "/api/v1/loops/good/iterations");
    assert_eq!(status, 202, "{body}");
    wait_for("every loop settling", Duration::from_secs(30), || {
        ["fifo-a", "fifo-b", "good"]
            .iter()
            .all(|name| settled_iterations(port, name) == 1)
    });
    let (_, good) = http(port, "GET", "/api/v1/loops/good");
    assert_eq!(good["last"]["verdict"], "green", "{good}");
    let (_, pipe) = http(port, "GET", "/api/v1/loops/fifo-a");
    assert_eq!(pipe["last"]["verdict"], "failing", "{pipe}");

    let asked = Instant::now();
    kill(Pid::from_raw(daemon.id() as i32), Signal::SIGTERM).unwrap();
    let mut status = None;
    wait_for("the daemon exiting", Duration::from_secs(5), || {
        status = daemon.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success(), "{status:?}");
    assert!(asked.elapsed() < Duration::from_secs(5));
}
