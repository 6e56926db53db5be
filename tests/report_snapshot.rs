//! The Markdown report as a user reads it, snapshotted from a real run with volatile parts redacted.

mod common;

use common::{Root, code, suite_script};

#[test]
fn report_of_a_failing_iteration() {
    let root = Root::new();
    let toml = format!(
        r#"title = "Ultimate Test Deploy Loop"
focus = "Agent emission events actually reaching end user via websockets"
environment = "Staging GCP (Remote)"

[[suite]]
name = "api"
command = ["{pass}"]
critical = true

[[suite]]
name = "websocket-events"
command = ["{fail}"]
critical = true
impact = "Users cannot see real-time agent progress"

[[suite]]
name = "legacy"
command = ["{exit}"]

[[suite]]
name = "fake"
command = ["{zero}"]
"#,
        pass = suite_script("junit_pass.sh"),
        fail = suite_script("junit_fail.sh"),
        exit = suite_script("non_utf8.sh"),
        zero = suite_script("zero_seconds.sh"),
    );
    root.write_loop("staging", &toml);
    let output = root.greenloop(&["run", "staging"]);
    assert_eq!(code(&output), 1);

    insta::with_settings!({filters => vec![
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC, ran for [^\n]+", "[DATE] UTC, ran for [DURATION]"),
        (r"\d{4}-\d{2}-\d{2}_loop", "[DATE]_loop"),
        (r"\| [^|]+ \| (?:n/a|[\d.]+ [KMG]iB) \| (JUnit|exit code)", "| [TIME] | [MEMORY] | $1"),
        (r"- Host: [^\n]+", "- Host: [HOST]"),
        (r"- greenloop [^\n]+", "- greenloop [VERSION]"),
        // Present only when some suite outgrew greenloop's own memory (see the README).
        (r"- Peak memory: [^\n]+\n", ""),
    ]}, {
        insta::assert_snapshot!(root.latest_md("staging"));
    });
}

#[test]
fn report_of_an_iteration_whose_deploy_failed() {
    let root = Root::new();
    root.write_loop(
        "staging",
        r#"title = "Ultimate Test Deploy Loop"

[secrets]
token = { env = "GREENLOOP_TEST_SNAPSHOT_TOKEN" }

[env]
TOKEN = "${token}"

[deploy]
# One stream, so the log's order does not depend on how two pipes are read.
command = ["sh", "-c", "exec 2>&1; echo building with $TOKEN; echo 'error: registry unreachable' >&2; exit 2"]
revision = ["sh", "-c", "echo 4f2a9c1"]

[[suite]]
name = "api"
command = ["true"]

[[collect]]
name = "backend errors"
command = ["sh", "-c", "echo 'ERROR upstream connect error 503'; echo \"token in a log line: $TOKEN\""]
"#,
    );
    let output = root.greenloop_env(
        &["run", "staging"],
        &[("GREENLOOP_TEST_SNAPSHOT_TOKEN", "snapshot-secret")],
    );
    assert_eq!(code(&output), 3);

    insta::with_settings!({filters => vec![
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC, ran for [^\n]+", "[DATE] UTC, ran for [DURATION]"),
        (r"\d{4}-\d{2}-\d{2}_loop", "[DATE]_loop"),
        (r"\d+\.\d\d s", "[SECONDS]"),
        (r"- Host: [^\n]+", "- Host: [HOST]"),
        (r"- greenloop [^\n]+", "- greenloop [VERSION]"),
    ]}, {
        insta::assert_snapshot!(root.latest_md("staging"));
    });
}
