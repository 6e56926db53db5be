//! Full and read-only disks, for real: small tmpfs mounts under a temp root (these tests mount,
//! so they run as root, as CI does). Whatever fails to be written, the history never lies and
//! no result is lost.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Root, code, text};

/// A tmpfs mounted at a path for the life of the value.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(path: &Path, options: &str) -> Self {
        std::fs::create_dir_all(path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(path)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs at {} failed: these tests need root, as CI has",
            path.display()
        );
        Self(path.to_owned())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A suite that passes (its JUnit says so) after filling `dir` to the last byte.
fn filling_suite(dir: &str) -> String {
    format!(
        r#"[[suite]]
name = "fill"
command = ["sh", "-c", "printf '<testsuite name=\"s\"><testcase classname=\"c\" name=\"one\"/><testcase classname=\"c\" name=\"two\"/></testsuite>' > ${{junit}}; dd if=/dev/zero of={dir}/fill bs=64k 2>/dev/null; true"]
"#
    )
}

fn sql(root: &Root, query: &str) -> Option<String> {
    let connection = rusqlite::Connection::open(root.path().join("state/greenloop.db")).unwrap();
    connection.query_row(query, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_full_state_disk_while_recording_loses_no_result() {
    let root = Root::new();
    let _state = Mount::tmpfs(&root.path().join("state"), "size=2m");
    root.write_loop("full", &filling_suite("state"));
    let output = root.greenloop(&["run", "full"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert!(text(&output).contains("full"), "{}", text(&output));
    // The report was written first: it holds the results.
    let json = root.latest_json("full");
    assert_eq!(json["verdict"], "green");
    assert_eq!(json["totals"]["passed"], 2);

    // Room again: the next run restores the iteration from its report, results and all,
    // instead of calling it interrupted with no test.
    std::fs::remove_file(root.path().join("state/fill")).unwrap();
    root.write_loop("full", "[[suite]]\nname = \"fill\"\ncommand = [\"true\"]\n");
    let output = root.greenloop(&["run", "full"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert_eq!(
        sql(&root, "SELECT verdict FROM iterations WHERE number = 1").as_deref(),
        Some("green")
    );
    assert_eq!(
        sql(
            &root,
            "SELECT CAST(passed AS TEXT) FROM iterations WHERE number = 1"
        )
        .as_deref(),
        Some("2")
    );
    let first = root
        .report_files("full")
        .into_iter()
        .find(|f| f.ends_with("_loop-001_iteration-001.md"))
        .unwrap();
    let md = std::fs::read_to_string(root.path().join("reports/full").join(first)).unwrap();
    assert!(md.contains("**Verdict: green**"), "{md}");
    // Green closed Loop 1: the run after it is Loop 2.
    let latest = root.latest_json("full");
    assert_eq!(
        (latest["loop"].as_u64(), latest["iteration"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn a_full_reports_disk_keeps_the_results_and_the_report_is_written_later() {
    let root = Root::new();
    let _reports = Mount::tmpfs(&root.path().join("reports"), "size=1m");
    root.write_loop("full", &filling_suite("reports"));
    let output = root.greenloop(&["run", "full"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert!(
        text(&output).contains("No space left on device"),
        "{}",
        text(&output)
    );
    // The history has the results, and says why there is no report.
    assert_eq!(
        sql(&root, "SELECT verdict FROM iterations WHERE number = 1").as_deref(),
        Some("green")
    );
    assert_eq!(
        sql(&root, "SELECT report_stem FROM iterations WHERE number = 1"),
        None
    );
    let error = sql(&root, "SELECT error FROM iterations WHERE number = 1").unwrap();
    assert!(
        error.contains("its report could not be written")
            && error.contains("No space left on device"),
        "{error}"
    );

    std::fs::remove_file(root.path().join("reports/fill")).unwrap();
    root.write_loop("full", "[[suite]]\nname = \"fill\"\ncommand = [\"true\"]\n");
    let output = root.greenloop(&["run", "full"]);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let stem = sql(&root, "SELECT report_stem FROM iterations WHERE number = 1")
        .expect("the report was written from the history");
    let md = std::fs::read_to_string(root.path().join("reports/full").join(format!("{stem}.md")))
        .unwrap();
    assert!(
        md.contains("**Verdict: green** — 2 of 2 tests passed"),
        "{md}"
    );
    assert!(md.contains("written later, from the history"), "{md}");
}

#[test]
fn a_read_only_reports_disk_is_the_reason_given_not_the_suites() {
    let root = Root::new();
    let _reports = Mount::tmpfs(&root.path().join("reports"), "size=1m,ro");
    root.write_loop("ro", "[[suite]]\nname = \"api\"\ncommand = [\"true\"]\n");
    let output = root.greenloop(&["run", "ro"]);
    assert_eq!(code(&output), 3, "{}", text(&output));
    assert_eq!(
        sql(&root, "SELECT verdict FROM iterations WHERE number = 1").as_deref(),
        Some("error")
    );
    let error = sql(&root, "SELECT error FROM iterations WHERE number = 1").unwrap();
    assert!(
        error.contains("Read-only file system") && !error.contains("no suite could be started"),
        "{error}"
    );
}
