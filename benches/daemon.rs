//! Daemon benchmark: the idle daemon's peak memory, and the time from a trigger to the first
//! suite process running.
//!
//! Run with `cargo bench --bench daemon`. It starts the real `greenloop serve` (release build)
//! on a temp root, waits for it, reads `/proc/<pid>/status` after a few reads of the API and
//! two idle seconds, then triggers `ITERATIONS` iterations one after another. Each iteration's
//! only suite is `sh -c 'date +%s%N > started.ns'`: the latency is from just before the POST is
//! sent to the time that suite wrote (so it includes `sh` and `date` starting, ~2 ms).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ITERATIONS: usize = 30;
/// Targets: the idle daemon's peak memory, and trigger → first suite process (p90).
const IDLE_PEAK_MB: f64 = 20.0;
const LATENCY_MS: f64 = 50.0;

fn main() {
    let root = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::create_dir_all(root.path().join("config")).unwrap();
    std::fs::create_dir_all(root.path().join("loops")).unwrap();
    std::fs::write(
        root.path().join("config/greenloop.toml"),
        format!("[server]\nlisten = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    std::fs::write(
        root.path().join("loops/quick.toml"),
        "[[suite]]\nname = \"stamp\"\ncommand = [\"sh\", \"-c\", \"date +%s%N > started.ns\"]\n",
    )
    .unwrap();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .arg("serve")
        .current_dir(root.path())
        .env("GREENLOOP_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start greenloop serve");
    let pid = daemon.id();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    runtime.block_on(async {
        let started = Instant::now();
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the daemon did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for path in ["/api/v1/loops", "/metrics", "/api/v1/loops/quick"] {
            client.get(format!("{base}{path}")).send().await.unwrap();
        }
    });
    std::thread::sleep(Duration::from_secs(2));
    let (hwm, rss) = memory(pid);
    println!(
        "idle daemon: peak {:.1} MB, resident {:.1} MB",
        mb(hwm),
        mb(rss)
    );

    let stamp = root.path().join("started.ns");
    let mut latencies = Vec::new();
    runtime.block_on(async {
        for _ in 0..ITERATIONS {
            let _ = std::fs::remove_file(&stamp);
            let sent = now_ns();
            let response = client
                .post(format!("{base}/api/v1/loops/quick/iterations"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 202);
            // Wait for the iteration to finish, so the next one starts on an idle loop.
            loop {
                let state: serde_json::Value = client
                    .get(format!("{base}/api/v1/loops/quick"))
                    .send()
                    .await
                    .unwrap()
                    .json_value()
                    .await;
                if state["running"].is_null() && state["queued"].is_null() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let started: u128 = std::fs::read_to_string(&stamp)
                .expect("the suite ran")
                .trim()
                .parse()
                .unwrap();
            latencies.push(Duration::from_nanos((started - sent) as u64));
        }
    });
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "trigger → first suite process: median {:.1} ms, p90 {:.1} ms, max {:.1} ms over {ITERATIONS} iterations",
        ms(latencies[ITERATIONS / 2]),
        ms(latencies[ITERATIONS * 9 / 10]),
        ms(latencies[ITERATIONS - 1]),
    );
    let (busy_hwm, _) = memory(pid);
    println!(
        "daemon peak after {ITERATIONS} iterations: {:.1} MB",
        mb(busy_hwm)
    );
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let _ = daemon.wait();
    let mut missed = Vec::new();
    if mb(hwm) >= IDLE_PEAK_MB {
        missed.push(format!("idle peak {:.1} MB ≥ {IDLE_PEAK_MB} MB", mb(hwm)));
    }
    if ms(latencies[ITERATIONS * 9 / 10]) >= LATENCY_MS {
        missed.push(format!("p90 latency ≥ {LATENCY_MS} ms"));
    }
    if !missed.is_empty() {
        eprintln!("missed targets: {}", missed.join("; "));
        std::process::exit(1);
    }
}

trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// `VmHWM` and `VmRSS` of `pid`, in bytes.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
