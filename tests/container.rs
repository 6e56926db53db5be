//! No Docker engine runs here, so the image is kept honest from outside: its build step is the
//! command CI runs, its baked-in config is valid only with a token, and its health check is a
//! command that works.

mod common;

use common::{Root, code, text};

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_image_builds_with_the_command_ci_runs() {
    let dockerfile = repo_file("Dockerfile");
    let ci = repo_file(".ci/run");
    assert!(dockerfile.contains("\nRUN cargo build --release --locked\n"));
    assert!(ci.contains("\ncargo build --release --locked\n"));
    assert!(dockerfile.contains("ENTRYPOINT [\"tini\", \"--\", \"greenloop\"]"));
    assert!(dockerfile.contains("CMD [\"greenloop\", \"healthcheck\"]"));
    assert!(dockerfile.contains("\nUSER greenloop\n"));
}

#[test]
fn the_image_config_listens_on_every_interface_only_with_a_token() {
    let root = Root::new();
    root.write("config/greenloop.toml", &repo_file("docker/greenloop.toml"));
    let output = root.greenloop_env(&["check"], &[("GREENLOOP_TOKEN", "")]);
    assert_eq!(code(&output), 2, "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GREENLOOP_TOKEN"), "{stderr}");

    let output = root.greenloop_env(&["check"], &[("GREENLOOP_TOKEN", "t0ken")]);
    assert_eq!(code(&output), 2, "a short token: {}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 16 characters"), "{stderr}");

    let output = root.greenloop_env(
        &["check"],
        &[("GREENLOOP_TOKEN", "t0ken-long-enough-for-a-vm")],
    );
    assert_eq!(code(&output), 0, "{}", text(&output));
}
