//! Boots the daemon in-process on a temp root and a free port, and talks to it over HTTP.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::{Duration, Instant};

use greenloop::daemon::Daemon;
use serde_json::Value;

/// A daemon serving a temp root on 127.0.0.1:0.
pub struct TestDaemon {
    pub daemon: Daemon,
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl TestDaemon {
    /// Starts a daemon on `root` (its config/greenloop.toml, if any, applies; `listen` does
    /// not: the test picks a free port).
    pub async fn start(root: &std::path::Path) -> Self {
        let config = greenloop::config::daemon_config(root).expect("valid config");
        let token = config.token.as_ref().map(|t| t.expose().to_owned());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let daemon = Daemon::start(config, listener)
            .await
            .expect("daemon starts");
        let base = format!("http://{}", daemon.addr());
        Self {
            daemon,
            base,
            http: reqwest::Client::new(),
            token,
        }
    }

    /// `GET path` with the token (when one is configured), as (status, JSON or text).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)), true)
            .await
    }

    /// `GET path` as text.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Triggers the next iteration of `name` through the API, as `greenloop trigger` does:
    /// a JSON body (what lets a tokenless daemon tell it from a cross-site form).
    pub async fn trigger(&self, name: &str) -> (u16, Value) {
        self.send(
            self.http
                .post(format!("{}/api/v1/loops/{name}/iterations", self.base))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body("{}"),
            true,
        )
        .await
    }

    /// Sends `request`, with the token when `authorized`.
    pub async fn send(
        &self,
        mut request: reqwest::RequestBuilder,
        authorized: bool,
    ) -> (u16, Value) {
        if authorized && let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Waits until nothing runs and nothing waits (or panics after `limit`).
    pub async fn wait_idle(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let activity = self.daemon.coordinator().activity();
            if activity.running() == 0 && activity.queued() == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still busy after {limit:?}: {activity:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `name` has `n` finished iterations and the daemon is idle (the store has the
    /// verdict a moment before the report files are in place); returns the history, newest
    /// first.
    pub async fn wait_iterations(&self, name: &str, n: usize, limit: Duration) -> Vec<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let (status, rows) = self.get(&format!("/api/v1/loops/{name}/iterations")).await;
            assert_eq!(status, 200, "{rows}");
            let rows = rows.as_array().unwrap().clone();
            if rows.iter().filter(|r| !r["verdict"].is_null()).count() >= n {
                self.wait_idle(limit).await;
                return rows;
            }
            assert!(
                Instant::now() < deadline,
                "fewer than {n} iterations after {limit:?}: {rows:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
