//! `greenloop check`: every mistake in a config file is named at file:line:column.

mod common;

use std::time::Duration;

use common::{Root, code, suite_script};

fn check_stderr(root: &Root) -> String {
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        2,
        "check must fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr).unwrap()
}

fn single_loop_errors(toml: &str) -> String {
    let root = Root::new();
    root.write_loop("broken", toml);
    check_stderr(&root)
}

#[test]
fn unknown_key_in_a_suite() {
    insta::assert_snapshot!(single_loop_errors(
        "title = \"x\"\n\n[[suite]]\nname = \"api\"\ncommand = [\"pytest\"]\ntimout = \"2m\"\n"
    ));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(single_loop_errors(
        "[battery]\nparallel = \"two\"\n\n[[suite]]\nname = \"api\"\ncommand = [\"pytest\"]\n"
    ));
}

#[test]
fn toml_syntax_error() {
    insta::assert_snapshot!(single_loop_errors("title = \"unclosed\n[[suite]]\n"));
}

#[test]
fn every_validation_error_in_a_file_is_reported_at_once() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "max_iterations = 0\n",
        "pass_threshold = 1.5\n",
        "\n",
        "[secrets]\n",
        "token = { env = \"GREENLOOP_TEST_UNSET_VARIABLE\" }\n",
        "\n",
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"pytest\", \"--base=${base_url}\"]\n",
        "timeout = \"2 minutes-ish\"\n",
        "\n",
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = []\n",
        "idle_timeout = \"0s\"\n",
        "\n",
        "[[suite]]\n",
        "name = \"has space\"\n",
        "command = [\"x\", \"${unclosed\"]\n",
    )));
}

#[test]
fn a_loop_without_suites() {
    insta::assert_snapshot!(single_loop_errors("title = \"nothing to run\"\n"));
}

#[test]
fn public_listen_without_a_token() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        "[server]\nlisten = \"0.0.0.0:7878\"\n",
    );
    insta::assert_snapshot!(check_stderr(&root));
}

#[test]
fn a_public_listen_needs_a_token_of_sixteen_characters() {
    let root = Root::new();
    root.write("token", "x\n");
    root.write(
        "config/greenloop.toml",
        "[server]\nlisten = \"0.0.0.0:7878\"\ntoken = { file = \"token\" }\n",
    );
    insta::assert_snapshot!("public_token_of_one_character", check_stderr(&root));

    root.write(
        "config/greenloop.toml",
        "[server]\nlisten = \"[::]:7878\"\ntoken = { env = \"GREENLOOP_TEST_BLANK\" }\n",
    );
    let output = root.greenloop_env(
        &["check"],
        &[("GREENLOOP_TEST_BLANK", "                    ")],
    );
    assert_eq!(
        code(&output),
        2,
        "a blank token: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    insta::assert_snapshot!(
        "public_token_of_whitespace",
        String::from_utf8(output.stderr).unwrap()
    );

    // On loopback only this machine can knock, so a short token is the user's call.
    root.write(
        "config/greenloop.toml",
        "[server]\nlisten = \"127.0.0.1:7878\"\ntoken = { file = \"token\" }\n",
    );
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn server_key_errors() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        r#"[server]
allowed_hosts = ["ok.example.com", "http://with-scheme.example.com", "a b", "", "x.example.com:99999", "x/path"]
allowed_origins = ["https://ok.example.com", "ok.example.com", "ftp://x.example.com", "https://x.example.com/path", "null"]
header_timeout = "0s"
idle_timeout = "soon"
max_connections = 0
"#,
    );
    insta::assert_snapshot!(check_stderr(&root));
}

#[test]
fn errors_in_several_files_are_all_reported() {
    let root = Root::new();
    root.write_loop(
        "a",
        "[[suite]]\nname = \"x\"\ncommand = [\"true\"]\nbogus = 1\n",
    );
    root.write_loop(
        "b",
        "[[suite]]\nname = \"x\"\ncommand = [\"true\"]\ntimeout = \"soon\"\n",
    );
    root.write_loop("c", "[[suite]]\nname = \"fine\"\ncommand = [\"true\"]\n");
    let output = root.greenloop(&["check"]);
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--> loops/a.toml:4:1"), "{stderr}");
    assert!(stderr.contains("--> loops/b.toml:4:11"), "{stderr}");
    assert!(stderr.ends_with("2 errors found\n"), "{stderr}");
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("ok: loops/c.toml")
    );
}

