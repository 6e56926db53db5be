//! The steps around the battery end to end: `[deploy]` (command and service), `[[collect]]`,
//! `[fix]` and `run --until-green`, with the real binary, real processes and real servers.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Root, code, fixture, free_port, text};

/// A port nothing listens on right now.
fn script(name: &str) -> String {
    fixture(&format!("scripts/{name}")).display().to_string()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The stem of Loop 1 / Iteration `n`'s report, e.g. `2026-11-22_loop-001_iteration-002`.
fn stem(root: &Root, name: &str, n: u32) -> String {
    let suffix = format!("_loop-001_iteration-{n:03}.md");
    root.report_files(name)
        .into_iter()
        .find(|f| !f.contains('/') && f.ends_with(&suffix))
        .unwrap_or_else(|| panic!("no report for iteration {n}: {:?}", root.report_files(name)))
        .trim_end_matches(".md")
        .to_owned()
}

fn report_md(root: &Root, name: &str, n: u32) -> String {
    let path = root
        .path()
        .join("reports")
        .join(name)
        .join(format!("{}.md", stem(root, name, n)));
    std::fs::read_to_string(path).unwrap()
}

fn report_json(root: &Root, name: &str, n: u32) -> serde_json::Value {
    let path = root
        .path()
        .join("reports")
        .join(name)
        .join(format!("{}.json", stem(root, name, n)));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// How many iteration reports (`*.md` with a stem) the loop has.
fn iteration_reports(root: &Root, name: &str) -> usize {
    root.report_files(name)
        .iter()
        .filter(|f| !f.contains('/') && f.contains("_loop-") && f.ends_with(".md"))
        .count()
}

/// A file under `reports/<name>/`, given relative to it.
fn report_file(root: &Root, name: &str, relative: &str) -> String {
    std::fs::read_to_string(root.path().join("reports").join(name).join(relative))
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// A server whose /health always answers 503, on its own runtime thread.
fn unhealthy_server() -> std::net::SocketAddr {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = Router::new().route(
                "/health",
                get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "warming up") }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app.into_make_service())
                .await
                .unwrap();
        });
    });
    addr
}

