//! `greenloop serve` against clients that hold sockets: half-sent requests are closed after
//! `header_timeout`, idle keep-alive connections after `idle_timeout`, and past
//! `max_connections` new ones wait; the daemon's open file descriptors (read from
//! `/proc/<pid>/fd`) come back down, and `/healthz` answers once the holders are gone.

mod common;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Root, free_port};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request cut before the blank line that ends its head.
const HALF_SENT: &[u8] = b"GET /api/v1/loops HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n";

/// A running `greenloop serve` on a free port.
struct Serve {
    child: Child,
    port: u16,
    _root: Root,
}

impl Serve {
    /// Starts the daemon with `server` appended to its `[server]` table and waits for
    /// `/healthz`.
    async fn start(server: &str) -> Self {
        let port = free_port();
        let root = Root::new();
        root.write(
            "config/greenloop.toml",
            &format!("[server]\nlisten = \"127.0.0.1:{port}\"\n{server}"),
        );
        let child = Command::new(env!("CARGO_BIN_EXE_greenloop"))
            .arg("serve")
            .current_dir(root.path())
            .env_remove("GREENLOOP_ROOT")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start greenloop serve");
        let serve = Self {
            child,
            port,
            _root: root,
        };
        wait_for(
            "the daemon answering /healthz",
            Duration::from_secs(20),
            || async { serve.healthz().await == Some(200) },
        )
        .await;
        serve
    }

