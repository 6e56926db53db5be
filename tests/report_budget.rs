//! The report stays readable whatever the battery's size: a 200,000-test iteration with 10,000
//! failures and thousands of distinct messages, imported twice so that every "What changed"
//! list is long too, is written in at most 2,000 lines of Markdown — the rest is in the JSON twin.

mod common;

use std::fmt::Write;

use common::{Root, code, text};

const TESTS: usize = 200_000;
const FAILURES: usize = 10_000;
const BUDGET: usize = 2_000;

/// A distinct word for `n` (letters only, so signatures keep it): `ab`, `ac`, …
fn word(mut n: usize) -> String {
    let mut word = String::from("x");
    loop {
        word.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            return word;
        }
    }
}

/// The message of failure number `i`: 5,000 distinct assertions and key errors, 404s on 1,000
/// different paths (a root cause each), and one WebSocket crash.
fn message(i: usize) -> String {
    match i % 4 {
        0 => format!(
            "AssertionError: expected {} to equal {}",
            word(i),
            word(i + 7)
        ),
        1 => format!(
            "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.example.com/api/{}",
            word(i % 4_000)
        ),
        2 => format!("KeyError: '{}'", word(i)),
        _ => "ConnectionClosedError: received 1011 (internal error)".to_owned(),
    }
}

/// pytest-style JUnit: `TESTS` cases in 40 classes, failures at every `step`-th case from
/// `offset`, with a short traceback each.
fn junit(offset: usize) -> String {
    let step = TESTS / FAILURES;
    let mut xml = String::with_capacity(TESTS * 120);
    xml.push_str("<testsuites><testsuite name=\"pytest\">\n");
    for t in 0..TESTS {
        let class = format!("tests.test_module_{}", t % 40);
        let _ = write!(
            xml,
            "<testcase classname=\"{class}\" name=\"test_case_{t}\" time=\"0.012\""
        );
        if t % step == offset {
            let m = message(t / step);
            let _ = writeln!(
                xml,
                "><failure message=\"{m}\">Traceback (most recent call last):\n  File \"tests/test_module.py\", line 12, in test_case_{t}\n    check()\n{m}</failure></testcase>"
            );
        } else {
            xml.push_str("/>\n");
        }
    }
    xml.push_str("</testsuite></testsuites>\n");
    xml
}

#[test]
fn a_200_000_test_iteration_with_10_000_failures_fits_in_2_000_lines() {
    let root = Root::new();
    root.write("ci/first.xml", &junit(0));
    // The second run: a shifted set of failures, so thousands are new, fixed and still failing.
    root.write("ci/second.xml", &junit(1));
    for file in ["ci/first.xml", "ci/second.xml"] {
        let output = root.greenloop(&["import", "big", file]);
        assert_eq!(code(&output), 1, "{}", text(&output));
        let md = root.latest_md("big");
        let lines = md.lines().count();
        eprintln!("{file}: {lines} lines, {} bytes of Markdown", md.len());
        assert!(lines <= BUDGET, "{lines} lines:\n{md}");
        assert!(md.contains("more root causes in the JSON twin"), "{md}");
        assert!(md.contains("more distinct failures"), "{md}");
    }
    let json = root.latest_json("big");
    assert_eq!(json["totals"]["failed"], FAILURES);
    let causes = json["root_causes"].as_array().unwrap().len();
    assert!(causes > 5_000, "{causes} root causes");
    let diff = &json["diff"];
    for list in ["new_failures", "fixed"] {
        assert!(diff[list].as_array().unwrap().len() > 5_000, "{list}");
    }
    let md = root.latest_md("big");
    assert!(md.contains("- **New failures ("), "{md}");
    assert!(md.contains("- **Fixed ("), "{md}");
}