#[test]
fn a_failing_deploy_is_an_error_the_battery_never_runs_and_the_report_says_why() {
    let root = Root::new();
    root.write_loop(
        "deploy",
        r#"
[deploy]
command = ["sh", "-c", "echo pushing image; echo 'registry unreachable' >&2; exit 4"]

[[suite]]
name = "api"
command = ["touch", "battery-ran"]
"#,
    );
    let output = root.greenloop(&["run", "deploy"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert!(
        !root.path().join("battery-ran").exists(),
        "the battery ran after a failed deploy"
    );
    assert!(
        stdout(&output).contains("verdict: error"),
        "{}",
        text(&output)
    );
    assert!(
        stderr(&output).contains("✘ deploy — the deploy command exited with code 4 after"),
        "{}",
        text(&output)
    );

    let md = root.latest_md("deploy");
    for expected in [
        "**Verdict: error**",
        "The battery could not run: the deploy command exited with code 4 after",
        "- **Deploy:** ✘ the deploy command exited with code 4 after ",
        "## Deploy\n\nThe command `sh -c echo pushing image;",
        "registry unreachable",
        "1. Fix the deploy: the deploy command exited with code 4",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
    assert!(!md.contains("## Suites"), "{md}");
    assert!(!md.contains("## What changed"), "{md}");

    let json = root.latest_json("deploy");
    assert_eq!(json["schema_version"], 5);
    assert_eq!(json["verdict"], "error");
    assert_eq!(json["suites"], serde_json::json!([]));
    let deploy = &json["deploy"];
    assert_eq!(deploy["kind"], "command");
    assert_eq!(deploy["ok"], false);
    assert_eq!(deploy["status"], "failed");
    assert_eq!(deploy["exit"], "exited with code 4");
    assert!(
        deploy["output_tail"]
            .as_str()
            .unwrap()
            .contains("registry unreachable"),
        "{deploy:#}"
    );
    let log = report_file(&root, "deploy", deploy["log"].as_str().unwrap());
    assert!(log.contains("pushing image"), "{log}");

    // --until-green stops at an iteration that cannot run.
    let output = root.greenloop(&["run", "deploy", "--until-green"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert!(
        stderr(&output).contains("Loop 1 / Iteration 2 could not run; stopping"),
        "{}",
        text(&output)
    );
    assert_eq!(iteration_reports(&root, "deploy"), 2);
}

#[test]
fn a_deploy_whose_ready_url_never_answers_2xx_is_an_error_within_ready_timeout() {
    let addr = unhealthy_server();
    let root = Root::new();
    root.write_loop(
        "ready",
        &format!(
            r#"
[deploy]
command = ["true"]
ready_url = "http://{addr}/health"
ready_timeout = "2s"

[[suite]]
name = "api"
command = ["touch", "battery-ran"]
"#
        ),
    );
    let started = Instant::now();
    let output = root.greenloop(&["run", "ready"]);
    let took = started.elapsed();
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(15),
        "took {took:?}"
    );
    assert!(!root.path().join("battery-ran").exists());

    let md = root.latest_md("ready");
    let expected = format!("http://{addr}/health never answered 2xx within 2s (");
    assert!(md.contains(&expected), "missing {expected:?} in:\n{md}");
    assert!(md.contains("last answer: 503 Service Unavailable"), "{md}");
    let deploy = &root.latest_json("ready")["deploy"];
    assert_eq!(deploy["status"], "not_ready");
    assert_eq!(deploy["ready"]["last"], "503 Service Unavailable");
    assert!(
        deploy["ready"]["attempts"].as_u64().unwrap() >= 2,
        "{deploy:#}"
    );
}

#[test]
fn a_service_is_up_while_the_battery_runs_and_gone_after_it() {
    let root = Root::new();
    let port = free_port();
    let pidfile = root.path().join("service.pid");
    root.write_loop(
        "service",
        &format!(
            r#"
[vars]
port = "{port}"

[deploy]
service = ["python3", "{service}", "${{port}}", "{pidfile}"]
ready_url = "http://127.0.0.1:${{port}}/health"
ready_timeout = "20s"
revision = ["python3", "-c", "print(); print('  rev-' + '42  '); print('ignored')"]

[[suite]]
name = "answer"
command = ["python3", "-c", "import json, sys, urllib.request; assert json.load(urllib.request.urlopen(sys.argv[1]))['answer'] == 42", "http://127.0.0.1:${{port}}/api/answer"]

[[probe]]
kind = "http"
name = "health"
url = "http://127.0.0.1:${{port}}/health"
body_contains = "ok"
"#,
            service = script("service.py"),
            pidfile = pidfile.display(),
        ),
    );
    let output = root.greenloop(&["run", "service"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        common::process_gone(pid),
        "service {pid} outlived the iteration"
    );

    let md = root.latest_md("service");
    assert!(md.contains("**Verdict: green**"), "{md}");
    assert!(
        md.contains("- **Deploy:** ✔ service ready in ")
            && md.contains(&format!(
                "(http://127.0.0.1:{port}/health answered 200 OK after "
            )),
        "{md}"
    );
    assert!(md.contains("- **Revision:** `rev-42`"), "{md}");
    assert!(!md.contains("## Deploy\n"), "nothing went wrong: {md}");

    let json = root.latest_json("service");
    let deploy = &json["deploy"];
    assert_eq!(deploy["kind"], "service");
    assert_eq!(deploy["ok"], true);
    assert_eq!(deploy["revision"], "rev-42");
    assert_eq!(deploy["ready"]["last"], "200 OK");
    assert_eq!(deploy["service"]["exited_early"], false);
    let log = report_file(&root, "service", deploy["log"].as_str().unwrap());
    assert!(log.contains("GET /api/answer"), "{log}");
}

#[test]
fn a_service_that_exits_during_the_battery_is_reported() {
    let root = Root::new();
    let port = free_port();
    let pidfile = root.path().join("service.pid");
    root.write_loop(
        "flaky-service",
        &format!(
            r#"
[deploy]
service = ["python3", "{service}", "{port}", "{pidfile}", "1"]
ready_url = "http://127.0.0.1:{port}/health"
ready_timeout = "20s"

[[suite]]
name = "after-exit"
command = ["python3", "{wait_gone}", "{pidfile}"]
"#,
            service = script("service.py"),
            wait_gone = script("wait_gone.py"),
            pidfile = pidfile.display(),
        ),
    );
    let output = root.greenloop(&["run", "flaky-service"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let md = root.latest_md("flaky-service");
    for expected in [
        "; the service exited with code 7 ",
        "while the battery ran",
        "service: giving up after 1 requests",
        "Find why the service stopped during the battery: it exited with code 7",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
    let service = &root.latest_json("flaky-service")["deploy"]["service"];
    assert_eq!(service["exited_early"], true);
    assert_eq!(service["end"], "exited with code 7");
}

#[test]
fn a_service_that_exits_before_it_is_ready_is_an_error_at_once() {
    let root = Root::new();
    let port = free_port();
    root.write_loop(
        "dead-service",
        &format!(
            r#"
[deploy]
service = ["sh", "-c", "echo cannot bind; exit 5"]
ready_url = "http://127.0.0.1:{port}/health"
ready_timeout = "60s"

[[suite]]
name = "never"
command = ["true"]
"#
        ),
    );
    let started = Instant::now();
    let output = root.greenloop(&["run", "dead-service"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "not the 60 s ready_timeout: {:?}",
        started.elapsed()
    );
    assert!(
        stderr(&output).contains("✘ deploy — the service exited with code 5 after")
            && stderr(&output).contains("before it was ready"),
        "{}",
        text(&output)
    );
    let json = root.latest_json("dead-service");
    assert_eq!(json["verdict"], "error");
    assert_eq!(json["suites"].as_array().map(Vec::len), Some(0), "{json}");
    assert!(root.latest_md("dead-service").contains("cannot bind"));
}

#[test]
fn collect_output_is_in_a_failing_report_with_secrets_masked_and_absent_when_green() {
    let root = Root::new();
    let secret = "s3cr3t-steps-token";
    let write = |suite: &str| {
        root.write_loop(
            "collect",
            &format!(
                r#"
[secrets]
token = {{ env = "GREENLOOP_TEST_STEPS_TOKEN" }}

[env]
TOKEN = "${{token}}"

[[suite]]
name = "api"
command = ["sh", "-c", "{suite}"]

[[collect]]
name = "backend errors"
command = ["sh", "-c", "echo 'ERROR upstream 502'; echo \"auth with $TOKEN\" >&2"]

[[collect]]
name = "where"
command = ["sh", "-c", "echo loop ${{loop}} iteration ${{iteration}}"]
"#
            ),
        );
    };
    write("exit 1");
    let env = [("GREENLOOP_TEST_STEPS_TOKEN", secret)];
    let output = root.greenloop_env(&["run", "collect"], &env);
    assert_eq!(code(&output), 1, "{}", text(&output));

    let md = root.latest_md("collect");
    for expected in [
        "## Diagnostics\n\n### backend errors\n",
        "ERROR upstream 502",
        "auth with ***",
        "### where\n",
        "loop 1 iteration 1",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
    let json = root.latest_json("collect");
    let collect = json["collect"].as_array().unwrap();
    assert_eq!(collect.len(), 2, "{json:#}");
    assert_eq!(collect[0]["name"], "backend errors");
    assert_eq!(collect[0]["ok"], true);
    assert!(
        collect[0]["output"]
            .as_str()
            .unwrap()
            .contains("auth with ***"),
        "{collect:?}"
    );
    assert!(
        collect[1]["output"]
            .as_str()
            .unwrap()
            .contains("loop 1 iteration 1")
    );
    for file in root.report_files("collect") {
        let contents = std::fs::read(root.path().join("reports/collect").join(&file)).unwrap();
        assert!(
            !String::from_utf8_lossy(&contents).contains(secret),
            "the secret leaked into {file}"
        );
    }
    let log = report_file(&root, "collect", collect[0]["log"].as_str().unwrap());
    assert!(log.contains("ERROR upstream 502"), "{log}");

    write("exit 0");
    let output = root.greenloop_env(&["run", "collect"], &env);
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert!(!root.latest_md("collect").contains("## Diagnostics"));
    assert_eq!(
        root.latest_json("collect")["collect"],
        serde_json::json!([])
    );
}

#[test]
fn the_fix_gets_the_paths_of_the_reports_it_follows() {
    let root = Root::new();
    let saw = root.path().join("fix-saw.json");
    let write = |suite: &str| {
        root.write_loop(
            "fixed",
            &format!(
                r#"
[[suite]]
name = "api"
command = ["sh", "-c", "{suite}"]

[fix]
command = ["python3", "{fix}", "{saw}"]
"#,
                fix = script("fix_report.py"),
                saw = saw.display()
            ),
        );
    };
    write("exit 1");
    let output = root.greenloop(&["run", "fixed"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert!(
        stderr(&output).contains("✔ fix succeeded — exit 0 in"),
        "{}",
        text(&output)
    );
    assert!(
        stderr(&output).contains("\n    fix: read the report of iteration 1\n"),
        "the fix's last line is shown: {}",
        text(&output)
    );
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saw).expect("the fix ran")).unwrap();
    let stem = stem(&root, "fixed", 1);
    let report = seen["report"].as_str().unwrap();
    let report_json = seen["report_json"].as_str().unwrap();
    assert!(Path::new(report).is_absolute(), "{seen}");
    assert!(
        report.ends_with(&format!("reports/fixed/{stem}.md")),
        "{seen}"
    );
    assert!(
        report_json.ends_with(&format!("reports/fixed/{stem}.json")),
        "{seen}"
    );
    assert_eq!(seen["report_exists"], true);
    assert_eq!(seen["json_exists"], true);
    assert_eq!(
        seen["verdict"], "failing",
        "the report was written before the fix ran"
    );
    assert_eq!(seen["iteration"], "1");
    let log = report_file(&root, "fixed", &format!("logs/{stem}/fix.log"));
    assert!(log.contains("fix: read the report of iteration 1"), "{log}");

    // A green iteration needs no fix.
    std::fs::remove_file(&saw).unwrap();
    write("exit 0");
    let output = root.greenloop(&["run", "fixed"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert!(!saw.exists(), "the fix ran after a green iteration");
    assert!(
        !stderr(&output).contains("fix started"),
        "{}",
        text(&output)
    );
}

#[test]
fn until_green_mends_one_step_per_fix_and_stops_green() {
    let root = Root::new();
    root.write_loop(
        "mend",
        r#"
[[suite]]
name = "mended"
command = ["python3", "-c", "import os, sys; n = int(open('counter').read()) if os.path.exists('counter') else 0; print('counter', n); sys.exit(0 if n >= 2 else 1)"]

[fix]
command = ["python3", "-c", "import os; n = int(open('counter').read()) if os.path.exists('counter') else 0; open('counter', 'w').write(str(n + 1)); print('mended one step, counter now', n + 1)"]
"#,
    );
    let output = root.greenloop(&["run", "mend", "--until-green"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let out = stdout(&output);
    for expected in [
        "Loop 1 / Iteration 1 verdict: failing",
        "Loop 1 / Iteration 2 verdict: failing",
        "Loop 1 / Iteration 3 verdict: green",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert_eq!(
        stderr(&output).matches("✔ fix succeeded").count(),
        2,
        "{}",
        text(&output)
    );
    assert_eq!(iteration_reports(&root, "mend"), 3);
    assert_eq!(
        std::fs::read_to_string(root.path().join("counter")).unwrap(),
        "2"
    );

    assert_eq!(
        report_json(&root, "mend", 1)["trigger"],
        "manual (cli --until-green)"
    );
    let second = report_json(&root, "mend", 2)["trigger"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        second.starts_with("fix (after Loop 1 / Iteration 1: exit 0 in "),
        "{second}"
    );
    let third = report_md(&root, "mend", 3);
    assert!(
        third.contains("- **Trigger:** fix (after Loop 1 / Iteration 2: exit 0 in "),
        "{third}"
    );
    for n in [1, 2] {
        let log = report_file(
            &root,
            "mend",
            &format!("logs/{}/fix.log", stem(&root, "mend", n)),
        );
        assert!(log.contains(&format!("counter now {n}")), "{log}");
    }
}

#[test]
fn until_green_stops_when_the_fix_fails() {
    let root = Root::new();
    root.write_loop(
        "broken-fix",
        r#"
[[suite]]
name = "api"
command = ["false"]

[fix]
command = ["sh", "-c", "echo cannot patch; exit 5"]
"#,
    );
    let output = root.greenloop(&["run", "broken-fix", "--until-green"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let err = stderr(&output);
    assert!(err.contains("✘ fix failed — exit 5 in "), "{err}");
    assert!(
        err.contains("the fix after Loop 1 / Iteration 1 failed (exit 5 in "),
        "{err}"
    );
    assert_eq!(iteration_reports(&root, "broken-fix"), 1);
}

#[test]
fn until_green_stops_when_max_iterations_exhausts_the_loop_and_fixes_nothing_after() {
    let root = Root::new();
    root.write_loop(
        "exhaust",
        r#"
max_iterations = 2

[[suite]]
name = "api"
command = ["false"]

[fix]
command = ["sh", "-c", "echo tried >> fix-runs"]
"#,
    );
    let output = root.greenloop(&["run", "exhaust", "--until-green"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert!(
        stderr(&output)
            .contains("Loop 1 is exhausted: it reached max_iterations without going green"),
        "{}",
        text(&output)
    );
    assert_eq!(iteration_reports(&root, "exhaust"), 2);
    assert_eq!(
        std::fs::read_to_string(root.path().join("fix-runs")).unwrap(),
        "tried\n",
        "the fix runs after iteration 1 only: iteration 2 closed the loop"
    );
}

#[test]
fn until_green_without_max_iterations_stops_after_ten() {
    let root = Root::new();
    root.write_loop(
        "forever",
        "[[suite]]\nname = \"api\"\ncommand = [\"false\"]\n",
    );
    let output = root.greenloop(&["run", "forever", "--until-green"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert!(
        stderr(&output).contains("still failing after 10 iterations"),
        "{}",
        text(&output)
    );
    assert_eq!(iteration_reports(&root, "forever"), 10);
    assert_eq!(
        report_json(&root, "forever", 2)["trigger"],
        "repeat (cli --until-green, after Loop 1 / Iteration 1)"
    );
}

/// Starts `greenloop <args>` in `root`, waits until `marker` exists, sends SIGTERM, and returns
/// its output and how long it took to exit after the signal.
fn interrupt_when(root: &Root, args: &[&str], marker: &Path) -> (std::process::Output, Duration) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(args)
        .current_dir(root.path())
        .env_remove("GREENLOOP_ROOT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            marker.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let output = child.wait_with_output().unwrap();
    (output, signalled.elapsed())
}

#[test]
fn interrupting_until_green_stops_the_service_and_exits_130() {
    let root = Root::new();
    let port = free_port();
    let pidfile = root.path().join("service.pid");
    root.write_loop(
        "stop-service",
        &format!(
            r#"
[deploy]
service = ["python3", "{service}", "{port}", "{pidfile}"]
ready_url = "http://127.0.0.1:{port}/health"

[[suite]]
name = "slow"
command = ["sh", "-c", "touch suite-started; sleep 300"]

[fix]
command = ["touch", "fix-ran"]
"#,
            service = script("service.py"),
            pidfile = pidfile.display(),
        ),
    );
    let marker = root.path().join("suite-started");
    let (output, took) = interrupt_when(&root, &["run", "stop-service", "--until-green"], &marker);
    assert_eq!(code(&output), 130, "{}", text(&output));
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        common::process_gone(pid),
        "service {pid} survived the interruption"
    );
    assert!(
        !root.path().join("fix-ran").exists(),
        "an interrupted iteration got a fix"
    );
    let json = root.latest_json("stop-service");
    assert_eq!(json["verdict"], "interrupted");
    assert_eq!(json["deploy"]["service"]["exited_early"], false);
    assert_eq!(iteration_reports(&root, "stop-service"), 1);
}

#[test]
fn interrupting_a_deploy_writes_an_interrupted_report() {
    let root = Root::new();
    root.write_loop(
        "stop-deploy",
        r#"
[deploy]
command = ["sh", "-c", "touch deploy-started; sleep 300"]

[[suite]]
name = "api"
command = ["touch", "battery-ran"]
"#,
    );
    let marker = root.path().join("deploy-started");
    let (output, took) = interrupt_when(&root, &["run", "stop-deploy"], &marker);
    assert_eq!(code(&output), 130, "{}", text(&output));
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(!root.path().join("battery-ran").exists());
    let md = root.latest_md("stop-deploy");
    assert!(md.contains("**Verdict: interrupted**"), "{md}");
    assert!(
        md.contains("greenloop was stopped during the deploy"),
        "{md}"
    );
    assert!(
        md.contains("1. Run the iteration again: greenloop was stopped during the deploy."),
        "{md}"
    );
    assert_eq!(
        root.latest_json("stop-deploy")["deploy"]["status"],
        "interrupted"
    );
}
