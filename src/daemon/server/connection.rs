//! One accepted connection: hyper's HTTP/1 (with upgrades, for the events WebSocket) serving
//! the router, closed when its [`Clock`] runs out, and shut down gracefully when the daemon
//! stops.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::clock::{Clock, InFlight, Wait};
use super::counted::Counted;
use crate::config::server::ConnectionLimits;

/// Serves `socket` until the client leaves, its clock runs out, or the daemon stops.
pub async fn serve(
    socket: Counted,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    stopping: CancellationToken,
) {
    let clock = Clock::start(limits);
    let service = {
        let clock = clock.clone();
        hyper::service::service_fn(move |request| answer(request, peer, app.clone(), &clock))
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    // The clock does hyper's job better (see `clock`); hyper's would also need a timer.
    http.header_read_timeout(None);
    let mut connection = pin!(
        http.serve_connection(TokioIo::new(socket), service)
            .with_upgrades()
    );
    let mut shutting_down = false;
    // Each turn re-reads the deadline, which moves whenever a request begins or ends; a
    // deadline that fired is checked again, since a request may have begun meanwhile.
    loop {
        let deadline = clock.deadline();
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
                return;
            }
            () = clock.changed() => {}
            () = expiry(deadline) => {
                if let Some((at, wait)) = clock.deadline() && at <= Instant::now() {
                    let waiting_for = match wait {
                        Wait::First => "a request",
                        Wait::Next => "another request",
                    };
                    tracing::debug!(%peer, "closed the connection: {waiting_for} did not arrive within {:?}", clock.limit(wait));
                    return;
                }
            }
            () = stopping.cancelled(), if !shutting_down => {
                // Idle connections close now; a request in flight is answered first.
                connection.as_mut().graceful_shutdown();
                shutting_down = true;
            }
        }
    }
}

/// Waits until `deadline`, or forever without one.
async fn expiry(deadline: Option<(Instant, Wait)>) {
    match deadline {
        Some((at, _)) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Answers one request with the router, the clock stopped until the answer has been sent.
fn answer(
    mut request: Request<Incoming>,
    peer: SocketAddr,
    app: Router,
    clock: &Arc<Clock>,
) -> impl Future<Output = Result<Response<Sending>, Infallible>> + use<> {
    let in_flight = clock.begin();
    let clock = clock.clone();
    // Handlers and the guard can say who was refused.
    request.extensions_mut().insert(ConnectInfo(peer));
    async move {
        let Ok(response) = app.oneshot(request).await;
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            clock.upgraded();
        }
        Ok(response.map(|body| Sending {
            body,
            _in_flight: in_flight,
        }))
    }
}

/// A response body that keeps its request in flight until hyper has sent (or dropped) it, so
/// a slow download is not taken for an idle connection.
pub struct Sending {
    body: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Sending {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        http_body::Body::poll_frame(Pin::new(&mut self.get_mut().body), cx)
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.body)
    }

    fn size_hint(&self) -> SizeHint {
        http_body::Body::size_hint(&self.body)
    }
}
