//! Secrets that suites put where the report is not: test names (kept in the history store and
//! printed by `history`) and JUnit files written under `reports/` (greenloop publishes them).

mod common;

use common::forms::Oracle;
use common::{Root, code, files_under, suite_script, text};

/// Every character that URLs, JSON, XML and base64 treat specially.
const SECRET: &str = "S3cr3t Val\"ue<42>/+=&x";

/// A loop whose suites leak `${token}` in every form (see `leak_every_form.py`); `extra` is
/// appended to the first suite.
fn leaky_loop(root: &Root, name: &str, extra: &str) {
    root.write_loop(
        name,
        &format!(
            "[secrets]\ntoken = {{ env = \"SECRETS_TEST_TOKEN\" }}\n[env]\nTOKEN = \"${{token}}\"\n\
             [[suite]]\nname = \"auth\"\ncommand = [\"{}\"]\n{extra}\n",
            suite_script("leak_every_form.py")
        ),
    );
}

fn run(root: &Root, name: &str) -> std::process::Output {
    let output = root.greenloop_env(&["run", name], &[("SECRETS_TEST_TOKEN", SECRET)]);
    assert_eq!(code(&output), 1, "{}", text(&output));
    output
}

fn assert_no_leak(oracle: &Oracle, what: &str, bytes: &[u8]) {
    if let Some(form) = oracle.leaked(bytes) {
        panic!(
            "{what} leaks the secret ({form}):\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn a_secret_in_a_test_name_reaches_neither_the_database_nor_history() {
    let root = Root::new();
    leaky_loop(&root, "names", "");
    let output = run(&root, "names");
    let oracle = Oracle::new(SECRET);
    assert_no_leak(&oracle, "greenloop run", &output.stdout);
    assert_no_leak(&oracle, "greenloop run's stderr", &output.stderr);
    let state = files_under(root.path(), "state");
    assert!(state.iter().any(|(file, _)| file.ends_with("greenloop.db")));
    for (file, bytes) in &state {
        assert_no_leak(&oracle, file, bytes);
    }

    let masked_id = "auth::tests.test_auth::test_login[***]";
    let json = root.latest_json("names");
    assert_eq!(common::test_entry(&json, masked_id)["status"], "failed");
    let history = root.greenloop(&["history", "names", "--test", masked_id]);
    assert_eq!(code(&history), 0, "{}", text(&history));
    let shown = String::from_utf8_lossy(&history.stdout);
    assert!(
        shown.starts_with(masked_id) && shown.contains("failed"),
        "{shown}"
    );
    assert_no_leak(&oracle, "history --test", text(&history).as_bytes());
    let iterations = root.greenloop(&["history", "names"]);
    assert_no_leak(&oracle, "history", text(&iterations).as_bytes());
}

#[test]
fn junit_files_a_suite_writes_under_reports_are_rewritten_masked() {
    let root = Root::new();
    // The first suite writes its JUnit into the iteration's logs (the default `${junit}`),
    // the second somewhere else under reports/.
    leaky_loop(&root, "junit", "");
    let mut toml = std::fs::read_to_string(root.path().join("loops/junit.toml")).unwrap();
    toml += &format!(
        "[[suite]]\nname = \"elsewhere\"\ncommand = [\"{}\"]\njunit = \"reports/junit/custom/TEST-elsewhere.xml\"\n",
        suite_script("leak_every_form.py")
    );
    root.write_loop("junit", &toml);
    run(&root, "junit");

    let oracle = Oracle::new(SECRET);
    let reports = files_under(root.path(), "reports");
    let junit: Vec<&String> = reports
        .iter()
        .map(|(file, _)| file)
        .filter(|file| file.ends_with(".xml"))
        .collect();
    assert_eq!(junit.len(), 2, "{junit:?}");
    for (file, bytes) in &reports {
        assert_no_leak(&oracle, file, bytes);
    }
    // Masked, the files still parse: greenloop read them, and so can whoever reads them next.
    let json = root.latest_json("junit");
    assert_eq!(
        common::test_entry(&json, "elsewhere::tests.test_auth::test_login[***]")["message"],
        "401 Unauthorized for Bearer ***"
    );
    for file in junit {
        let text = std::fs::read_to_string(root.path().join(file)).unwrap();
        assert!(text.contains("test_login[***]"), "{file}: {text}");
    }
}