#[test]
fn a_valid_setup_passes_with_exit_zero() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        "[server]\nlisten = \"0.0.0.0:7878\"\ntoken = { env = \"GREENLOOP_TEST_TOKEN\" }\n[limits]\nlog_head = \"512KiB\"\n",
    );
    root.write_loop(
        "ok",
        &format!(
            "[vars]\nbase = \"http://x\"\n[env]\nURL = \"${{base}}\"\n[[suite]]\nname = \"s\"\ncommand = [\"{}\", \"${{junit}}\"]\ntimeout = \"90s\"\n",
            suite_script("junit_pass.sh")
        ),
    );
    let output = root.greenloop_env(&["check"], &[("GREENLOOP_TEST_TOKEN", "abcdefghijklmnop")]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "ok: loops/ok.toml\nconfig is valid (1 loop)\n"
    );
}

#[test]
fn the_shipped_config_and_example_loop_are_valid() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(["--root", env!("CARGO_MANIFEST_DIR"), "check"])
        .output()
        .unwrap();
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn probe_errors() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[vars]\n",
        "base_url = \"https://api.staging.example.com\"\n",
        "\n",
        "[[probe]]\n",
        "kind = \"grpc\"\n",
        "name = \"health\"\n",
        "url = \"${base_url}/health\"\n",
        "\n",
        "[[probe]]\n",
        "kind = \"http\"\n",
        "name = \"start\"\n",
        "url = \"api/agents/start\"\n",
        "send = [\"hello\"]\n",
        "\n",
        "[[probe]]\n",
        "kind = \"websocket\"\n",
        "name = \"events\"\n",
        "url = \"${base_url}/ws\"\n",
        "expect_events = []\n",
    )));
}

#[test]
fn valid_probes_pass_check() {
    let root = Root::new();
    root.write_loop(
        "probes",
        concat!(
            "[vars]\nbase_url = \"https://api.staging.example.com\"\nws_url = \"wss://api.staging.example.com/ws\"\n",
            "[[probe]]\nkind = \"http\"\nname = \"agent start\"\nmethod = \"POST\"\nurl = \"${base_url}/api/agents/start\"\n",
            "expect_status = [200, 201]\nsamples = 5\njson_field = { path = \"status\", equals = \"ok\" }\n",
            "[[probe]]\nkind = \"websocket\"\nname = \"agent events\"\nurl = \"${ws_url}\"\nsend = ['{\"type\":\"user_message\"}']\n",
            "expect_events = [\"agent_started\", \"agent_completed\"]\nin_order = true\nconnections = 3\ntimeout = \"30s\"\n",
        ),
    );
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn schedule_loop(keys: &str) -> String {
    format!("{keys}\n[[suite]]\nname = \"api\"\ncommand = [\"pytest\"]\n")
}

#[test]
fn schedule_errors() {
    let root = Root::new();
    root.write_loop(
        "a_garbage",
        &schedule_loop(
            "schedule = \"every day\"\ntimezone = \"Europe/Berln\"\non_busy = \"later\"\n",
        ),
    );
    root.write_loop(
        "b_never",
        &schedule_loop("schedule = \"0 0 0 30 2 *\"  # 30 February\n"),
    );
    root.write_loop(
        "c_out_of_range",
        &schedule_loop("schedule = \"0 0 25 * * *\"\ntimezone = \"europe/berlin\"\n"),
    );
    insta::assert_snapshot!(check_stderr(&root));
}

#[test]
fn a_five_field_schedule_with_a_zone_is_valid_and_fires_at_second_zero() {
    let root = Root::new();
    root.write_loop(
        "nightly",
        &schedule_loop(
            "schedule = \"30 2 * * 1-5\"\ntimezone = \"Europe/Berlin\"\non_busy = \"skip\"\n",
        ),
    );
    root.write_loop("zoned", &schedule_loop("timezone = \"America/New_York\"\n"));
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let config = greenloop::config::daemon_config(root.path()).unwrap();
    let plan = greenloop::config::loop_plan(&config, "nightly").unwrap();
    let schedule = plan.schedule.expect("a schedule");
    assert_eq!(schedule.to_string(), "30 2 * * 1-5 (Europe/Berlin)");
    let six_fields =
        greenloop::schedule::Schedule::parse("0 30 2 * * 1-5", Some("Europe/Berlin")).unwrap();
    let from = chrono::Utc::now();
    assert_eq!(schedule.next_after(from), six_fields.next_after(from));
    assert_eq!(plan.on_busy, greenloop::config::OnBusy::Skip);

    let zoned = greenloop::config::loop_plan(&config, "zoned").unwrap();
    assert!(zoned.schedule.is_none());
    assert_eq!(zoned.on_busy, greenloop::config::OnBusy::Queue);
}

#[test]
fn step_errors() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "command = [\"./deploy.sh\", \"--out=${junit}\"]\n",
        "timeout = \"20 minutes-ish\"\n",
        "ready_timeout = \"30s\"\n",
        "revision = []\n",
        "\n",
        "[[collect]]\n",
        "name = \"logs\"\n",
        "command = []\n",
        "\n",
        "[[collect]]\n",
        "name = \"logs\"\n",
        "command = [\"journalctl\", \"${unit}\"]\n",
        "timeout = \"0s\"\n",
        "\n",
        "[fix]\n",
        "command = [\"./fix.sh\", \"${junit}\"]\n",
        "timeout = \"soon\"\n",
    )));
}

