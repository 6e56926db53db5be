//! The demo backend's fault switches, against the real server on 127.0.0.1: each fault breaks
//! what the demo's battery checks, and an edit of the faults file applies at the next request.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

const ALL_EVENTS: [&str; 5] = [
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
];

/// A running backend and its faults file.
struct Backend {
    addr: SocketAddr,
    faults: PathBuf,
    _dir: tempfile::TempDir,
}

impl Backend {
    async fn start(faults: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faults.toml");
        std::fs::write(&path, faults).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(greenloop::demo::serve(listener, path.clone()));
        Self {
            addr,
            faults: path,
            _dir: dir,
        }
    }

    fn set_faults(&self, faults: &str) {
        std::fs::write(&self.faults, faults).unwrap();
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The status of `method path`, or `None` when no answer came within 500 ms.
    async fn status(&self, method: &str, path: &str) -> Option<u16> {
        let client = reqwest::Client::new();
        let request = match method {
            "POST" => client.post(self.url(path)).body("{}"),
            _ => client.get(self.url(path)),
        };
        match request.timeout(Duration::from_millis(500)).send().await {
            Ok(response) => Some(response.status().as_u16()),
            Err(e) if e.is_timeout() => None,
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// One agent run over the WebSocket: the event types seen, and the close code if the
    /// server closed; stops after `agent_completed` or 500 ms of silence.
    async fn agent_run(&self) -> (Vec<String>, Option<u16>) {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", self.addr))
            .await
            .unwrap();
        let hello = r#"{"type":"user_message","payload":{"content":"hello"}}"#;
        ws.send(Message::text(hello)).await.unwrap();
        let mut events = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_millis(500), ws.next()).await {
                Err(_) | Ok(None) => return (events, None),
                Ok(Some(Err(e))) => panic!("read failed: {e}"),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return (events, frame.map(|f| u16::from(f.code)));
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    let event: serde_json::Value = serde_json::from_str(&text).unwrap();
                    events.push(event["type"].as_str().unwrap().to_owned());
                    if events.last().unwrap() == "agent_completed" {
                        return (events, None);
                    }
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

#[tokio::test]
async fn without_faults_everything_answers_and_the_five_events_arrive_in_order() {
    let backend = Backend::start("ws_1011 = false\n").await;
    assert_eq!(backend.status("GET", "/health").await, Some(200));
    assert_eq!(backend.status("POST", "/api/agents/start").await, Some(200));
    assert_eq!(backend.status("GET", "/api/agents/status").await, Some(200));
    assert_eq!(backend.status("GET", "/api/threads").await, Some(200));
    assert_eq!(backend.status("GET", "/api/tools").await, Some(200));
    assert_eq!(
        backend.agent_run().await,
        (ALL_EVENTS.map(String::from).to_vec(), None)
    );
}

#[tokio::test]
async fn each_fault_breaks_its_own_thing() {
    let backend = Backend::start("agents_404 = true\n").await;
    assert_eq!(backend.status("POST", "/api/agents/start").await, Some(404));
    assert_eq!(backend.status("GET", "/api/agents/status").await, Some(404));
    assert_eq!(backend.status("GET", "/api/threads").await, Some(200));

    backend.set_faults("ws_1011 = true\n");
    assert_eq!(backend.status("POST", "/api/agents/start").await, Some(200));
    assert_eq!(backend.agent_run().await, (Vec::new(), Some(1011)));

    backend.set_faults("events_stop = true\n");
    assert_eq!(
        backend.agent_run().await,
        (vec!["agent_started".to_owned()], None)
    );

    backend.set_faults("suite_hangs = true\n");
    assert_eq!(backend.status("GET", "/api/threads").await, None, "hangs");
    assert_eq!(backend.status("GET", "/health").await, Some(200));
}

#[tokio::test]
async fn a_missing_faults_file_is_no_fault_and_a_broken_one_is_a_500_saying_why() {
    let backend = Backend::start("agents_404 = true\n").await;
    std::fs::remove_file(&backend.faults).unwrap();
    assert_eq!(backend.status("POST", "/api/agents/start").await, Some(200));
    backend.set_faults("agents_404 = maybe\n");
    let answer = reqwest::get(backend.url("/api/agents/status"))
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 500);
    let body = answer.text().await.unwrap();
    assert!(body.contains("failed to parse the faults file"), "{body}");
}
