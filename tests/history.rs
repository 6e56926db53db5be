//! Loops that remember: numbering, diffs, clusters and the index across real runs, crashes and
//! imports.

mod common;

use std::time::{Duration, Instant};

use common::{Root, code, test_entry, text};

/// A loop whose one suite copies `next.xml` (written by the test) to its JUnit path.
fn scripted_loop(root: &Root, max_iterations: u32) {
    root.write_loop(
        "scripted",
        &format!(
            "title = \"Scripted\"\nmax_iterations = {max_iterations}\n[[suite]]\nname = \"e2e\"\ncritical = true\ncommand = [\"sh\", \"-c\", \"cp next.xml \\\"$GREENLOOP_JUNIT\\\"\"]\n"
        ),
    );
}

/// Writes `next.xml` with one case per `(name, failure message or "")`.
fn next_results(root: &Root, cases: &[(&str, &str)]) {
    let mut xml = String::from("<testsuites><testsuite name=\"pytest\">");
    for (name, failure) in cases {
        xml += &format!("<testcase classname=\"tests.test_flow\" name=\"{name}\" time=\"0.25\">");
        if !failure.is_empty() {
            xml += &format!("<failure message=\"{failure}\"/>");
        }
        xml += "</testcase>";
    }
    xml += "</testsuite></testsuites>";
    root.write("next.xml", &xml);
}