#[test]
fn deploy_with_both_command_and_service() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "command = [\"./deploy.sh\"]\n",
        "service = [\"./server.sh\"]\n",
        "ready_url = \"localhost:8000/health\"\n",
    )));
}

#[test]
fn deploy_with_neither_command_nor_service() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "ready_url = \"http://127.0.0.1:8000/health\"\n",
    )));
}

#[test]
fn a_service_has_no_timeout() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "service = []\n",
        "timeout = \"5m\"\n",
    )));
}

#[test]
fn unknown_key_in_deploy() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "comand = [\"./deploy.sh\"]\n",
    )));
}

#[test]
fn valid_steps_pass_check() {
    let root = Root::new();
    root.write_loop(
        "steps",
        concat!(
            "[vars]\nbase_url = \"https://api.staging.example.com\"\n",
            "[secrets]\ntoken = { env = \"GREENLOOP_TEST_STEPS_CHECK_TOKEN\" }\n",
            "[[suite]]\nname = \"api\"\ncommand = [\"pytest\", \"--junitxml=${junit}\"]\n",
            "[deploy]\ncommand = [\"./deploy.sh\", \"${loop}\", \"${iteration}\"]\ntimeout = \"20m\"\n",
            "ready_url = \"${base_url}/health?token=${token}\"\nready_timeout = \"2m\"\n",
            "revision = [\"git\", \"rev-parse\", \"--short\", \"HEAD\"]\n",
            "[[collect]]\nname = \"backend errors\"\ncommand = [\"gcloud\", \"logging\", \"read\", \"--freshness=15m\"]\ntimeout = \"1m\"\n",
            "[fix]\ncommand = [\"./fix.sh\", \"${report_dir}\"]\ntimeout = \"30m\"\nauto_continue = true\n",
        ),
    );
    let output = root.greenloop_env(
        &["check"],
        &[("GREENLOOP_TEST_STEPS_CHECK_TOKEN", "abcdef")],
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn notify_errors() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[[notify]]\n",
        "url = \"${slack_hook}\"\n",
        "format = \"teams\"\n",
        "on = [\"failing\", \"flaky\"]\n",
        "remind_every = \"daily\"\n",
        "\n",
        "[[notify]]\n",
        "url = \"ftp://example.com/hook\"\n",
        "on = [\"failing\", \"green\"]\n",
        "remind_every = \"4h\"\n",
        "timeout = \"0s\"\n",
        "\n",
        "[[notify]]\n",
        "url = \"https://example.com/${junit}\"\n",
        "on = [\"reminder\"]\n",
        "\n",
        "[[notify]]\n",
        "url = \"https://example.com/hook\"\n",
        "on = []\n",
    )));
}

#[test]
fn unknown_key_in_notify() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[[notify]]\n",
        "url = \"https://example.com/hook\"\n",
        "channel = \"#staging\"\n",
    )));
}

