//! `greenloop check` on `[secrets]`: a secret file must be a small regular file (a FIFO or a
//! device is a clear error, never a hang or unbounded memory), and short secrets are warned
//! about.

mod common;

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Root, code};

/// `greenloop check` in `root`, in at most 400 MB of address space (check itself needs under
/// 200), or `None` when it has not finished within 30 s; a run past either limit is killed.
fn check_bounded(root: &Root) -> Option<Output> {
    let child = Command::new("sh")
        .args(["-c", "ulimit -v 400000 && exec \"$0\" check"])
        .arg(env!("CARGO_BIN_EXE_greenloop"))
        .current_dir(root.path())
        .env_remove("GREENLOOP_ROOT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start greenloop check");
    let pid = child.id();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match receiver.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => Some(output.expect("wait for greenloop check")),
        Err(_) => {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            None
        }
    }
}

fn loop_with_secret(source: &str) -> String {
    format!("[secrets]\ntoken = {source}\n[[suite]]\nname = \"s\"\ncommand = [\"true\"]\n")
}

/// Check fails within its limits with one error that names `file` and says `why`.
fn assert_secret_file_error(root: &Root, file: &str, why: &str) {
    let output = check_bounded(root).expect("check finishes instead of hanging");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(
        stderr.contains("--> loops/s.toml:2:9") && stderr.contains(file) && stderr.contains(why),
        "{stderr}"
    );
}

#[test]
fn a_secret_file_that_is_a_fifo_is_an_error_not_a_hang() {
    let root = Root::new();
    let fifo = root.path().join("secrets/token");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    root.write_loop("s", &loop_with_secret("{ file = \"secrets/token\" }"));
    assert_secret_file_error(&root, "secrets/token", "not a regular file");
}

#[test]
fn a_secret_file_on_dev_zero_is_an_error_not_unbounded_memory() {
    let root = Root::new();
    root.write_loop("s", &loop_with_secret("{ file = \"/dev/zero\" }"));
    assert_secret_file_error(&root, "/dev/zero", "not a regular file");
}

#[test]
fn a_secret_file_larger_than_the_cap_is_an_error() {
    let root = Root::new();
    root.write("secrets/huge", &"x".repeat(64 * 1024 + 1));
    root.write_loop("s", &loop_with_secret("{ file = \"secrets/huge\" }"));
    assert_secret_file_error(&root, "secrets/huge", "larger than 64 KiB");
}

#[test]
fn a_secret_file_at_the_cap_is_read() {
    let root = Root::new();
    root.write("secrets/big", &format!("{}\n", "x".repeat(64 * 1024 - 1)));
    root.write_loop("s", &loop_with_secret("{ file = \"secrets/big\" }"));
    let output = check_bounded(&root).expect("check finishes");
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn short_secrets_pass_check_with_a_warning_that_says_what_happens_to_them() {
    let root = Root::new();
    root.write_loop(
        "s",
        "[secrets]\npin = { env = \"CHECK_TEST_PIN\" }\ncode = { env = \"CHECK_TEST_CODE\" }\nkey = { env = \"CHECK_TEST_KEY\" }\n[[suite]]\nname = \"s\"\ncommand = [\"true\"]\n",
    );
    let output = root.greenloop_env(
        &["check"],
        &[
            ("CHECK_TEST_PIN", "42"),
            ("CHECK_TEST_CODE", "abc"),
            ("CHECK_TEST_KEY", "long-enough-key"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(code(&output), 0, "{stderr}");
    assert!(
        stderr.contains("warning: secret `pin`") && stderr.contains("warning: secret `code`"),
        "{stderr}"
    );
    assert!(!stderr.contains("`key`"), "{stderr}");
    insta::assert_snapshot!(stderr);
}
