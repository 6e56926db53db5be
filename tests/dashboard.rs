//! The dashboard's files and the HTML report behind it, from an in-process daemon: `/` and its
//! assets need no token and carry the right types and cache headers; `report.html` renders the
//! Markdown report with tables, escapes the HTML a test suite wrote, and keeps the token rules.
//! (The page's behaviour in a browser is tested by `tests/browser/`, outside `cargo test`.)

mod common;
mod daemon_support;

use std::time::Duration;

use common::{Root, suite_script};
use daemon_support::TestDaemon;

const LIMIT: Duration = Duration::from_secs(30);
const TOKEN: &str = "dash-token";

/// A root whose daemon wants `TOKEN` for everything (reads included), with one loop whose
/// suite fails a test named and described in HTML.
fn guarded_root() -> Root {
    let root = Root::new();
    root.write("token", TOKEN);
    root.write(
        "config/greenloop.toml",
        "[server]\ntoken = { file = \"token\" }\n",
    );
    root.write_loop(
        "web",
        &format!(
            "title = \"Web <UI>\"\n[[suite]]\nname = \"ui\"\ncommand = [\"{}\"]\n",
            suite_script("junit_html.sh")
        ),
    );
    root
}

async fn get(d: &TestDaemon, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = d.http.get(format!("{}{path}", d.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the daemon answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_assets_need_no_token_and_say_what_they_are() {
    let root = guarded_root();
    let d = TestDaemon::start(root.path()).await;

    let page = get(&d, "/", None).await;
    assert_eq!(
        page.status(),
        200,
        "the page holds no data: no token needed"
    );
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let policy = header(&page, "content-security-policy").to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<script src="/assets/app.js" defer></script>"#),
        "{html}"
    );
    assert!(html.contains(r#"href="/assets/style.css""#), "{html}");
    assert!(html.contains("name=\"viewport\""), "readable on a phone");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );

    for (path, content_type, needle) in [
        (
            "/assets/app.js",
            "text/javascript; charset=utf-8",
            "/api/v1/events",
        ),
        ("/assets/style.css", "text/css; charset=utf-8", ".sparkline"),
    ] {
        let response = get(&d, path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), content_type, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let etag = header(&response, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() > 2, "{path}: {etag:?}");
        assert!(response.text().await.unwrap().contains(needle), "{path}");

        let again = d
            .http
            .get(format!("{}{path}", d.base))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}: a revalidation is cheap");
        assert_eq!(header(&again, "etag"), etag);
        assert!(again.text().await.unwrap().is_empty());
    }

    let (status, _) = d
        .send(d.http.get(format!("{}/api/v1/loops", d.base)), false)
        .await;
    assert_eq!(status, 401, "the data behind the page keeps its token");
    let (status, _) = d
        .send(d.http.get(format!("{}/assets/nope.js", d.base)), false)
        .await;
    assert_eq!(status, 404);
    d.daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_renders_tables_escapes_html_and_keeps_the_token_rules() {
    let root = guarded_root();
    let d = TestDaemon::start(root.path()).await;
    let (status, body) = d.trigger("web").await;
    assert_eq!(status, 202, "{body}");
    let rows = d.wait_iterations("web", 1, LIMIT).await;
    assert_eq!(rows[0]["verdict"], "failing");
    let path = "/api/v1/loops/web/iterations/1/1/report.html";

    let response = get(&d, path, Some(TOKEN)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert!(header(&response, "content-security-policy").contains("default-src 'none'"));
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<h1>Web &lt;UI&gt; — Loop 1 / Iteration 1</h1>"),
        "{html}"
    );
    assert!(html.contains("<table>") && html.contains("<th>Suite</th>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the test's name shows as text: {html}"
    );
    for live in ["<script", "<img", "<b ", "href=\"javascript", "<UI>"] {
        assert!(!html.contains(live), "{live} reached the HTML: {html}");
    }

    let markdown = d
        .get_text("/api/v1/loops/web/iterations/1/1/report")
        .await
        .1;
    assert!(
        markdown.contains("<script>alert(1)</script>") || markdown.contains("<img src=x"),
        "the Markdown report holds the raw HTML, so the escaping above is what stops it"
    );

    assert_eq!(get(&d, path, None).await.status(), 401, "no token");
    assert_eq!(get(&d, path, Some("wrong")).await.status(), 401);
    let by_query = get(&d, &format!("{path}?access_token={TOKEN}"), None).await;
    assert_eq!(
        by_query.status(),
        401,
        "the query token opens the events WebSocket only: a link must not carry it"
    );
    let missing = get(
        &d,
        "/api/v1/loops/web/iterations/1/2/report.html",
        Some(TOKEN),
    )
    .await;
    assert_eq!(missing.status(), 404);
    let bad_name = get(
        &d,
        "/api/v1/loops/..%2Fweb/iterations/1/1/report.html",
        Some(TOKEN),
    )
    .await;
    assert_eq!(bad_name.status(), 404);
    d.daemon.stop().await.unwrap();

    root.write(
        "config/greenloop.toml",
        "[server]\ntoken = { file = \"token\" }\npublic_read = true\n",
    );
    let d = TestDaemon::start(root.path()).await;
    assert_eq!(
        get(&d, path, None).await.status(),
        200,
        "public_read opens the HTML report like every read"
    );
    d.daemon.stop().await.unwrap();
}