fn ids(json: &serde_json::Value, list: &str) -> Vec<String> {
    json["diff"][list]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn run(root: &Root, expected_code: i32) -> serde_json::Value {
    let output = root.greenloop(&["run", "scripted"]);
    assert_eq!(code(&output), expected_code, "{}", text(&output));
    root.latest_json("scripted")
}

const WS_1011_A: &str = "ConnectionClosedError: received 1011 (internal error); request 7f3a9c21";
const WS_1011_B: &str = "ConnectionClosedError: received 1011 (internal error); request 0b44e8d0";

#[test]
fn a_loop_goes_through_fixed_broken_added_removed_green_and_exhaustion() {
    let root = Root::new();
    scripted_loop(&root, 2);
    let id = |name: &str| format!("e2e::tests.test_flow::{name}");

    // L1 I1: two tests fail with the same WebSocket error.
    next_results(
        &root,
        &[("a", ""), ("b", WS_1011_A), ("c", WS_1011_B), ("d", "")],
    );
    let json = run(&root, 1);
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(json["diff"]["previous"].is_null());
    let clusters = json["clusters"].as_array().unwrap();
    assert_eq!(
        clusters.len(),
        1,
        "one signature for both 1011s: {clusters:#?}"
    );
    assert_eq!(clusters[0]["count"], 2);
    assert!(
        clusters[0]["signature"].as_str().unwrap().contains("1011"),
        "{}",
        clusters[0]
    );
    let md = root.latest_md("scripted");
    assert!(
        md.contains("This is the first iteration of this loop definition"),
        "{md}"
    );
    assert!(
        md.contains("## Root causes") && md.contains("New, critical. 2 failures"),
        "{md}"
    );

    // L1 I2: a breaks, b is fixed, c still fails, d is removed, e is added.
    next_results(
        &root,
        &[
            ("a", "AssertionError: assert 404 == 200"),
            ("b", ""),
            ("c", WS_1011_A),
            ("e", ""),
        ],
    );
    let json = run(&root, 1);
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(ids(&json, "new_failures"), [id("a")]);
    assert_eq!(ids(&json, "fixed"), [id("b")]);
    assert_eq!(ids(&json, "still_failing"), [id("c")]);
    assert_eq!(
        json["diff"]["failing_since"][id("c")],
        serde_json::json!({"loop": 1, "iteration": 1})
    );
    assert_eq!(ids(&json, "added"), [id("e")]);
    assert_eq!(ids(&json, "removed"), [id("d")]);
    let shrank = json["integrity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "battery_shrank")
        .expect("shrink finding");
    assert!(
        shrank["message"]
            .as_str()
            .unwrap()
            .starts_with("the battery shrank: 1 test removed since Loop 1 / Iteration 1")
    );
    let md = root.latest_md("scripted");
    assert!(
        md.contains("## What changed since Loop 1 / Iteration 1"),
        "{md}"
    );
    let (prefix, name) = id("a")
        .rsplit_once("::")
        .map(|(p, n)| (format!("{p}::"), n.to_owned()))
        .unwrap();
    assert!(
        md.contains(&format!("- **New failures (1):** `{prefix}` `{name}`")),
        "{md}"
    );
    let c = id("c");
    let (prefix, name) = c.rsplit_once("::").unwrap();
    assert!(
        md.contains(&format!(
            "- **Still failing (1):**\n  - since Loop 1 / Iteration 1 (1): `{prefix}::` `{name}`"
        )),
        "{md}"
    );
    assert!(md.contains("the battery shrank"), "{md}");

    // L1 I2 was the last of max_iterations = 2: the loop closed exhausted. L2 I1 is green.
    next_results(&root, &[("a", ""), ("b", ""), ("c", ""), ("e", "")]);
    let json = run(&root, 0);
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        json["diff"]["previous"],
        serde_json::json!({"loop": 1, "iteration": 2}),
        "the diff crosses the loop boundary"
    );
    assert_eq!(ids(&json, "fixed"), [id("a"), id("c")]);
    assert_eq!(
        json["resolved_clusters"].as_array().unwrap().len(),
        2,
        "{:#}",
        json["resolved_clusters"]
    );
    assert!(
        root.latest_md("scripted")
            .contains("Resolved since Loop 1 / Iteration 2:")
    );

    // Green closed Loop 2: the next run opens Loop 3.
    next_results(&root, &[("a", ""), ("b", ""), ("c", ""), ("e", "")]);
    let json = run(&root, 0);
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(3), Some(1))
    );
    assert!(
        root.latest_md("scripted")
            .contains("Nothing changed: the same tests gave the same results.")
    );

    let index = std::fs::read_to_string(root.path().join("reports/scripted/index.md")).unwrap();
    let rows: Vec<&str> = index.lines().filter(|l| l.starts_with("| 20")).collect();
    assert_eq!(rows.len(), 4, "{index}");
    assert!(
        rows[0].contains("Loop 3 / Iteration 1") && rows[3].contains("Loop 1 / Iteration 1"),
        "newest first: {index}"
    );
    assert!(
        rows[2].contains("| failing |")
            && rows[2].contains("1 new failure, 1 fixed, **1 removed**"),
        "{index}"
    );
    assert!(index.contains("![Pass rate per iteration](trend.svg)"));
    let svg = std::fs::read_to_string(root.path().join("reports/scripted/trend.svg")).unwrap();
    assert_eq!(svg.matches("<circle").count(), 4);

    let output = root.greenloop(&["history", "scripted"]);
    assert_eq!(code(&output), 0);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("ITERATION"), "{stdout}");
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(
        stdout.lines().nth(3).unwrap().contains("failing"),
        "{stdout}"
    );

    let output = root.greenloop(&["history", "scripted", "--test", "test_flow::c"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], id("c"));
    assert!(
        lines[2].starts_with("L1 I1")
            && lines[2].contains("failed")
            && lines[2].contains("received 1011"),
        "{stdout}"
    );
    assert!(
        lines[4].starts_with("L2 I1") && lines[4].contains("passed"),
        "{stdout}"
    );
}

#[test]
fn close_and_new_loop_start_fresh_numbering() {
    let root = Root::new();
    scripted_loop(&root, 10);
    next_results(&root, &[("a", "boom")]);
    run(&root, 1);
    let output = root.greenloop(&["close", "scripted"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "closed Loop 1 of `scripted`; the next run starts Loop 2\n"
    );
    let json = run(&root, 1);
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(2), Some(1))
    );
    let output = root.greenloop(&["run", "scripted", "--new-loop"]);
    assert_eq!(code(&output), 1);
    assert_eq!(root.latest_json("scripted")["loop"], 3);
}