#[test]
fn valid_notify_passes_check() {
    let root = Root::new();
    root.write(
        "secrets/slack_hook",
        "https://hooks.slack.com/services/T000/B000/XXXX\n",
    );
    root.write_loop(
        "notify",
        concat!(
            "[secrets]\nslack_hook = { file = \"secrets/slack_hook\" }\n",
            "[[suite]]\nname = \"api\"\ncommand = [\"true\"]\n",
            "[[notify]]\nurl = \"${slack_hook}\"\nformat = \"slack\"\n",
            "on = [\"green\", \"reminder\", \"failing\"]\nremind_every = \"4h\"\n",
            "[[notify]]\nurl = \"http://127.0.0.1:9000/greenloop/${loop_name}\"\ntimeout = \"3s\"\n",
        ),
    );
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    use greenloop::notify::{Event, Format};
    let config = greenloop::config::daemon_config(root.path()).unwrap();
    let plan = greenloop::config::loop_plan(&config, "notify").unwrap();
    let [slack, json] = plan.notify.as_slice() else {
        panic!("two webhooks: {:?}", plan.notify);
    };
    assert_eq!(slack.format, Format::Slack);
    assert_eq!(slack.on, [Event::Failing, Event::Green, Event::Reminder]);
    assert_eq!(slack.remind_every, Some(Duration::from_secs(4 * 3600)));
    assert_eq!(slack.timeout, Duration::from_secs(10));
    assert_eq!(json.format, Format::Json);
    assert_eq!(json.on, Event::ALL);
    assert_eq!(json.remind_every, None);
    assert_eq!(json.timeout, Duration::from_secs(3));
}

#[test]
fn log_errors() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[[log]]\n",
        "name = \"api\"\n",
        "command = [\"docker\", \"logs\", \"api\"]\n",
        "path = \"/var/log/app/*.log\"\n",
        "\n",
        "[[log]]\n",
        "name = \"api\"\n",
        "\n",
        "[[log]]\n",
        "name = \" \"\n",
        "path = \"/var/log/[app/*.log\"\n",
        "timeout = \"5s\"\n",
        "\n",
        "[[log]]\n",
        "name = \"worker\"\n",
        "command = [\"journalctl\", \"--since=${started}\"]\n",
        "timeout = \"soon\"\n",
    )));
}

#[test]
fn public_vars_errors() {
    let root = Root::new();
    root.write("token.txt", "abcdef\n");
    root.write_loop(
        "broken",
        concat!(
            "public_vars = [\"base_url\", \"token\", \"ws_url\", \"base_url\"]\n",
            "\n",
            "[vars]\n",
            "base_url = \"https://api.staging.example.com\"\n",
            "\n",
            "[secrets]\n",
            "token = { file = \"token.txt\" }\n",
            "\n",
            "[[suite]]\n",
            "name = \"api\"\n",
            "command = [\"true\"]\n",
        ),
    );
    insta::assert_snapshot!(check_stderr(&root));
}

#[test]
fn valid_logs_and_public_vars_pass_check() {
    let root = Root::new();
    root.write_loop(
        "logs",
        concat!(
            "public_vars = [\"base_url\", \"ws_url\"]\n",
            "[vars]\nbase_url = \"https://api.staging.example.com\"\nws_url = \"wss://api.staging.example.com/ws\"\n",
            "[[suite]]\nname = \"api\"\ncommand = [\"true\"]\n",
            "[[log]]\nname = \"api\"\ncommand = [\"docker\", \"logs\", \"--since\", \"${iteration_started_at}\", \"api\"]\ntimeout = \"1m\"\n",
            "[[log]]\nname = \"app\"\npath = \"/var/log/app/*.log\"\n",
            "[[log]]\nname = \"local\"\npath = \"logs/**/*.log\"\n",
        ),
    );
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_repo_needs_a_revision() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "command = [\"./deploy.sh\"]\n",
        "repo = \"../app\"\n",
    )));
}

#[test]
fn a_repo_is_a_plain_path() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "\n",
        "[deploy]\n",
        "command = [\"./deploy.sh\"]\n",
        "revision = [\"git\", \"rev-parse\", \"--short\", \"HEAD\"]\n",
        "repo = \"${root}/app\"\n",
    )));
}

