//! `greenloop run` end to end: real processes, real JUnit, real report files.

mod common;

use std::time::{Duration, Instant};

use common::{Root, code, suite_entry, suite_script, test_entry, text};

fn suite(name: &str, script: &str, extra: &str) -> String {
    format!(
        "[[suite]]\nname = \"{name}\"\ncommand = [\"{}\"]\n{extra}\n",
        suite_script(script)
    )
}

#[test]
fn a_passing_and_a_failing_suite_give_a_failing_iteration_with_both_reported() {
    let root = Root::new();
    let mut toml = String::from(
        "title = \"Staging Loop\"\nfocus = \"Agent events\"\n[battery]\nparallel = 2\n",
    );
    toml += &suite("api", "junit_pass.sh", "critical = true");
    toml += &suite(
        "ws",
        "junit_fail.sh",
        "impact = \"Users cannot see agent progress\"",
    );
    root.write_loop("staging", &toml);

    let output = root.greenloop(&["run", "staging"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("verdict: failing"), "{stdout}");
    assert!(stdout.contains("report: reports/staging/"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("▶ api started") && stderr.contains("✔ api passed — 3/3 passed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("✘ ws failed — 2/4 passed, 1 failed, 1 skipped"),
        "{stderr}"
    );

    let json = root.latest_json("staging");
    assert_eq!(json["schema_version"], 5);
    assert_eq!(json["loop_name"], "staging");
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(json["verdict"], "failing");
    assert_eq!(json["trigger"], "manual (cli)");
    let totals = &json["totals"];
    assert_eq!(
        (
            totals["total"].as_u64(),
            totals["passed"].as_u64(),
            totals["failed"].as_u64(),
            totals["skipped"].as_u64()
        ),
        (Some(7), Some(5), Some(1), Some(1))
    );
    // Rates are rounded to 4 decimals: a hundredth of a percent is all they mean.
    assert_eq!(json["pass_rate"], 0.8333);
    let failure = test_entry(&json, "ws::tests.e2e.test_ws::test_events");
    assert_eq!(failure["status"], "failed");
    assert_eq!(
        failure["message"],
        "websockets.exceptions.ConnectionClosedError: received 1011 (internal error)"
    );
    assert_eq!(
        test_entry(&json, "api::tests.test_api::test_login[admin]")["duration_s"],
        0.15
    );
    assert_eq!(suite_entry(&json, "api")["status"], "passed");
    assert_eq!(suite_entry(&json, "ws")["results_from"], "junit");

    let md = root.latest_md("staging");
    assert!(
        md.starts_with("# Staging Loop — Loop 1 / Iteration 1\n"),
        "{md}"
    );
    assert!(
        md.contains("**Verdict: failing** — 5 of 6 tests passed (83.3%), 1 failed; 1 skipped."),
        "{md}"
    );
    assert!(
        md.contains("| `api` (critical) | passed | 3 | 0 | 0 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("### `ws::tests.e2e.test_ws::test_events` — failed"),
        "{md}"
    );
    assert!(
        md.contains("- **Also failing:** `ws` (failed) — Users cannot see agent progress"),
        "the impact of what failed is in the summary: {md}"
    );
    assert!(
        md.contains("1. **The WebSocket closes with 1011 (internal error)** (1 test of `ws`): Find the error in the WebSocket handler"),
        "{md}"
    );

    let files = root.report_files("staging");
    let stem = files
        .iter()
        .find(|f| f.ends_with("_loop-001_iteration-001.md"))
        .expect("dated report");
    let stem = stem.trim_end_matches(".md");
    for expected in [
        format!("{stem}.json"),
        "latest.md".into(),
        "latest.json".into(),
        format!("logs/{stem}/api.log"),
        format!("logs/{stem}/ws.log"),
    ] {
        assert!(
            files.contains(&expected),
            "{expected} missing from {files:?}"
        );
    }
    let dated = std::fs::read_to_string(
        root.path()
            .join("reports/staging")
            .join(format!("{stem}.md")),
    )
    .unwrap();
    assert_eq!(dated, md, "latest.md is a copy of the dated report");
}

#[test]
fn numbering_continues_and_a_green_iteration_closes_the_loop() {
    let root = Root::new();
    root.write_loop("numbers", &suite("s", "junit_fail.sh", ""));
    assert_eq!(code(&root.greenloop(&["run", "numbers"])), 1);
    assert_eq!(code(&root.greenloop(&["run", "numbers"])), 1);
    assert_eq!(root.latest_json("numbers")["iteration"], 2);

    root.write_loop("numbers", &suite("s", "junit_pass.sh", ""));
    let output = root.greenloop(&["run", "numbers"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("numbers");
    assert_eq!(
        (
            json["loop"].as_u64(),
            json["iteration"].as_u64(),
            json["verdict"].as_str()
        ),
        (Some(1), Some(3), Some("green"))
    );

    assert_eq!(code(&root.greenloop(&["run", "numbers"])), 0);
    let json = root.latest_json("numbers");
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(2), Some(1)),
        "a green iteration closed loop 1"
    );

    assert_eq!(code(&root.greenloop(&["run", "numbers", "--new-loop"])), 0);
    assert_eq!(root.latest_json("numbers")["loop"], 3);
    let reports: Vec<_> = root
        .report_files("numbers")
        .into_iter()
        .filter(|f| f.ends_with(".md") && f.contains("_loop-"))
        .collect();
    assert_eq!(reports.len(), 5, "{reports:?}");
}

#[test]
fn a_hung_suite_is_killed_with_its_grandchild_and_reported_as_timeout() {
    let root = Root::new();
    let pidfile = root.path().join("grandchild.pid");
    let mut toml = format!("[env]\nPIDFILE = \"{}\"\n", pidfile.display());
    toml += &suite(
        "mission-critical",
        "hang_with_grandchild.sh",
        "timeout = \"1s\"\ncritical = true",
    );
    root.write_loop("hang", &toml);
    root.write(
        "config/greenloop.toml",
        "[limits]\nkill_grace = \"500ms\"\n",
    );

    let started = Instant::now();
    let output = root.greenloop(&["run", "hang"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );

    let (pid, gone) = common::grandchild_gone(&pidfile);
    assert!(gone, "grandchild {pid} survived");

    let json = root.latest_json("hang");
    let test = test_entry(&json, "mission-critical::suite::exit code");
    assert_eq!(test["status"], "timeout");
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .starts_with("timed out after 1s"),
        "{test}"
    );
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .contains("waiting for the agent..."),
        "last output is shown: {test}"
    );
    assert_eq!(suite_entry(&json, "mission-critical")["status"], "timeout");
    assert!(
        json["integrity"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "hang"),
        "{:#}",
        json["integrity"]
    );
    let md = root.latest_md("hang");
    assert!(
        md.contains("### 1. `mission-critical` hangs (timed out after 1s)")
            && md.contains("Find why `mission-critical` hangs"),
        "{md}"
    );
}

#[test]
fn an_idle_suite_counts_as_a_hang() {
    let root = Root::new();
    let pidfile = root.path().join("pid");
    let mut toml = format!("[env]\nPIDFILE = \"{}\"\n", pidfile.display());
    toml += &suite(
        "quiet",
        "hang_with_grandchild.sh",
        "timeout = \"1m\"\nidle_timeout = \"1s\"",
    );
    root.write_loop("idle", &toml);
    root.write(
        "config/greenloop.toml",
        "[limits]\nkill_grace = \"500ms\"\n",
    );
    let output = root.greenloop(&["run", "idle"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("idle");
    let message = test_entry(&json, "quiet::suite::exit code")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.starts_with("hung: no output for 1s"), "{message}");
    let md = root.latest_md("idle");
    assert!(md.contains("| `quiet` | timeout |"), "{md}");
    assert!(
        md.contains("### `quiet::suite::exit code` — timeout"),
        "{md}"
    );
}

#[test]
fn an_output_flood_is_cut_in_the_log_and_said_in_the_report() {
    let root = Root::new();
    root.write_loop("flood", &suite("noisy", "flood.sh", ""));
    root.write(
        "config/greenloop.toml",
        "[limits]\nlog_head = \"64KiB\"\nlog_tail = \"64KiB\"\n",
    );
    let output = root.greenloop(&["run", "flood"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("flood");
    let noisy = suite_entry(&json, "noisy");
    assert_eq!(noisy["output_bytes"], 64 * 1024 * 1024);
    assert!(noisy["output_cut_bytes"].as_u64().unwrap() >= 64 * 1024 * 1024 - 128 * 1024);
    let log = root
        .path()
        .join("reports/flood")
        .join(noisy["log"].as_str().unwrap());
    let size = std::fs::metadata(&log).unwrap().len();
    assert!(size < 128 * 1024 + 1024, "log is {size} bytes");
    assert!(
        json["integrity"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "output_cut")
    );
}

#[test]
fn broken_and_empty_junit_are_errors_never_passes_and_logs_are_kept() {
    let root = Root::new();
    let mut toml = suite("truncated", "broken_junit.sh", "");
    toml += &suite("empty", "empty_junit.sh", "");
    toml += &suite("good", "junit_pass.sh", "");
    root.write_loop("broken", &toml);
    let output = root.greenloop(&["run", "broken"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("broken");
    for name in ["truncated", "empty"] {
        let entry = suite_entry(&json, name);
        assert_eq!(entry["status"], "error", "{entry}");
        let test = test_entry(&json, &format!("{name}::suite::junit {name}.junit.xml"));
        assert_eq!(test["status"], "error");
        assert!(
            test["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{name}.junit.xml")),
            "the error names the file: {test}"
        );
        assert!(
            root.path()
                .join("reports/broken")
                .join(entry["log"].as_str().unwrap())
                .exists()
        );
    }
    assert_eq!(
        suite_entry(&json, "good")["status"],
        "passed",
        "other suites' results are kept"
    );
    assert_eq!(json["totals"]["passed"], 3);
    let md = root.latest_md("broken");
    assert!(
        md.contains("| `truncated` | error |") && md.contains("| `empty` | error |"),
        "{md}"
    );
    assert!(
        md.contains("- **broken results**:") && md.contains("Repair the results:"),
        "{md}"
    );
}

#[test]
fn a_suite_without_junit_is_judged_by_its_exit_code_and_non_utf8_output_survives() {
    let root = Root::new();
    root.write_loop("bytes", &suite("legacy", "non_utf8.sh", ""));
    let output = root.greenloop(&["run", "bytes"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("bytes");
    assert_eq!(suite_entry(&json, "legacy")["results_from"], "exit_code");
    let test = test_entry(&json, "legacy::suite::exit code");
    assert_eq!(
        (test["status"].as_str(), test["message"].as_str()),
        (Some("failed"), Some("exited with code 2"))
    );
    let detail = test["detail"].as_str().unwrap();
    assert!(detail.contains("before \u{FFFD}\u{FFFD} after"), "{detail}");
    assert!(detail.contains("assertion failed"), "{detail}");
    let md = root.latest_md("bytes");
    assert!(
        md.contains("| exit code, [log](logs/"),
        "the suite table says where results came from, and links the log: {md}"
    );
}

#[test]
fn a_suite_that_cannot_start_makes_the_iteration_an_error() {
    let root = Root::new();
    let mut toml = suite("cannot-run", "not_executable.sh", "");
    toml += "[[suite]]\nname = \"missing\"\ncommand = [\"definitely-not-a-program-xyz\"]\n";
    root.write_loop("broken-start", &toml);
    let output = root.greenloop(&["run", "broken-start"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    let json = root.latest_json("broken-start");
    assert_eq!(json["verdict"], "error");
    let denied = test_entry(&json, "cannot-run::suite::exit code")["message"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(
        denied.contains("not_executable.sh") && denied.contains("permission denied"),
        "{denied}"
    );
    let missing = test_entry(&json, "missing::suite::exit code")["message"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(
        missing.contains("definitely-not-a-program-xyz") && missing.contains("not found"),
        "{missing}"
    );
    assert!(
        root.latest_md("broken-start")
            .contains("Make `missing` start:")
    );
    let log = suite_entry(&json, "missing")["log"]
        .as_str()
        .expect("the log is linked")
        .to_owned();
    let log = std::fs::read_to_string(root.path().join("reports/broken-start").join(log)).unwrap();
    assert!(
        log.contains("definitely-not-a-program-xyz"),
        "the log says why: {log}"
    );
}

#[test]
fn a_secret_echoed_by_a_suite_never_reaches_a_report_log_or_json() {
    const SECRET: &str = "s3cr3t-staging-token-42";
    let root = Root::new();
    let mut toml = String::from(
        "[secrets]\napi = { env = \"TEST_API_TOKEN\" }\n[env]\nAPI_TOKEN = \"${api}\"\n",
    );
    toml += &suite("auth", "echo_secret.sh", "");
    root.write_loop("secret", &toml);
    let output = root.greenloop_env(&["run", "secret"], &[("TEST_API_TOKEN", SECRET)]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert!(!text(&output).contains(SECRET));
    let json = root.latest_json("secret");
    assert_eq!(
        test_entry(&json, "auth::tests.test_auth::test_token")["message"],
        "401 for token ***"
    );
    let mut checked = 0;
    for file in root.report_files("secret") {
        let contents = std::fs::read(root.path().join("reports/secret").join(&file)).unwrap();
        let contents = String::from_utf8_lossy(&contents);
        assert!(
            !contents.contains(SECRET),
            "{file} leaks the secret:\n{contents}"
        );
        checked += 1;
        if file.ends_with("auth.log") {
            assert!(
                contents.contains("connecting with token ***") && contents.contains("Bearer ***"),
                "{contents}"
            );
        }
    }
    assert!(
        checked >= 6,
        "checked {checked} files (reports, JSON, log and JUnit)"
    );
}

#[test]
fn tests_that_take_no_time_are_flagged() {
    let root = Root::new();
    root.write_loop("fake", &suite("fake", "zero_seconds.sh", ""));
    let output = root.greenloop(&["run", "fake"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("fake");
    let finding = json["integrity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "zero_duration")
        .expect("zero-duration finding");
    assert_eq!(
        finding["message"],
        "3 of 3 timed passing tests of `fake` report under 1 ms (0.000 s): too fast to have made a request"
    );
    assert!(
        root.latest_md("fake")
            .contains("- **0.00 s tests**: 3 of 3 timed passing tests")
    );
}

#[test]
fn suites_get_greenloop_variables_and_expanded_arguments() {
    let root = Root::new();
    root.write_loop(
        "vars",
        "[vars]\nbase_url = \"http://127.0.0.1:9\"\n[[suite]]\nname = \"env\"\ncommand = [\"sh\", \"-c\", \"echo url=$1 loop=$GREENLOOP_LOOP it=$GREENLOOP_ITERATION name=$GREENLOOP_LOOP_NAME base=$GREENLOOP_BASE_URL; exit 3\", \"sh\", \"${base_url}/health\"]\n",
    );
    let output = root.greenloop(&["run", "vars"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("vars");
    let detail = test_entry(&json, "env::suite::exit code")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains(
            "url=http://127.0.0.1:9/health loop=1 it=1 name=vars base=http://127.0.0.1:9"
        ),
        "{detail}"
    );
}

#[test]
fn greenloop_names_the_running_executable() {
    let root = Root::new();
    root.write_loop(
        "self",
        r#"
[[suite]]
name = "exe"
command = ["sh", "-c", '"$1" --version; test "$1" = "$GREENLOOP_GREENLOOP" && echo same; exit 3', "sh", "${greenloop}"]
"#,
    );
    let output = root.greenloop(&["run", "self"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("self");
    let detail = test_entry(&json, "exe::suite::exit code")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    let version = format!("greenloop {}", env!("CARGO_PKG_VERSION"));
    assert!(detail.contains(&version), "{detail}");
    assert!(detail.contains("same"), "{detail}");
}

#[test]
fn iteration_started_at_is_the_start_in_rfc_3339_utc_to_the_second() {
    let root = Root::new();
    root.write_loop(
        "since",
        r#"
[[suite]]
name = "since"
command = ["sh", "-c", 'echo "arg=$1 env=$GREENLOOP_ITERATION_STARTED_AT"; exit 3', "sh", "${iteration_started_at}"]
"#,
    );
    let output = root.greenloop(&["run", "since"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("since");
    let detail = test_entry(&json, "since::suite::exit code")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    let started: chrono::DateTime<chrono::Utc> =
        json["started_at"].as_str().unwrap().parse().unwrap();
    let expected = started.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert!(
        detail.contains(&format!("arg={expected} env={expected}")),
        "{detail}"
    );
}

#[test]
fn an_unknown_loop_is_a_usage_error() {
    let root = Root::new();
    root.write_loop("real", &suite("s", "junit_pass.sh", ""));
    let output = root.greenloop(&["run", "nope"]);
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no loop called `nope` (loops here: real)"),
        "{stderr}"
    );
}

#[test]
fn sigterm_interrupts_the_iteration_kills_the_suites_and_writes_the_report() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let root = Root::new();
    let pidfile = root.path().join("grandchild.pid");
    let mut toml = format!("[env]\nPIDFILE = \"{}\"\n", pidfile.display());
    toml += &suite("slow", "hang_with_grandchild.sh", "timeout = \"5m\"");
    root.write_loop("stop", &toml);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(["run", "stop"])
        .current_dir(root.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(Instant::now() < deadline, "the suite never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 130, "{}", text(&output));
    assert!(
        signalled.elapsed() < Duration::from_secs(8),
        "took {:?}",
        signalled.elapsed()
    );

    let (pid, gone) = common::grandchild_gone(&pidfile);
    assert!(gone, "grandchild {pid} survived");
    let json = root.latest_json("stop");
    assert_eq!(json["verdict"], "interrupted");
    assert_eq!(suite_entry(&json, "slow")["status"], "interrupted");
    assert!(root.latest_md("stop").contains("**Verdict: interrupted**"));

    // The interrupted loop stays open: the next run is Iteration 2 of Loop 1.
    root.write_loop("stop", &suite("slow", "junit_pass.sh", ""));
    assert_eq!(code(&root.greenloop(&["run", "stop"])), 0);
    let json = root.latest_json("stop");
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(2))
    );
}

#[test]
fn an_unreadable_junit_file_says_why() {
    let root = Root::new();
    root.write_loop(
        "unreadable",
        "[[suite]]\nname = \"odd\"\ncommand = [\"sh\", \"-c\", \"mkdir -p \\\"$GREENLOOP_JUNIT\\\"\"]\n",
    );
    let output = root.greenloop(&["run", "unreadable"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("unreadable");
    let message = test_entry(&json, "odd::suite::junit odd.junit.xml")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("odd.junit.xml") && message.contains("not a regular file (a directory)"),
        "{message}"
    );
}

/// Each suite drops a flag and waits for the other's: they can only both pass when they run
/// at the same time.
const RENDEZVOUS: &str =
    "touch $0.flag; for i in $(seq 100); do [ -e $1.flag ] && exit 0; sleep 0.05; done; exit 1";

fn rendezvous_loop(root: &Root, parallel: u32) -> String {
    let a = root.path().join("a").display().to_string();
    let b = root.path().join("b").display().to_string();
    format!(
        "[battery]\nparallel = {parallel}\n[[suite]]\nname = \"a\"\ncommand = [\"sh\", \"-c\", \"{RENDEZVOUS}\", \"{a}\", \"{b}\"]\n[[suite]]\nname = \"b\"\ncommand = [\"sh\", \"-c\", \"{RENDEZVOUS}\", \"{b}\", \"{a}\"]\n"
    )
}

#[test]
fn parallel_suites_run_at_the_same_time() {
    let root = Root::new();
    root.write_loop("together", &rendezvous_loop(&root, 2));
    let output = root.greenloop(&["run", "together"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
}

#[test]
fn suites_run_one_at_a_time_by_default() {
    let root = Root::new();
    root.write_loop("alone", &rendezvous_loop(&root, 1));
    let output = root.greenloop(&["run", "alone"]);
    assert_eq!(
        code(&output),
        1,
        "the first suite waited alone: {}",
        text(&output)
    );
    assert_eq!(
        suite_entry(&root.latest_json("alone"), "a")["status"],
        "failed"
    );
}

#[test]
fn a_junit_glob_reads_every_fresh_file_and_ignores_stale_ones() {
    let root = Root::new();
    root.write(
        "out/TEST-old.xml",
        "<testsuite><testcase classname=\"old\" name=\"stale\"><failure message=\"from last week\"/></testcase></testsuite>",
    );
    let old = std::fs::File::options()
        .write(true)
        .open(root.path().join("out/TEST-old.xml"))
        .unwrap();
    old.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let script = "for n in one two; do printf '<testsuite name=\"%s\"><testcase classname=\"org.example.%s\" name=\"works\" time=\"0.2\"/></testsuite>' $n $n > out/TEST-$n.xml; done";
    root.write_loop(
        "surefire",
        &format!(
            "[[suite]]\nname = \"java\"\ncommand = [\"sh\", \"-c\", \"{}\"]\njunit = \"out/TEST-*.xml\"\n",
            script.replace('"', "\\\"")
        ),
    );
    let output = root.greenloop(&["run", "surefire"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("surefire");
    assert_eq!(json["totals"]["total"], 2);
    test_entry(&json, "java::org.example.one::works");
    test_entry(&json, "java::org.example.two::works");
    assert_eq!(
        suite_entry(&json, "java")["junit_files"],
        serde_json::json!(["out/TEST-one.xml", "out/TEST-two.xml"])
    );
    let note = json["integrity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "results_note")
        .expect("stale note");
    assert_eq!(
        note["message"],
        "ignored 1 JUnit file(s) older than this run: `out/TEST-old.xml`"
    );
}

#[test]
fn secrets_from_files_are_used_and_masked() {
    let root = Root::new();
    root.write("secrets/token", "file-secret-value-123\n");
    root.write_loop(
        "filesecret",
        "[secrets]\ntoken = { file = \"secrets/token\" }\n[[suite]]\nname = \"s\"\ncommand = [\"sh\", \"-c\", \"echo got:$0; exit 1\", \"${token}\"]\n",
    );
    let output = root.greenloop(&["run", "filesecret"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("filesecret");
    let detail = test_entry(&json, "s::suite::exit code")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(detail.trim_end(), "got:***");
    assert_eq!(
        suite_entry(&json, "s")["command"][3],
        "***",
        "the command shown is masked too"
    );
}

/// A suite that leaves a named pipe where its JUnit should be used to block a worker thread
/// opening it, forever. The pipe is now a broken result, said as such, within the suite's time.
#[test]
fn a_fifo_left_at_the_junit_path_is_a_broken_result_not_a_hang() {
    let root = Root::new();
    root.write_loop(
        "fifo",
        r#"[[suite]]
name = "pipe"
command = ["sh", "-c", "mkfifo ${junit}"]
timeout = "10s"
"#,
    );
    let output = root.greenloop_within(&["run", "fifo"], std::time::Duration::from_secs(30));
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("fifo");
    let note = json["integrity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "broken_results")
        .unwrap_or_else(|| panic!("{:#}", json["integrity"]));
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{note:#}"
    );
}
