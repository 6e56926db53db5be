//! The built-in demo end to end: `greenloop run demo --until-green` on a copy of the checked-in
//! `loops/demo*`, with the real binary, its demo backend, the Python suites and the fix.

mod common;

use std::path::Path;

use common::{Root, code, free_port, text};

/// A root holding the repository's demo loop, its backend listening on `port`.
fn demo_root(port: u16) -> Root {
    let root = Root::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("loops");
    let toml = std::fs::read_to_string(repo.join("demo.toml")).unwrap();
    assert!(
        toml.contains("port = \"7890\""),
        "the demo's port var moved"
    );
    root.write_loop(
        "demo",
        &toml.replace("port = \"7890\"", &format!("port = \"{port}\"")),
    );
    for entry in std::fs::read_dir(repo.join("demo")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let name = path.file_name().unwrap().to_str().unwrap();
            let contents = std::fs::read_to_string(&path).unwrap();
            root.write(&format!("loops/demo/{name}"), &contents);
        }
    }
    root
}

/// Loop `l`'s iteration stems in order, e.g. `2026-11-22_loop-001_iteration-002`.
fn stems(root: &Root, l: u32) -> Vec<String> {
    let marker = format!("_loop-{l:03}_iteration-");
    let mut stems: Vec<String> = root
        .report_files("demo")
        .into_iter()
        .filter(|f| !f.contains('/') && f.contains(&marker) && f.ends_with(".json"))
        .map(|f| f.trim_end_matches(".json").to_owned())
        .collect();
    stems.sort_by_key(|s| s.rsplit_once(&marker).map(|(_, i)| i.to_owned()));
    stems
}

