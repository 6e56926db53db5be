//! Talking to a running `greenloop serve`: its address and token from the config, JSON over
//! HTTP, and the live events WebSocket.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use anyhow::Context;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::config::{self, DaemonConfig};

/// The daemon as seen from the command line.
pub struct DaemonClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// An answer: status and body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: serde_json::Value,
}

impl Answer {
    /// The `error` message of an error answer.
    pub fn error(&self) -> String {
        self.body["error"]
            .as_str()
            .map_or_else(|| self.body.to_string(), str::to_owned)
    }
}

impl DaemonClient {
    /// The daemon at `url`, or where `config/greenloop.toml` says it listens; the token is
    /// the configured one, or `GREENLOOP_TOKEN`.
    pub fn new(config: &DaemonConfig, url: Option<&str>) -> anyhow::Result<Self> {
        let base = match url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let mut addr = config.listen;
                // A daemon listening on every interface is reached on loopback.
                match addr.ip() {
                    IpAddr::V4(ip) if ip.is_unspecified() => {
                        addr.set_ip(Ipv4Addr::LOCALHOST.into())
                    }
                    IpAddr::V6(ip) if ip.is_unspecified() => {
                        addr.set_ip(Ipv6Addr::LOCALHOST.into())
                    }
                    _ => {}
                }
                format!("http://{addr}")
            }
        };
        let token = config
            .token
            .as_ref()
            .map(|t| t.expose().to_owned())
            .or_else(|| {
                std::env::var("GREENLOOP_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty())
            });
        let http = crate::probe::http::client()?;
        Ok(Self { base, token, http })
    }

    /// The client for the daemon configured under `root`.
    pub fn for_root(root: &Path, url: Option<&str>) -> anyhow::Result<Self> {
        let config = config::daemon_config(root).map_err(|d| anyhow::anyhow!("{d}"))?;
        Self::new(&config, url)
    }

    /// Where the daemon is.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Answer, reqwest::Error> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<Answer, reqwest::Error> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(request).await
    }

    async fn send(&self, mut request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .timeout(std::time::Duration::from_secs(30))
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        })
    }

    /// Connects to `/api/v1/events` and yields each event.
    pub async fn events(
        &self,
    ) -> anyhow::Result<impl futures_util::Stream<Item = serde_json::Value> + Unpin> {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let url = format!("{}/api/v1/events", self.base.replacen("http", "ws", 1));
        let mut request = url.as_str().into_client_request()?;
        if let Some(token) = &self.token {
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}")
                    .parse()
                    .context("the token is not a valid header")?,
            );
        }
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .with_context(|| {
                format!(
                    "failed to open the event stream of the daemon at {}",
                    self.base
                )
            })?;
        Ok(Box::pin(socket.filter_map(|message| async move {
            match message {
                Ok(Message::Text(text)) => serde_json::from_str(text.as_str()).ok(),
                _ => None,
            }
        })))
    }
}
