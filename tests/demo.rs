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

    // The fix read each report and mended the fault behind its first primary issue.
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