fn read(root: &Root, relative: &str) -> String {
    let path = root.path().join("reports/demo").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn failing(json: &serde_json::Value) -> u64 {
    let totals = &json["totals"];
    ["failed", "errors", "timeouts"]
        .iter()
        .map(|k| totals[k].as_u64().unwrap())
        .sum()
}

#[test]
fn the_demo_fails_like_a_staging_day_then_converges_to_green() {
    let root = demo_root(free_port());
    let started = std::time::Instant::now();
    let output = root.greenloop(&["run", "demo", "--until-green"]);
    let took = started.elapsed();
    assert_eq!(code(&output), 0, "{}", text(&output));

    let stems = stems(&root, 1);
    assert!(
        (2..=5).contains(&stems.len()),
        "green within 5 iterations: {stems:?}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let iterations: Vec<serde_json::Value> = stems
        .iter()
        .map(|stem| {
            assert!(read(&root, &format!("{stem}.md")).contains("# Demo Agent Backend Loop"));
            assert!(
                stdout.contains(&format!("report: reports/demo/{stem}.md")),
                "{stdout}"
            );
            serde_json::from_str(&read(&root, &format!("{stem}.json"))).unwrap()
        })
        .collect();

    // Iteration 1 fails the way the issue describes a real staging day.
    let first = &iterations[0];
    assert_eq!(first["verdict"], "failing");
    let ws_1011 = first["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["signature"].as_str().unwrap().contains("received 1011"))
        .unwrap_or_else(|| panic!("a 1011 cluster: {:#}", first["clusters"]));
    assert_eq!(
        ws_1011["count"], 4,
        "one close broke four tests: {ws_1011:#}"
    );
    assert!(
        first["tests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["message"].as_str().unwrap_or("").contains("404")),
        "a 404"
    );
    let events = first["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "websocket")
        .unwrap();
    assert_eq!(events["close"], "1011 (internal error)");
    assert_eq!(events["events_missing"].as_array().unwrap().len(), 5);
    let hung = first["suites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "mission-critical")
        .unwrap();
    assert_eq!(hung["status"], "timeout");

    // Each iteration fails less than the one before, and the last is green.
    for pair in iterations.windows(2) {
        assert!(
            failing(&pair[1]) < failing(&pair[0]),
            "{} then {}",
            pair[0]["totals"],
            pair[1]["totals"]
        );
    }
    for it in &iterations[..iterations.len() - 1] {
        assert_eq!(it["verdict"], "failing");
    }
    let last = iterations.last().unwrap();
    assert_eq!(last["verdict"], "green", "{:#}", last["totals"]);
    assert_eq!(root.latest_json("demo")["iteration"], last["iteration"]);

    root_causes_explain_each_iteration(&root, &stems, &iterations);

    // The fix read each report and mended the fault behind its first root cause.
    let mended: Vec<String> = stems[..stems.len() - 1]
        .iter()
        .map(|stem| {
            let log = read(&root, &format!("logs/{stem}/fix.log"));
            log.lines()
                .find_map(|l| l.strip_prefix("mended "))
                .and_then(|l| l.split(':').next())
                .unwrap_or_else(|| panic!("{log}"))
                .to_owned()
        })
        .collect();
    assert_eq!(
        mended,
        ["ws_1011", "events_stop", "suite_hangs", "agents_404"]
    );

    // The fix edited the loop's copy of the faults, never the checked-in defaults.
    let copy = std::fs::read_to_string(root.path().join("state/demo/loop-1/faults.toml")).unwrap();
    assert!(!copy.contains("= true"), "{copy}");
    let defaults =
        std::fs::read_to_string(root.path().join("loops/demo/faults.default.toml")).unwrap();
    assert_eq!(defaults.matches("= true").count(), 4);
    assert!(!root.path().join("loops/demo/__pycache__").exists());
    eprintln!(
        "the demo converged in {} iterations, {took:.1?}",
        stems.len()
    );

    // A new loop starts with every fault again.
    let output = root.greenloop(&["run", "demo"]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let again = root.latest_json("demo");
    assert_eq!(
        (again["loop"].as_u64(), again["iteration"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(failing(&again), failing(first), "{:#}", again["totals"]);
}

/// The causes a person would name, from every source, with the backend's own line for each;
/// what changed, including what fails differently and what the fix did; and no false alarm when
/// the hung suite runs again.
fn root_causes_explain_each_iteration(
    root: &Root,
    stems: &[String],
    iterations: &[serde_json::Value],
) {
    let causes = |it: &serde_json::Value| it["root_causes"].as_array().unwrap().clone();
    let has_fact = |cause: &serde_json::Value, kind: &str, value: &str| {
        cause["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == kind && f["value"] == value)
    };
    let tests = |cause: &serde_json::Value| -> Vec<String> {
        cause["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    };
    let logged = |cause: &serde_json::Value, words: &str| {
        let line = &cause["log_lines"][0];
        assert_eq!(line["source"], "service", "{cause:#}");
        assert!(
            line["text"].as_str().unwrap().contains(words),
            "{words}: {cause:#}"
        );
    };
    let ws = "websocket-events::tests.test_websocket_events::";

    // Iteration 1: three observable faults, three causes.
    let first = causes(&iterations[0]);
    assert_eq!(first.len(), 3, "{first:#?}");
    let [crash, hang, missing] = [&first[0], &first[1], &first[2]];
    assert!(has_fact(crash, "ws_close", "1011"), "{crash:#}");
    let crash_tests = tests(crash);
    for test in [
        "test_agent_started_event",
        "test_agent_thinking_event",
        "test_tool_events",
        "test_agent_completed_event",
    ] {
        assert!(
            crash_tests.contains(&format!("{ws}{test}")),
            "{crash_tests:?}"
        );
    }
    for check in ["event agent_started", "event agent_completed", "close"] {
        assert!(
            crash_tests.contains(&format!("probe::agent events::{check}")),
            "{crash_tests:?}"
        );
    }
    logged(crash, "fault ws_1011: closing the WebSocket with 1011");
    assert!(has_fact(hang, "hang", "mission-critical"), "{hang:#}");
    logged(
        hang,
        "fault suite_hangs: GET /api/threads will never answer",
    );
    assert!(has_fact(missing, "http_status", "404"), "{missing:#}");
    assert_eq!(
        tests(missing),
        [
            "api::tests.test_api::test_agent_start",
            "api::tests.test_api::test_agent_status",
            "probe::agent start::status",
        ]
    );
    logged(
        missing,
        "fault agents_404: answering 404 to /api/agents/start",
    );
    assert!(first.iter().all(|c| c["new"] == true));
    let report = read(root, &format!("{}.md", stems[0]));
    let lines = report.lines().count();
    assert!(
        lines <= 150,
        "Iteration 1's report has {lines} lines:\n{report}"
    );
    eprintln!("Iteration 1's report: {lines} lines");

    // Iteration 2: the stream now stalls after agent_started; the 404 and the hang remain.
    let second = causes(&iterations[1]);
    assert_eq!(second.len(), 3, "{second:#?}");
    assert!(
        has_fact(&second[0], "stalled", "agent_started"),
        "{:#}",
        second[0]
    );
    assert_eq!(second[0]["new"], true);
    let stalled = tests(&second[0]);
    assert!(
        stalled.iter().any(|t| t.starts_with(ws))
            && stalled
                .iter()
                .any(|t| t.starts_with("probe::agent events::")),
        "{stalled:?}"
    );
    logged(
        &second[0],
        "fault events_stop: the event stream stops after agent_started",
    );
    assert!(has_fact(&second[1], "hang", "mission-critical") && second[1]["new"] == false);
    assert!(has_fact(&second[2], "http_status", "404") && second[2]["new"] == false);
    let diff = &iterations[1]["diff"];
    for test in [
        "test_agent_thinking_event",
        "test_tool_events",
        "test_agent_completed_event",
    ] {
        let id = format!("{ws}{test}");
        let change = &diff["signature_changes"][&id];
        assert!(
            change["before"].as_str().unwrap().contains("1011")
                && change["after"]
                    .as_str()
                    .unwrap()
                    .contains("stalled after agent_started"),
            "{id}: {diff:#}"
        );
    }
    let fix = &iterations[1]["previous_fix"];
    assert_eq!(fix["succeeded"], true);
    assert!(
        fix["said"].as_str().unwrap().starts_with("mended ws_1011"),
        "{fix:#}"
    );
    let report = read(root, &format!("{}.md", stems[1]));
    assert!(
        report.contains("- **Failing differently (7):**"),
        "{report}"
    );
    assert!(
        report.contains("**The fix after Loop 1 / Iteration 1:** ✔")
            && report.contains("mended ws_1011"),
        "{report}"
    );

    // Iteration 4: the hang is fixed — a recovery, not a removed test or a shrinking battery.
    let fourth = &iterations[3];
    assert_eq!(fourth["diff"]["removed"], serde_json::json!([]));
    assert_eq!(fourth["diff"]["recovered"][0]["suite"], "mission-critical");
    assert!(
        fourth["diff"]["fixed"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("mission-critical::suite::exit code"))
    );
    assert!(
        !fourth["integrity"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "battery_shrank"),
        "{:#}",
        fourth["integrity"]
    );
    let report = read(root, &format!("{}.md", stems[3]));
    assert!(
        report.contains("- **Recovered:** `mission-critical`: hung → 3/3 passed"),
        "{report}"
    );
    assert!(
        !report.contains("removed") && !report.contains("shrank"),
        "{report}"
    );
    let index = read(root, "index.md");
    let row = index
        .lines()
        .find(|l| l.contains("[Loop 1 / Iteration 4]"))
        .unwrap();
    assert!(
        row.contains("`mission-critical`: hung → 3/3 passed") && !row.contains("removed"),
        "{row}"
    );
    let output = root.greenloop(&["history", "demo"]);
    let history = String::from_utf8_lossy(&output.stdout);
    let row = history.lines().find(|l| l.starts_with("L1 I4")).unwrap();
    assert!(
        row.contains("mission-critical: hung → 3/3 passed") && !row.contains("removed"),
        "{row}"
    );
}

#[test]
fn the_readme_opens_with_the_demo() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let first_block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a sh block");
    let first_command = first_block.lines().next().unwrap();
    assert!(
        first_command.starts_with("cargo run -- run demo --until-green"),
        "{first_command}"
    );
    assert!(first_command.contains("reports/demo/"), "{first_command}");
}
