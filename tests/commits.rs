//! `[deploy] repo`: the commits deployed since the last green iteration, listed from a real git
//! repository made in the test, with the real binary.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Root, code, text};

/// Runs git in `repo` with a fixed identity and none of this machine's git configuration (a
/// global `commit.gpgsign` would make every commit fail).
fn git(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// The application under test: `app/` in the root, a git repository whose `health` file the
/// suite reads ("ok" passes).
struct App<'a> {
    root: &'a Root,
}

impl<'a> App<'a> {
    fn init(root: &'a Root) -> Self {
        std::fs::create_dir_all(root.path().join("app")).unwrap();
        let app = Self { root };
        git(&app.dir(), &["init", "-q"]);
        app
    }

    fn dir(&self) -> std::path::PathBuf {
        self.root.path().join("app")
    }

    /// Writes `file` and commits it with `subject`; the new commit's short hash.
    fn commit(&self, file: &str, contents: &str, subject: &str) -> String {
        std::fs::write(self.dir().join(file), contents).unwrap();
        git(&self.dir(), &["add", file]);
        git(&self.dir(), &["commit", "-q", "-m", subject]);
        git(&self.dir(), &["rev-parse", "--short", "HEAD"])
    }
}

/// A loop that "deploys" `app/` as it is, reads its revision with git, and whose suite passes
/// while `app/health` says ok; `extra_deploy` goes into `[deploy]`.
fn write_loop(root: &Root, revision: &str, extra_deploy: &str) {
    root.write_loop(
        "app",
        &format!(
            r#"title = "App"

[secrets]
token = {{ env = "GREENLOOP_TEST_COMMITS_TOKEN" }}

[deploy]
command = ["true"]
revision = {revision}
{extra_deploy}

[[suite]]
name = "health"
command = ["grep", "-qx", "ok", "app/health"]
"#
        ),
    );
}

const GIT_REVISION: &str = r#"["git", "-C", "app", "rev-parse", "--short", "HEAD"]"#;

/// `greenloop run app`, expecting exit code `expected`.
fn run(root: &Root, expected: i32) {
    let output = root.greenloop_env(
        &["run", "app"],
        &[("GREENLOOP_TEST_COMMITS_TOKEN", "s3cr3t_commit_token")],
    );
    assert_eq!(code(&output), expected, "{}", text(&output));
}