    /// The daemon's open file descriptors.
    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .expect("the daemon runs")
            .count()
    }

    /// The daemon's sockets (`socket:[inode]`): its listener, its signal pipe, its
    /// connections.
    fn sockets(&self) -> BTreeSet<String> {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .expect("the daemon runs")
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .map(|target| target.display().to_string())
            .filter(|target| target.starts_with("socket:"))
            .collect()
    }

    /// The daemon's sockets that were not open at `baseline`: the connections it holds now.
    fn connections(&self, baseline: &Baseline) -> usize {
        self.sockets().difference(&baseline.sockets).count()
    }

    /// `GET /healthz` on a connection of its own that closes after the answer.
    async fn healthz(&self) -> Option<u16> {
        let mut socket = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer).await.ok()?;
        let answer = String::from_utf8_lossy(&answer);
        answer.get(9..12)?.parse().ok()
    }

    /// What is open before a test's clients connect. Counting by socket inode is exact even
    /// if the daemon has not yet closed the connection of the last `/healthz`.
    fn baseline(&self) -> Baseline {
        Baseline {
            fds: self.fds(),
            sockets: self.sockets(),
        }
    }

    /// Waits until the daemon holds no connection opened since `baseline` and no more
    /// descriptors than then (two of slack: SQLite and logs open and close their own).
    async fn comes_back_to(&self, baseline: &Baseline) {
        wait_for(
            "the daemon's descriptors coming back down",
            Duration::from_secs(10),
            || async { self.connections(baseline) == 0 && self.fds() <= baseline.fds + 2 },
        )
        .await;
    }

    fn stop(mut self) {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM).unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Serve {
    /// A failed assertion must not leave the daemon running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The daemon's descriptors before a test's clients.
struct Baseline {
    fds: usize,
    sockets: BTreeSet<String>,
}

/// Polls `ready` every 50 ms until it holds, or panics after `limit`.
async fn wait_for<F, Fut>(what: &str, limit: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !ready().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens a connection and sends half a request; also when it began, which is no later than
/// the daemon accepted it.
async fn half_sent(port: u16) -> (TcpStream, Instant) {
    let began = Instant::now();
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    socket.write_all(HALF_SENT).await.expect("send");
    (socket, began)
}

/// Reads one answer to `GET /healthz` from a kept-alive connection.
async fn read_answer(socket: &mut TcpStream) -> String {
    let mut buffer = vec![0u8; 4096];
    let mut seen = String::new();
    while !seen.contains("\"ok\"") {
        let n = socket.read(&mut buffer).await.unwrap();
        assert!(n > 0, "closed while answering: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    seen
}

/// How long after `since` the daemon closed `socket` (EOF or reset), or `None` when it is
/// still open after `limit`.
async fn closed_after(mut socket: TcpStream, since: Instant, limit: Duration) -> Option<Duration> {
    let mut buffer = [0u8; 1024];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    closed.ok().map(|()| since.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_half_sent_requests_are_closed_after_the_header_timeout() {
    const CLIENTS: usize = 2000;
    let header_timeout = Duration::from_secs(1);
    let serve = Serve::start("header_timeout = \"1s\"\nmax_connections = 4096\n").await;
    let baseline = serve.baseline();

    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        clients.push(half_sent(serve.port).await);
    }
    let held = serve.connections(&baseline);
    let closed = futures_util::future::join_all(
        clients
            .into_iter()
            .map(|(socket, sent)| closed_after(socket, sent, Duration::from_secs(30))),
    )
    .await;
    let still_open = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(
        still_open,
        0,
        "{still_open} of {CLIENTS} half-sent requests were still open after 30 s (the daemon held {held} connections once all were sent, {} now; {} descriptors, {} before)",
        serve.connections(&baseline),
        serve.fds(),
        baseline.fds
    );
    let earliest = closed.iter().flatten().min().unwrap();
    assert!(
        *earliest >= header_timeout,
        "closed after {earliest:?}, before the header timeout: the daemon must give a client {header_timeout:?}"
    );
    serve.comes_back_to(&baseline).await;
    assert_eq!(serve.healthz().await, Some(200));
    serve.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout_not_the_header_timeout() {
    let serve = Serve::start("header_timeout = \"1s\"\nidle_timeout = \"30s\"\n").await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut kept = TcpStream::connect(("127.0.0.1", serve.port)).await.unwrap();
    kept.write_all(request).await.unwrap();
    let first = read_answer(&mut kept).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");

    // A half-sent request opened now is closed after the header timeout: our clock.
    let (slow, sent) = half_sent(serve.port).await;
    let slow_closed = closed_after(slow, sent, Duration::from_secs(20)).await;
    assert!(
        slow_closed.is_some(),
        "the half-sent request was not closed"
    );
    kept.write_all(request).await.unwrap();
    let second = read_answer(&mut kept).await;
    assert!(
        second.starts_with("HTTP/1.1 200"),
        "an idle keep-alive connection outlives the header timeout: {second}"
    );
    serve.stop();

    let serve = Serve::start("header_timeout = \"30s\"\nidle_timeout = \"1s\"\n").await;
    let mut idle = TcpStream::connect(("127.0.0.1", serve.port)).await.unwrap();
    // The idle clock starts after the answer, so after this.
    let since = Instant::now();
    idle.write_all(request).await.unwrap();
    let answer = read_answer(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let closed = closed_after(idle, since, Duration::from_secs(20)).await;
    let closed = closed.expect("an idle keep-alive connection was still open after 20 s");
    assert!(closed >= Duration::from_secs(1), "closed after {closed:?}");
    serve.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_and_healthz_answers_once_the_holders_are_gone() {
    const CAP: usize = 8;
    const HOLDERS: usize = 40;
    let serve = Serve::start(&format!(
        "header_timeout = \"1s\"\nmax_connections = {CAP}\n"
    ))
    .await;
    let baseline = serve.baseline();

    let mut holders = Vec::new();
    for _ in 0..HOLDERS {
        holders.push(half_sent(serve.port).await);
    }
    // Asked behind the holders: it waits for a free slot rather than being refused.
    let waiting = async {
        let asked = Instant::now();
        (serve.healthz().await, asked.elapsed())
    };
    let sample = async {
        let mut peak = 0;
        let mut reached_cap = false;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let open = serve.connections(&baseline);
            peak = peak.max(open);
            reached_cap |= open >= CAP;
            if reached_cap && open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (peak, reached_cap)
    };
    let closing = futures_util::future::join_all(
        holders
            .into_iter()
            .map(|(socket, sent)| closed_after(socket, sent, Duration::from_secs(30))),
    );
    let (closed, (answer, waited), (peak, reached_cap)) = tokio::join!(closing, waiting, sample);
    // One over, at most: a sample lists /proc while one socket closes and the next opens.
    assert!(
        peak <= CAP + 1,
        "the daemon held {peak} connections; the cap is {CAP}"
    );
    assert!(
        reached_cap,
        "the daemon never held {CAP} connections (at most {peak})"
    );
    assert!(
        closed.iter().all(Option::is_some),
        "every holder was closed by the header timeout, in turn"
    );
    assert_eq!(
        answer,
        Some(200),
        "/healthz waited {waited:?} behind the holders and was answered"
    );
    serve.comes_back_to(&baseline).await;
    assert_eq!(serve.healthz().await, Some(200));
    serve.stop();
}
