//! Shared helpers for integration tests: a temp root with loop files, and the real binary.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every form a secret can take in output, and an oracle that finds what is left of one: the
/// masker's own test encoders, shared.
#[path = "../../src/redact/test_forms.rs"]
pub mod forms;

/// A temporary greenloop root.
pub struct Root {
    pub dir: tempfile::TempDir,
}

impl Root {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("loops")).unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `loops/<name>.toml`.
    pub fn write_loop(&self, name: &str, toml: &str) {
        std::fs::write(self.path().join("loops").join(format!("{name}.toml")), toml).unwrap();
    }

    /// Writes a file relative to the root.
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Runs `greenloop <args>` in this root.
    pub fn greenloop(&self, args: &[&str]) -> Output {
        self.greenloop_env(args, &[])
    }

    /// Runs `greenloop <args>` in this root with extra environment.
    pub fn greenloop_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_greenloop"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("GREENLOOP_ROOT");
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().expect("run greenloop")
    }

    /// Runs `greenloop <args>` in this root, killing it and failing the test if it has not
    /// exited within `limit` (for bugs that used to hang forever).
    pub fn greenloop_within(&self, args: &[&str], limit: std::time::Duration) -> Output {
        let child = Command::new(env!("CARGO_BIN_EXE_greenloop"))
            .args(args)
            .current_dir(self.path())
            .env_remove("GREENLOOP_ROOT")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run greenloop");
        let pid = child.id();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait_with_output());
        });
        match finished.recv_timeout(limit) {
            Ok(output) => output.expect("wait for greenloop"),
            Err(_) => {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                panic!("`greenloop {}` still ran after {limit:?}", args.join(" "));
            }
        }
    }

    /// `reports/<loop>/latest.json`, parsed.
    pub fn latest_json(&self, name: &str) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.path().join("reports").join(name).join("latest.json"))
                .expect("latest.json exists");
        serde_json::from_str(&text).expect("latest.json is JSON")
    }

    /// `reports/<loop>/latest.md`.
    pub fn latest_md(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join("reports").join(name).join("latest.md"))
            .expect("latest.md exists")
    }

    /// Every file under `reports/<loop>/`, relative to it, sorted.
    pub fn report_files(&self, name: &str) -> Vec<String> {
        let base = self.path().join("reports").join(name);
        let mut files = Vec::new();
        walk(&base, &base, &mut files);
        files.sort();
        files
    }
}

/// Every file under `dir` (relative to the root), with its bytes, sorted by path.
pub fn files_under(root: &Path, dir: &str) -> Vec<(String, Vec<u8>)> {
    let base = root.join(dir);
    let mut files = Vec::new();
    if base.exists() {
        walk(&base, &base, &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(base.join(&file)).unwrap();
            (format!("{dir}/{file}"), bytes)
        })
        .collect()
}

fn walk(base: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(base, &path, files);
        } else {
            files.push(path.strip_prefix(base).unwrap().display().to_string());
        }
    }
}

/// The absolute path of a fixture suite script.
pub fn suite_script(name: &str) -> String {
    fixture(&format!("suites/{name}")).display().to_string()
}

/// The absolute path of a file under tests/fixtures.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// The test entry with `id` in an iteration's JSON.
pub fn test_entry<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no test {id} in {:#}", json["tests"]))
}

/// The suite entry called `name` in an iteration's JSON.
pub fn suite_entry<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["suites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .expect("suite in JSON")
}

/// The exit code of a finished command.
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

/// stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whether `pid` is gone (or a zombie waiting for its new parent to reap it) within 5 s.
pub fn process_gone(pid: i32) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let gone = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            // The state is the field after the parenthesised command name.
            Ok(stat) => stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z')),
        };
        if gone || std::time::Instant::now() > deadline {
            return gone;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The pid a fixture wrote to `pidfile`, and whether that process is gone within 5 s.
pub fn grandchild_gone(pidfile: &Path) -> (i32, bool) {
    let pid: i32 = std::fs::read_to_string(pidfile)
        .expect("the fixture wrote its grandchild's pid")
        .trim()
        .parse()
        .expect("a pid");
    (pid, process_gone(pid))
}

/// A port on 127.0.0.1 that was free a moment ago, for a server the test has greenloop start.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