#[test]
fn a_repo_is_resolved_against_the_root() {
    let root = Root::new();
    root.write_loop(
        "app",
        concat!(
            "[[suite]]\nname = \"api\"\ncommand = [\"true\"]\n",
            "[deploy]\ncommand = [\"./deploy.sh\"]\n",
            "revision = [\"git\", \"-C\", \"../app\", \"rev-parse\", \"--short\", \"HEAD\"]\n",
            "repo = \"../app\"\n",
        ),
    );
    let output = root.greenloop(&["check"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config = greenloop::config::daemon_config(root.path()).unwrap();
    let plan = greenloop::config::loop_plan(&config, "app").unwrap();
    let repo = plan.deploy.and_then(|d| d.repo).expect("a repo");
    assert_eq!(repo, config.root.join("../app"));
    assert!(repo.is_absolute(), "{}", repo.display());
}

/// Durations too long to add to a clock used to pass `check` and then panic the run; every
/// duration key is checked against the documented maximum, with its place in the file.
#[test]
fn absurd_durations_are_refused_with_their_place() {
    insta::assert_snapshot!(single_loop_errors(concat!(
        "[[suite]]\n",
        "name = \"api\"\n",
        "command = [\"true\"]\n",
        "timeout = \"18446744073709551615s\"\n",
        "idle_timeout = \"300000000000y\"\n",
        "\n",
        "[[probe]]\n",
        "kind = \"websocket\"\n",
        "name = \"events\"\n",
        "url = \"ws://127.0.0.1:1/ws\"\n",
        "expect_events = [\"x\"]\n",
        "timeout = \"400days\"\n",
        "\n",
        "[deploy]\n",
        "command = [\"true\"]\n",
        "timeout = \"18446744073709551615s\"\n",
        "ready_url = \"http://127.0.0.1:1/health\"\n",
        "ready_timeout = \"18446744073709551615s\"\n",
        "\n",
        "[fix]\n",
        "command = [\"true\"]\n",
        "timeout = \"18446744073709551615s\"\n",
        "\n",
        "[[collect]]\n",
        "name = \"logs\"\n",
        "command = [\"true\"]\n",
        "timeout = \"18446744073709551615s\"\n",
    )));
}

#[test]
fn an_absurd_kill_grace_is_refused() {
    let root = Root::new();
    root.write(
        "config/greenloop.toml",
        "[limits]\nkill_grace = \"18446744073709551615s\"\nlog_head = \"4096GiB\"\n",
    );
    root.write_loop("ok", "[[suite]]\nname = \"api\"\ncommand = [\"true\"]\n");
    insta::assert_snapshot!(check_stderr(&root));
}

/// A named pipe where a loop file should be used to hang `check` forever; a file that is not
/// UTF-8 gave no line and column; a huge one-line file printed its whole line, twice.
#[test]
fn hostile_loop_files_get_a_short_error_with_their_place() {
    let root = Root::new();
    nix::unistd::mkfifo(
        &root.path().join("loops/pipe.toml"),
        nix::sys::stat::Mode::S_IRWXU,
    )
    .unwrap();
    root.write_loop("bytes", "title = \"ok\"\n[[suite]]\nname = \"a\"\n");
    std::fs::OpenOptions::new()
        .append(true)
        .open(root.path().join("loops/bytes.toml"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"command = [\"tru\xffe\"]\n"))
        .unwrap();
    let mut long = "title = \"".to_owned();
    long.push_str(&"x".repeat(2 * 1024 * 1024));
    long.push_str("\" oops\n");
    root.write_loop("long", &long);
    root.write_loop("huge", &"# padding\n".repeat(6 * 1024 * 1024));
    let output = root.greenloop_within(&["check"], std::time::Duration::from_secs(30));
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.len() < 8 * 1024, "{} bytes of errors", stderr.len());
    assert!(
        stderr.contains("error: failed to read: not a regular file (a named pipe), so it was not read\n  --> loops/pipe.toml"),
        "{stderr}"
    );
    assert!(stderr.contains("--> loops/bytes.toml:4:16"), "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(stderr.contains("--> loops/long.toml:1:"), "{stderr}");
    assert!(
        stderr.contains("error: failed to read: larger than 4194304 bytes, more than such a file ever holds\n  --> loops/huge.toml"),
        "{stderr}"
    );
}