/// The `sha` and `subject` of each commit in a JSON range.
fn listed(range: &serde_json::Value) -> Vec<(String, String)> {
    range["commits"]
        .as_array()
        .unwrap_or_else(|| panic!("no commits in {range:#}"))
        .iter()
        .map(|c| {
            (
                c["sha"].as_str().unwrap().to_owned(),
                c["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(sha: &str, subject: &str) -> (String, String) {
    (sha.to_owned(), subject.to_owned())
}

#[test]
fn a_failing_iteration_lists_the_commits_deployed_since_the_last_green_one() {
    let root = Root::new();
    let app = App::init(&root);
    let a = app.commit("health", "ok\n", "Serve the health endpoint");
    write_loop(&root, GIT_REVISION, r#"repo = "app""#);

    run(&root, 0);
    let json = root.latest_json("app");
    assert_eq!(
        json["deployed"]["revision"],
        a.as_str(),
        "{:#}",
        json["deployed"]
    );
    assert!(json["deployed"]["previous"].is_null());
    assert!(json["deployed"]["since_green"].is_null());
    let md = root.latest_md("app");
    assert!(md.contains(&format!("- **Revision:** `{a}`\n")), "{md}");
    assert!(!md.contains("Commits deployed"), "{md}");

    let b = app.commit("health", "broken\n", "break the health endpoint");
    let c = app.commit("CHANGELOG", "0.2\n", "add a changelog entry");
    run(&root, 1);
    let json = root.latest_json("app");
    let deployed = &json["deployed"];
    assert_eq!(deployed["revision"], c.as_str());
    let loop_1 = serde_json::json!({"loop": 1, "iteration": 1, "revision": a});
    assert_eq!(deployed["previous"], loop_1);
    assert_eq!(deployed["last_green"], loop_1);
    let since_green = &deployed["since_green"];
    assert_eq!(since_green["from"], a.as_str());
    assert_eq!(since_green["to"], c.as_str());
    assert_eq!(
        listed(since_green),
        [
            pair(&c, "add a changelog entry"),
            pair(&b, "break the health endpoint")
        ]
    );
    assert_eq!(since_green["more"], 0);
    assert!(since_green["error"].is_null());
    assert_eq!(deployed["since_previous"], *since_green);

    let md = root.latest_md("app");
    assert!(
        md.contains(&format!(
            "- **Revision:** `{c}` (was `{a}` in Loop 1 / Iteration 1)\n"
        )),
        "{md}"
    );
    let block = format!(
        "**Commits deployed since the last green iteration** (Loop 1 / Iteration 1, `{a}`) → `{c}`:\n\n\
         - `{c}` add a changelog entry\n\
         - `{b}` break the health endpoint\n"
    );
    let what_changed = md
        .find("## What changed since")
        .expect("a What changed section");
    let listed_at = md
        .find(&block)
        .unwrap_or_else(|| panic!("no commits block in:\n{md}"));
    let next_section = md[what_changed + 1..].find("\n## ").unwrap() + what_changed + 1;
    assert!(
        what_changed < listed_at && listed_at < next_section,
        "the commits are not inside What changed:\n{md}"
    );

    // Still failing after another commit: since the last green is the whole story, since the
    // previous iteration only the new commit.
    let d = app.commit("README", "app\n", "document the app");
    run(&root, 1);
    let deployed = &root.latest_json("app")["deployed"];
    assert_eq!(deployed["previous"]["revision"], c.as_str());
    assert_eq!(deployed["last_green"], loop_1);
    assert_eq!(
        listed(&deployed["since_green"])
            .into_iter()
            .map(|(sha, _)| sha)
            .collect::<Vec<_>>(),
        [d.clone(), c, b]
    );
    assert_eq!(
        listed(&deployed["since_previous"]),
        [pair(&d, "document the app")]
    );
}

#[test]
fn a_secret_in_a_commit_subject_is_masked() {
    let root = Root::new();
    let app = App::init(&root);
    app.commit("health", "ok\n", "Serve the health endpoint");
    write_loop(&root, GIT_REVISION, r#"repo = "app""#);
    run(&root, 0);
    // Underscores are what Markdown escaping would split, out of the final redaction's reach.
    let c = app.commit(
        "config",
        "rotated\n",
        "rotate s3cr3t_commit_token in the *config*",
    );
    run(&root, 0);

    let json = root.latest_json("app");
    assert_eq!(
        listed(&json["deployed"]["since_green"]),
        [pair(&c, "rotate *** in the *config*")]
    );
    let md = root.latest_md("app");
    assert!(
        md.contains(&format!("- `{c}` rotate \\*\\*\\* in the \\*config\\*\n")),
        "{md}"
    );
    let everything = format!("{md}{json}");
    for leaked in ["s3cr3t", "commit_token", "commit\\_token"] {
        assert!(
            !everything.contains(leaked),
            "`{leaked}` leaked:\n{everything}"
        );
    }
}

#[test]
fn a_revision_the_repository_does_not_know_is_said_and_the_iteration_reports_normally() {
    let root = Root::new();
    let app = App::init(&root);
    let a = app.commit("health", "ok\n", "Serve the health endpoint");
    root.write("revision.txt", &format!("{a}\n"));
    write_loop(&root, r#"["cat", "revision.txt"]"#, r#"repo = "app""#);
    run(&root, 0);

    root.write("revision.txt", "deadbee\n");
    run(&root, 0);
    let json = root.latest_json("app");
    assert_eq!(json["verdict"], "green");
    let since_green = &json["deployed"]["since_green"];
    assert_eq!(listed(since_green), []);
    let error = since_green["error"].as_str().expect("an error");
    assert!(
        error.starts_with("fatal: ") && error.contains(&format!("{a}..deadbee")),
        "{error}"
    );
    let md = root.latest_md("app");
    assert!(md.contains("**Verdict: green**"), "{md}");
    assert!(
        md.contains(&format!(
            "**Commits deployed since the last green iteration** (Loop 1 / Iteration 1, `{a}`) → `deadbee`: none — git could not list them: fatal: "
        )),
        "{md}"
    );
}

#[test]
fn without_repo_the_revision_change_is_still_told_but_no_commits() {
    let root = Root::new();
    root.write("app/health", "ok\n");
    root.write("revision.txt", "v1\n");
    write_loop(&root, r#"["cat", "revision.txt"]"#, "");
    run(&root, 0);
    root.write("revision.txt", "v2\n");
    run(&root, 0);

    let deployed = &root.latest_json("app")["deployed"];
    assert_eq!(deployed["revision"], "v2");
    assert_eq!(
        deployed["previous"],
        serde_json::json!({"loop": 1, "iteration": 1, "revision": "v1"})
    );
    assert!(deployed["since_green"].is_null() && deployed["since_previous"].is_null());
    let md = root.latest_md("app");
    assert!(
        md.contains("- **Revision:** `v2` (was `v1` in Loop 1 / Iteration 1)\n"),
        "{md}"
    );
    assert!(!md.contains("Commits deployed"), "{md}");
}

/// The application as a real HTTP service: `app/server.py` answers 200 on the routes it lists
/// and 404 on any other.
fn server(routes: &[&str]) -> String {
    format!(
        r#"import http.server, sys
ROUTES = {routes:?}

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path in ROUTES else 404)
        self.end_headers()
        self.wfile.write(b"{{}}")

    def log_message(self, fmt, *args):
        print(fmt % args, file=sys.stderr, flush=True)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"#
    )
}

#[test]
fn a_commit_that_breaks_an_endpoint_is_named_by_the_new_root_cause() {
    let root = Root::new();
    let app = App::init(&root);
    let port = common::free_port();
    let a = app.commit(
        "server.py",
        &server(&["/health", "/api/agents"]),
        "Serve agents",
    );
    root.write_loop(
        "app",
        &format!(
            r#"title = "App"

[deploy]
service = ["python3", "app/server.py", "{port}"]
ready_url = "http://127.0.0.1:{port}/health"
revision = {GIT_REVISION}
repo = "app"

[[suite]]
name = "smoke"
command = ["true"]

[[probe]]
kind = "http"
name = "agents"
url = "http://127.0.0.1:{port}/api/agents"
"#
        ),
    );
    run(&root, 0);

    let b = app.commit(
        "server.py",
        &server(&["/health"]),
        "Move the agent routes into their own module",
    );
    let c = app.commit("README", "app\n", "Document the app");
    run(&root, 1);
    let json = root.latest_json("app");
    let causes = json["root_causes"].as_array().unwrap();
    assert_eq!(causes.len(), 1, "{causes:#?}");
    let cause = &causes[0];
    assert_eq!(
        cause["headline"],
        "`GET /api/agents` answers 404 (Not Found)"
    );
    assert_eq!(cause["new"], true);
    assert_eq!(
        cause["arrived_with"].as_str().unwrap(),
        format!(
            "first seen after deploying `{c}` (was `{a}`); it came with 2 commits (`{a}..{c}`): `{c}` Document the app; `{b}` Move the agent routes into their own module"
        )
    );
    let md = root.latest_md("app");
    assert!(
        md.contains(&format!(
            "- **Deploy:** first seen after deploying `{c}` (was `{a}`)"
        )),
        "{md}"
    );

    // The cause goes on without a new deploy: it is no longer new, and names no commits.
    run(&root, 1);
    let cause = &root.latest_json("app")["root_causes"][0];
    assert_eq!(cause["new"], false);
    assert!(cause["arrived_with"].is_null(), "{cause:#}");
}
