//! Ingest benchmark for the JUnit reader: throughput of `read_bytes` and peak memory of
//! `read_file` on a 100,000-case file.
//!
//! Run with `cargo bench --bench junit_ingest`. Peak memory is measured honestly: the bench
//! re-executes itself as a child process that does nothing but ingest the file, and the child
//! reports its own `VmHWM` (peak resident set) from `/proc/self/status` before and after.
//! The process exits non-zero when a target is missed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Marker argument that turns this binary into the memory-measuring child.
const CHILD_FLAG: &str = "--junit-ingest-child";
/// Cases in the memory test file, as the task's target says.
const MEMORY_CASES: usize = 100_000;
/// Cases in the in-memory throughput document.
const THROUGHPUT_CASES: usize = 60_000;
const REPETITIONS: usize = 7;
const TARGET_MB_PER_S: f64 = 200.0;
const TARGET_PEAK_MB: f64 = 150.0;

#[path = "support/pytest_xml.rs"]
mod pytest_xml;

use pytest_xml::generate;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; every argument but the child marker is ignored.
    if let Some(i) = args.iter().position(|a| a == CHILD_FLAG) {
        let path = args.get(i + 1).expect("the child needs a file path");
        child(Path::new(path));
        return;
    }

    let throughput = measure_throughput();
    let memory = measure_memory();

    println!();
    println!("| measurement | file size | cases | result | target |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| read_bytes throughput (median of {REPETITIONS}) | {:.1} MB | {} | {:.0} MB/s | >= {TARGET_MB_PER_S:.0} MB/s |",
        mb(throughput.bytes),
        throughput.cases,
        throughput.median_mb_s
    );
    println!(
        "| read_file peak RSS (child VmHWM) | {:.1} MB | {} | {:.1} MB total ({:.1} MB baseline + {:.1} MB ingest) | < {TARGET_PEAK_MB:.0} MB |",
        mb(memory.bytes),
        memory.cases,
        memory.peak_mb,
        memory.baseline_mb,
        memory.peak_mb - memory.baseline_mb
    );

    let mut missed = Vec::new();
    if throughput.median_mb_s < TARGET_MB_PER_S {
        missed.push(format!(
            "throughput {:.0} MB/s is below {TARGET_MB_PER_S:.0} MB/s",
            throughput.median_mb_s
        ));
    }
    if memory.peak_mb >= TARGET_PEAK_MB {
        missed.push(format!(
            "peak memory {:.1} MB is not below {TARGET_PEAK_MB:.0} MB",
            memory.peak_mb
        ));
    }
    if missed.is_empty() {
        println!("\nall targets met");
    } else {
        for m in &missed {
            eprintln!("target missed: {m}");
        }
        std::process::exit(1);
    }
}

struct Throughput {
    bytes: usize,
    cases: usize,
    median_mb_s: f64,
}

fn measure_throughput() -> Throughput {
    let document = generate(THROUGHPUT_CASES);
    let origin = Path::new("generated-pytest.xml");
    let mut rates = Vec::with_capacity(REPETITIONS);
    let mut cases = 0;
    for round in 0..REPETITIONS {
        let start = Instant::now();
        let run = greenloop::junit::read_bytes(document.as_bytes(), origin)
            .expect("the generated document is valid JUnit");
        let elapsed = start.elapsed().as_secs_f64();
        cases = run.cases.len();
        std::hint::black_box(&run);
        let rate = mb(document.len()) / elapsed;
        println!("throughput round {round}: {rate:.0} MB/s ({elapsed:.3} s)");
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    Throughput {
        bytes: document.len(),
        cases,
        median_mb_s: rates[rates.len() / 2],
    }
}

struct Memory {
    bytes: usize,
    cases: usize,
    baseline_mb: f64,
    peak_mb: f64,
}

fn measure_memory() -> Memory {
    let dir = std::env::temp_dir().join(format!("greenloop-junit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the bench temp dir");
    let path: PathBuf = dir.join("TEST-pytest-100k.xml");
    let document = generate(MEMORY_CASES);
    std::fs::write(&path, &document).expect("write the bench file");
    let bytes = document.len();
    // The parent's own copy must not matter, but free it anyway before the child runs.
    drop(document);

    let exe = std::env::current_exe().expect("find the bench binary");
    let output = Command::new(exe)
        .arg(CHILD_FLAG)
        .arg(&path)
        .output()
        .expect("run the ingest child");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the ingest child failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |key: &str| -> f64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("the child did not report {key}: {stdout}"))
    };
    Memory {
        bytes,
        cases: field("cases=") as usize,
        baseline_mb: field("baseline_kb=") / 1024.0,
        peak_mb: field("peak_kb=") / 1024.0,
    }
}

/// The child: ingest one file from disk and report peak RSS before and after.
fn child(path: &Path) {
    let baseline = vm_hwm_kb();
    let run = greenloop::junit::read_file(path).expect("ingest the bench file");
    let peak = vm_hwm_kb();
    println!("cases={}", run.cases.len());
    println!("baseline_kb={baseline}");
    println!("peak_kb={peak}");
    // Keep the result alive until after the peak was read.
    std::hint::black_box(&run);
}

/// Peak resident set size of this process, from `/proc/self/status`.
fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}
