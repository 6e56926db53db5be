//! The dashboard at `/`: one page, its script and its stylesheet, embedded in the binary (no
//! CDN, no build step). They hold no data, so they need no token; the page reads everything
//! through the API, which keeps its own token rules.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The page's policy: its own script and stylesheet only, API calls and the event WebSocket to
/// this origin (`'self'` covers `ws:` there). Inline styles stay allowed for the
/// `text-align` attributes of report tables.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    /// The page itself, which gets the security headers.
    page: bool,
    /// The body's hash, for the entity tag: the binary, and so the file, can change under the
    /// same URL, so browsers revalidate every time (`no-cache`) and mostly get a 304.
    hash: u64,
}

impl Asset {
    const fn new(body: &'static str, content_type: &'static str, page: bool) -> Self {
        Self {
            body,
            content_type,
            page,
            hash: fnv1a(body.as_bytes()),
        }
    }
}

static INDEX: Asset = Asset::new(
    include_str!("dashboard/index.html"),
    "text/html; charset=utf-8",
    true,
);
static SCRIPT: Asset = Asset::new(
    include_str!("dashboard/app.js"),
    "text/javascript; charset=utf-8",
    false,
);
static STYLE: Asset = Asset::new(
    include_str!("dashboard/style.css"),
    "text/css; charset=utf-8",
    false,
);

/// `/`, `/assets/app.js` and `/assets/style.css`, for any router state.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/",
            get(|headers: HeaderMap| async move { serve(&INDEX, &headers) }),
        )
        .route(
            "/assets/app.js",
            get(|headers: HeaderMap| async move { serve(&SCRIPT, &headers) }),
        )
        .route(
            "/assets/style.css",
            get(|headers: HeaderMap| async move { serve(&STYLE, &headers) }),
        )
}

fn serve(asset: &'static Asset, request: &HeaderMap) -> Response {
    let etag = HeaderValue::try_from(format!("\"{:016x}\"", asset.hash))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == "*" || tag.trim().as_bytes() == etag.as_bytes())
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.page {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

/// 64-bit FNV-1a, at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}
