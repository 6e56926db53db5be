//! The configuration reference in the README is generated from `config::reference` and must
//! list exactly the keys the config types accept. Regenerate with
//! `GREENLOOP_UPDATE_DOCS=1 cargo test --test config_reference`.

mod common;

use std::collections::BTreeSet;

use common::Root;
use greenloop::config::reference::TABLES;

const MINIMAL_SUITE: &str = "[[suite]]\nname = \"a\"\ncommand = [\"true\"]\n";

#[test]
fn the_readme_holds_the_current_reference() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let rendered = greenloop::config::reference::render_into(&readme).unwrap();
    if std::env::var_os("GREENLOOP_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    assert!(
        rendered == readme,
        "README.md's configuration reference is stale: run `GREENLOOP_UPDATE_DOCS=1 cargo test --test config_reference`"
    );
    for table in TABLES {
        assert!(
            readme.contains(&format!("<!-- reference: {} -->", table.id)),
            "README.md has no place for the `{}` table",
            table.id
        );
    }
}

/// The keys serde accepts where `zz` was written, from its "expected one of" message.
fn accepted(root: &Root) -> BTreeSet<String> {
    let output = root.greenloop(&["check"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let line = stderr
        .lines()
        .find(|l| l.contains("unknown field `zz`"))
        .unwrap_or_else(|| panic!("no unknown-field error in:\n{stderr}"));
    // serde says "expected one of `a`, `b`", or "expected `a`" for a single key.
    line.split("expected ")
        .nth(1)
        .map(|list| list.trim_start_matches("one of "))
        .unwrap_or_else(|| panic!("no key list in: {line}"))
        .split(", ")
        .map(|k| k.trim_matches('`').to_owned())
        .collect()
}

/// The documented keys of `table` in `section` ("" for the top level): `[server] listen` is
/// `listen` in `server`; `[[suite]]`, `[vars]` and `[battery] parallel` name top-level keys.
fn documented(table: &str, section: &str) -> BTreeSet<String> {
    let table = TABLES.iter().find(|t| t.id == table).unwrap();
    table
        .keys()
        .filter_map(|key| {
            let (head, rest) = match key.strip_prefix('[') {
                Some(bracketed) => {
                    let end = bracketed.find(']').unwrap();
                    let name = bracketed[..end].trim_matches(['[', ']']);
                    (name, bracketed[end..].trim_start_matches(']').trim())
                }
                None => ("", key),
            };
            match (section.is_empty(), head.is_empty(), rest.is_empty()) {
                (true, true, _) => Some(rest.to_owned()),
                (true, false, _) => Some(head.to_owned()),
                (false, false, false) if head == section => Some(rest.to_owned()),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_daemon_reference_lists_every_key_of_config_greenloop_toml() {
    let root = Root::new();
    root.write_loop("a", MINIMAL_SUITE);
    root.write("config/greenloop.toml", "zz = 1\n");
    assert_eq!(accepted(&root), documented("daemon", ""));
    for section in ["server", "paths", "limits"] {
        root.write("config/greenloop.toml", &format!("[{section}]\nzz = 1\n"));
        assert_eq!(
            accepted(&root),
            documented("daemon", section),
            "[{section}]"
        );
    }
}

#[test]
fn the_loop_references_list_every_key_of_a_loop_file() {
    let cases = [
        ("loop", "", format!("zz = 1\n{MINIMAL_SUITE}")),
        (
            "loop",
            "battery",
            format!("{MINIMAL_SUITE}[battery]\nzz = 1\n"),
        ),
        ("suite", "", format!("{MINIMAL_SUITE}zz = 1\n")),
        (
            "probe",
            "",
            "[[probe]]\nkind = \"http\"\nname = \"p\"\nurl = \"http://x\"\nzz = 1\n".to_owned(),
        ),
        ("deploy", "", format!("{MINIMAL_SUITE}[deploy]\nzz = 1\n")),
        (
            "collect",
            "",
            format!("{MINIMAL_SUITE}[[collect]]\nzz = 1\n"),
        ),
        ("fix", "", format!("{MINIMAL_SUITE}[fix]\nzz = 1\n")),
        ("log", "", format!("{MINIMAL_SUITE}[[log]]\nzz = 1\n")),
        ("notify", "", format!("{MINIMAL_SUITE}[[notify]]\nzz = 1\n")),
    ];
    for (table, section, toml) in cases {
        let root = Root::new();
        root.write_loop("a", &toml);
        assert_eq!(
            accepted(&root),
            documented(table, section),
            "table `{table}` {section}"
        );
    }
}
