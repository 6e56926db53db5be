//! Delivering one message: POST it, retrying with exponential backoff when the failure may be
//! passing (no connection, a timeout, 5xx, 429), never when the webhook refused it (other 4xx).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use crate::config::defaults;
use crate::redact::Redactor;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, the first one included.
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each further one.
    pub backoff: Duration,
}

impl Default for Retry {
    /// [`defaults::NOTIFY_ATTEMPTS`] attempts, backing off from [`defaults::NOTIFY_BACKOFF`].
    fn default() -> Self {
        Self {
            attempts: defaults::NOTIFY_ATTEMPTS,
            backoff: defaults::NOTIFY_BACKOFF,
        }
    }
}

/// Why a message was not delivered, worded as the cause after "failed to notify <url> of
/// <event>: ". Messages never contain the url.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The webhook answered with a status that is not 2xx.
    #[error("the webhook answered {status} (after {attempts} attempt{})", plural(*attempts))]
    Status {
        /// Its last answer.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// No answer: no connection, a timeout, a broken connection.
    #[error("{reason} (after {attempts} attempt{})", plural(*attempts))]
    Transport {
        /// What went wrong, with the url left out and secrets masked.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// POSTs `body` (JSON) to `url`, each attempt limited to `timeout`; returns how many attempts
/// it took. `redactor` masks whatever an error might say.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    body: String,
    timeout: Duration,
    retry: Retry,
    redactor: &Redactor,
) -> Result<u32, DeliveryError> {
    let mut wait = retry.backoff;
    let mut attempt = 1;
    loop {
        let sent = client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone())
            .timeout(timeout)
            .send()
            .await;
        let (retryable, error) = match sent {
            Ok(answer) if answer.status().is_success() => return Ok(attempt),
            Ok(answer) => {
                let status = answer.status();
                let error = DeliveryError::Status {
                    status: status.as_u16(),
                    attempts: attempt,
                };
                (worth_retrying(status), error)
            }
            Err(e) => {
                let error = DeliveryError::Transport {
                    reason: describe(e, url, redactor),
                    attempts: attempt,
                };
                (true, error)
            }
        };
        if !retryable || attempt >= retry.attempts {
            return Err(error);
        }
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(2);
        attempt += 1;
    }
}

/// 5xx, 429 Too Many Requests and 408 Request Timeout may pass; any other answer will not.
fn worth_retrying(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// The error and its causes on one line, without the url (reqwest puts it in its message).
fn describe(error: reqwest::Error, url: &str, redactor: &Redactor) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let error = error.without_url();
    let mut reason = kind.to_owned();
    let mut cause: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = cause {
        reason.push_str(": ");
        reason.push_str(&e.to_string());
        cause = e.source();
    }
    redactor.mask(reason.replace(url, &masked_url(url)))
}

/// `url` as logs may show it: scheme, host and port; the path and query (where webhook
/// services keep their secret) and any credentials become `***`.
pub fn masked_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or_default();
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{host}{port}/***", parsed.scheme())
        }
        Err(_) => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_urls_keep_only_scheme_host_and_port() {
        let cases = [
            (
                "https://hooks.slack.com/services/T000/B000/XXXX",
                "https://hooks.slack.com/***",
            ),
            (
                "http://user:pw@127.0.0.1:8080/hook?token=abc",
                "http://127.0.0.1:8080/***",
            ),
            ("https://example.com", "https://example.com/***"),
            ("not a url with secret", "***"),
        ];
        for (url, expected) in cases {
            assert_eq!(masked_url(url), expected, "{url}");
        }
    }

    #[test]
    fn retries_only_answers_that_may_pass() {
        for code in [500, 502, 503, 504, 429, 408] {
            assert!(
                worth_retrying(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 410, 413, 301, 302] {
            assert!(
                !worth_retrying(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
    }

    #[test]
    fn errors_read_as_one_line() {
        let status = DeliveryError::Status {
            status: 404,
            attempts: 1,
        };
        assert_eq!(
            status.to_string(),
            "the webhook answered 404 (after 1 attempt)"
        );
        let transport = DeliveryError::Transport {
            reason: "could not connect: connection refused".into(),
            attempts: 4,
        };
        assert_eq!(
            transport.to_string(),
            "could not connect: connection refused (after 4 attempts)"
        );
    }
}
