//! The report's environment section end to end: targets from probes and `public_vars`, test
//! runners from the suites' JUnit (real corpus files), in the Markdown and the JSON.

mod common;

use common::{Root, code, fixture, free_port, text};

const SCALATEST: &str = "junit/publish-unit-test-result-action/scalatest/TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.xml";

#[test]
fn a_run_lists_probe_urls_public_vars_and_the_runners_junit_names() {
    let root = Root::new();
    let port = free_port();
    root.write_loop(
        "env",
        &format!(
            r#"public_vars = ["base_url", "docs_url"]

[vars]
base_url = "http://127.0.0.1:{port}"
docs_url = "https://docs.example.com/?key=k3y-s3cret-value"
private_url = "https://internal.example.com"

[secrets]
key = {{ env = "GREENLOOP_TEST_ENVIRONMENT_KEY" }}

[[suite]]
name = "jvm"
command = ["sh", "-c", 'cp "$1" "$GREENLOOP_JUNIT"', "sh", "{junit}"]

[[probe]]
kind = "http"
name = "health"
url = "${{base_url}}/health?key=${{key}}"

[[probe]]
kind = "http"
name = "root"
url = "${{base_url}}"
"#,
            junit = fixture(SCALATEST).display()
        ),
    );
    let output = root.greenloop_env(
        &["run", "env"],
        &[("GREENLOOP_TEST_ENVIRONMENT_KEY", "k3y-s3cret-value")],
    );
    // The probes hit a closed port: failing, but with every target listed.
    assert_eq!(code(&output), 1, "{}", text(&output));

    let base = format!("http://127.0.0.1:{port}");
    let md = root.latest_md("env");
    assert!(
        md.contains(&format!(
            "- Targets: `health` <{base}/health?key=***>, `root` <{base}>, `docs_url` <https://docs.example.com/?key=***>\n"
        )),
        "{md}"
    );
    assert!(md.contains("- Runners: `jvm`: java 1.8.0_265\n"), "{md}");
    assert!(
        !md.contains("internal.example.com"),
        "only public vars are shown"
    );

    let json = root.latest_json("env");
    let environment = &json["environment"];
    assert_eq!(
        environment["targets"],
        serde_json::json!([
            {"name": "health", "url": format!("{base}/health?key=***")},
            {"name": "root", "url": base},
            {"name": "docs_url", "url": "https://docs.example.com/?key=***"},
        ])
    );
    assert_eq!(
        environment["runners"],
        serde_json::json!([{"suite": "jvm", "runner": "java 1.8.0_265"}])
    );
}

#[test]
fn an_import_names_the_runner_and_a_loop_without_either_lists_none() {
    let root = Root::new();
    let junit = fixture(SCALATEST).display().to_string();
    let output = root.greenloop(&["import", "ci", &junit]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let json = root.latest_json("ci");
    assert_eq!(
        json["environment"]["runners"],
        serde_json::json!([{"suite": "import", "runner": "java 1.8.0_265"}])
    );
    assert_eq!(json["environment"]["targets"], serde_json::json!([]));

    let pytest = fixture("junit/dorny-test-reporter/python-xunit-pytest.xml");
    let output = root.greenloop(&["import", "plain", &pytest.display().to_string()]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    let md = root.latest_md("plain");
    assert!(
        !md.contains("- Targets:") && !md.contains("- Runners:"),
        "{md}"
    );
}