#[test]
fn kill_9_mid_iteration_leaves_a_sound_database_and_an_interrupted_report() {
    let root = Root::new();
    root.write_loop(
        "crash",
        "[[suite]]\nname = \"slow\"\ncommand = [\"sh\", \"-c\", \"touch started; sleep 300\"]\n",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(["run", "crash"])
        .current_dir(root.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !root.path().join("started").exists() {
        assert!(Instant::now() < deadline, "the suite never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no cleanup at all
    child.wait().unwrap();

    let db = root.path().join("state/greenloop.db");
    let connection = rusqlite::Connection::open(&db).unwrap();
    let check: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(connection);

    // The next start finds the iteration, marks it interrupted, reports it, and goes on.
    root.write_loop(
        "crash",
        "[[suite]]\nname = \"slow\"\ncommand = [\"true\"]\n",
    );
    let output = root.greenloop(&["run", "crash"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("crash");
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(2))
    );
    let files = root.report_files("crash");
    let first = files
        .iter()
        .find(|f| f.ends_with("_loop-001_iteration-001.json"))
        .expect("report of the lost iteration");
    let lost: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.path().join("reports/crash").join(first)).unwrap(),
    )
    .unwrap();
    assert_eq!(lost["verdict"], "interrupted");
    assert!(
        lost["error"]
            .as_str()
            .unwrap()
            .contains("found at the next start"),
        "{lost}"
    );
    let history = String::from_utf8(root.greenloop(&["history", "crash"]).stdout).unwrap();
    assert!(
        history.lines().nth(2).unwrap().contains("interrupted"),
        "{history}"
    );
    // The history links the lost iteration's report (the API and dashboard find it through
    // the store), and the report does not pretend the loop never ran before.
    let connection = rusqlite::Connection::open(&db).unwrap();
    let stem: Option<String> = connection
        .query_row(
            "SELECT report_stem FROM iterations WHERE number = 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stem.as_deref(), Some(first.trim_end_matches(".json")));
    let md = std::fs::read_to_string(
        root.path()
            .join("reports/crash")
            .join(first.replace(".json", ".md")),
    )
    .unwrap();
    assert!(
        !md.contains("first iteration") && !md.contains("## What changed"),
        "{md}"
    );
    assert!(md.contains("found at the next start"), "{md}");
}

#[test]
fn import_records_ci_results_and_diffs_the_next_import() {
    let root = Root::new();
    root.write("ci/run1/TEST-a.xml", "<testsuite name=\"a\"><testcase classname=\"org.A\" name=\"one\" time=\"0.1\"/><testcase classname=\"org.A\" name=\"two\" time=\"0.1\"><failure message=\"expected 2 but was 3\"/></testcase></testsuite>");
    root.write("ci/run2/TEST-a.xml", "<testsuite name=\"a\"><testcase classname=\"org.A\" name=\"one\" time=\"0.1\"/><testcase classname=\"org.A\" name=\"two\" time=\"0.1\"/></testsuite>");

    let output = root.greenloop(&["import", "ci", "ci/run1/*.xml"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let json = root.latest_json("ci");
    assert_eq!(json["trigger"], "import (cli)");
    assert_eq!(test_entry(&json, "import::org.A::two")["status"], "failed");

    let output = root.greenloop(&["import", "ci", "ci/run2/TEST-a.xml"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("ci");
    assert_eq!(
        (json["loop"].as_u64(), json["iteration"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(ids(&json, "fixed"), ["import::org.A::two"]);

    let output = root.greenloop(&["import", "ci", "ci/nothing/*.xml"]);
    assert_eq!(code(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("no file matches `ci/nothing/*.xml`"));
}

#[test]
fn keep_iterations_prunes_old_results_and_logs_but_keeps_the_index_rows() {
    let root = Root::new();
    root.write_loop(
        "kept",
        "keep_iterations = 2\n[[suite]]\nname = \"e2e\"\ncommand = [\"sh\", \"-c\", \"echo hello; cp next.xml \\\"$GREENLOOP_JUNIT\\\"\"]\n",
    );
    next_results(&root, &[("a", "boom")]);
    for _ in 0..3 {
        let output = root.greenloop(&["run", "kept"]);
        assert_eq!(code(&output), 1, "{}", text(&output));
    }
    let logs: Vec<String> = std::fs::read_dir(root.path().join("reports/kept/logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        logs.len(),
        2,
        "only the newest two iterations keep logs: {logs:?}"
    );
    assert!(
        logs.iter().all(|l| !l.ends_with("iteration-001")),
        "{logs:?}"
    );

    let history = String::from_utf8(root.greenloop(&["history", "kept"]).stdout).unwrap();
    assert_eq!(
        history.lines().count(),
        4,
        "every iteration keeps its summary row: {history}"
    );
    let index = std::fs::read_to_string(root.path().join("reports/kept/index.md")).unwrap();
    assert_eq!(
        index.lines().filter(|l| l.starts_with("| 20")).count(),
        3,
        "{index}"
    );

    let tests =
        String::from_utf8(root.greenloop(&["history", "kept", "--test", "a"]).stdout).unwrap();
    assert!(
        !tests.contains("L1 I1") && tests.contains("L1 I2") && tests.contains("L1 I3"),
        "{tests}"
    );
    // Results that were kept still say since when the test has been failing.
    let json = root.latest_json("kept");
    assert_eq!(
        json["diff"]["failing_since"]["e2e::tests.test_flow::a"],
        serde_json::json!({"loop": 1, "iteration": 1})
    );
}

#[test]
fn concurrent_runs_of_other_loops_leave_a_running_iteration_alone_and_the_same_loop_is_refused() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let root = Root::new();
    root.write_loop(
        "slow",
        "[[suite]]\nname = \"s\"\ncommand = [\"sh\", \"-c\", \"touch started; sleep 300\"]\n",
    );
    root.write_loop("quick", "[[suite]]\nname = \"q\"\ncommand = [\"true\"]\n");
    let slow = std::process::Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(["run", "slow"])
        .current_dir(root.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !root.path().join("started").exists() {
        assert!(Instant::now() < deadline, "the slow suite never started");
        std::thread::sleep(Duration::from_millis(20));
    }

    let again = root.greenloop(&["run", "slow"]);
    assert_eq!(code(&again), 3, "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("loop `slow` is already running in another greenloop process"),
        "{}",
        text(&again)
    );
    let other = root.greenloop(&["run", "quick"]);
    assert_eq!(
        code(&other),
        0,
        "another loop runs meanwhile: {}",
        text(&other)
    );

    kill(Pid::from_raw(slow.id() as i32), Signal::SIGTERM).unwrap();
    let output = slow.wait_with_output().unwrap();
    assert_eq!(
        code(&output),
        130,
        "the slow run still records its own iteration: {}",
        text(&output)
    );
    let json = root.latest_json("slow");
    assert_eq!(
        (json["iteration"].as_u64(), json["verdict"].as_str()),
        (Some(1), Some("interrupted"))
    );
    assert!(
        json["error"].is_null(),
        "interrupted by its signal, not recovered as a crash: {json}"
    );
}

/// A token is the daemon's business: commands that never talk to a daemon work when the
/// token's variable is unset; `check` and `serve` still say it is missing.
#[test]
fn an_unset_token_variable_stops_only_the_commands_that_need_the_token() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        "[server]\ntoken = { env = \"GREENLOOP_TEST_TOKEN_NEVER_SET\" }\n",
    );
    root.write(
        "ci/TEST-a.xml",
        "<testsuite name=\"a\"><testcase classname=\"A\" name=\"one\"/></testsuite>",
    );
    let output = root.greenloop(&["import", "ci", "ci/TEST-a.xml"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    for args in [
        &["history", "ci"][..],
        &["status"][..],
        &["status", "ci"][..],
    ] {
        let output = root.greenloop(args);
        assert_eq!(code(&output), 0, "{args:?}: {}", text(&output));
    }
    for args in [&["check"][..], &["serve"][..]] {
        let output = root.greenloop(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", text(&output));
        assert!(
            text(&output).contains("GREENLOOP_TEST_TOKEN_NEVER_SET"),
            "{args:?}: {}",
            text(&output)
        );
    }
}

/// A loop fed only by CI through `import` has nothing to run, and needs nothing: its file can
/// hold just a title. Running it still says it has nothing to run.
#[test]
fn a_loop_file_without_suites_can_be_imported_into() {
    let root = Root::new();
    root.write_loop("ci", "title = \"Nightly CI\"\n");
    root.write(
        "ci/TEST-a.xml",
        "<testsuite name=\"a\"><testcase classname=\"A\" name=\"one\"/></testsuite>",
    );
    let output = root.greenloop(&["import", "ci", "ci/TEST-a.xml"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert!(
        root.latest_md("ci")
            .starts_with("# Nightly CI — Loop 1 / Iteration 1")
    );
    let output = root.greenloop(&["run", "ci"]);
    assert_eq!(code(&output), 2, "{}", text(&output));
    assert!(
        text(&output).contains("a loop needs something to run"),
        "{}",
        text(&output)
    );
}
