//! The special cases of JUNIT.md, one test each, through the public API as a caller sees it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use greenloop::junit::{JunitError, JunitRun, read_bytes, read_file, read_files};
use greenloop::model::{Outcome, TestStatus};

fn read(xml: &str) -> JunitRun {
    read_bytes(xml.as_bytes(), Path::new("report.xml")).expect("valid JUnit")
}

fn statuses(run: &JunitRun) -> Vec<(String, String, TestStatus)> {
    run.cases
        .iter()
        .map(|c| (c.classname.clone(), c.name.clone(), c.outcome.status()))
        .collect()
}

fn key(classname: &str, name: &str, status: TestStatus) -> (String, String, TestStatus) {
    (classname.to_owned(), name.to_owned(), status)
}

#[test]
fn pytest_collection_error_counts_as_an_error() {
    let run = read(
        r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="0" skipped="0" tests="2" time="0.1">
  <testcase classname="" name="tests.e2e.test_websocket_events" time="0.000">
    <error message="collection failure">ImportError while importing test module 'tests/e2e/test_websocket_events.py'.
E   ModuleNotFoundError: No module named 'websockets'</error>
  </testcase>
  <testcase classname="tests.test_api" name="test_health" time="0.01"/>
</testsuite></testsuites>"#,
    );
    // The empty classname falls back to the suite name so the key stays distinct.
    assert_eq!(
        statuses(&run),
        [
            key(
                "pytest",
                "tests.e2e.test_websocket_events",
                TestStatus::Error
            ),
            key("tests.test_api", "test_health", TestStatus::Passed),
        ]
    );
    assert_eq!(run.cases[0].outcome.message(), "collection failure");
    assert!(
        run.cases[0]
            .outcome
            .detail()
            .contains("No module named 'websockets'")
    );
    assert_eq!(run.totals().errors, 1);
    assert!(run.findings.is_empty(), "{:?}", run.findings);
}

#[test]
fn jest_suite_that_failed_to_run_is_an_error() {
    let run = read(
        r#"<testsuites name="jest tests" tests="0" failures="0" errors="1">
  <testsuite name="libs/foo.spec.ts" errors="1" failures="0" skipped="0" tests="0">
    <testcase classname="Test suite failed to run" name="libs/foo.spec.ts" time="0">
      <error>  ● Test suite failed to run

    tsconfig.json:13:3 - error TS6258: &apos;typeRoots&apos; should be set inside &apos;compilerOptions&apos;</error>
    </testcase>
  </testsuite>
</testsuites>"#,
    );
    assert_eq!(run.cases.len(), 1);
    let case = &run.cases[0];
    assert_eq!(case.outcome.status(), TestStatus::Error);
    assert_eq!(case.name, "libs/foo.spec.ts");
    // jest-junit leaves `message` out: the first line of the text stands in.
    assert_eq!(case.outcome.message(), "● Test suite failed to run");
    assert!(case.outcome.detail().contains("'typeRoots' should be set"));
    // The producer declared tests="0" for a suite that never ran: that mismatch is reported.
    assert!(
        run.findings
            .iter()
            .any(|f| f.contains("declares tests=\"0\" but has 1 <testcase> elements")),
        "{:?}",
        run.findings
    );
}

#[test]
fn go_build_failure_is_an_error() {
    let run = read(
        r#"<testsuites tests="1" errors="1">
  <testsuite name="github.com/acme/svc/api" tests="1" failures="0" errors="1" time="0.000">
    <testcase name="[build failed]" classname="github.com/acme/svc/api" time="0.000">
      <error message="Build error" type="">api/handler.go:12:2: undefined: foo</error>
    </testcase>
  </testsuite>
  <testsuite name="github.com/acme/svc/store" tests="1" time="0.2">
    <testcase name="TestPut/empty_key" classname="github.com/acme/svc/store" time="0.2"/>
  </testsuite>
</testsuites>"#,
    );
    assert_eq!(
        statuses(&run),
        [
            key(
                "github.com/acme/svc/api",
                "[build failed]",
                TestStatus::Error
            ),
            key(
                "github.com/acme/svc/store",
                "TestPut/empty_key",
                TestStatus::Passed
            ),
        ]
    );
    assert_eq!(
        run.cases[0].outcome,
        Outcome::Error {
            message: "Build error".into(),
            detail: "api/handler.go:12:2: undefined: foo".into()
        }
    );
}

#[test]
fn nested_suites_give_each_case_to_its_innermost_suite() {
    // node --test-reporter=junit: classname is always `test`, the describe path identifies.
    let run = read(
        r#"<testsuites>
  <testsuite name="math">
    <testsuite name="addition">
      <testcase name="adds" time="0.001" classname="test"/>
    </testsuite>
    <testcase name="adds" time="0.001" classname="test"><failure message="boom" type="testCodeFailure">boom</failure></testcase>
  </testsuite>
  <testcase name="top level" time="0.002" classname="test"/>
</testsuites>"#,
    );
    assert_eq!(
        statuses(&run),
        [
            key("math > addition", "adds", TestStatus::Passed),
            key("math", "adds", TestStatus::Failed),
            key("test", "top level", TestStatus::Passed),
        ]
    );
}

#[test]
fn testcase_straight_under_testsuites_is_read() {
    let run = read(
        r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testcase name="works" time="0.1" classname="test"/>
	<testcase name="breaks" time="0.1" classname="test">
		<failure type="testCodeFailure" message="Expected values to be strictly equal">AssertionError</failure>
	</testcase>
	<testcase name="later" time="0" classname="test"><skipped type="skip" message="TODO"/></testcase>
</testsuites>"#,
    );
    let t = run.totals();
    assert_eq!((t.total, t.passed, t.failed, t.skipped), (3, 1, 1, 1));
}

#[test]
fn empty_file_is_a_clear_error() {
    for bytes in [&b""[..], b"  \n\t\n"] {
        let err = read_bytes(bytes, Path::new("out/junit.xml")).unwrap_err();
        assert!(matches!(err, JunitError::Empty { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "failed to read JUnit file out/junit.xml: the file is empty"
        );
    }
}

#[test]
fn declaration_only_file_is_a_clear_error() {
    let err = read_bytes(
        b"<?xml version=\"1.0\"?>\n<!-- nothing -->\n",
        Path::new("j.xml"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to parse JUnit file j.xml at line 3 (byte 39): the document has no root element"
    );
}

#[test]
fn not_junit_names_the_root_element() {
    let err = read_bytes(
        b"<?xml version=\"1.0\"?><test-run total=\"9\"><test-suite/></test-run>",
        Path::new("nunit.xml"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to read JUnit file nunit.xml: not JUnit XML (root element is <test-run>, expected <testsuites> or <testsuite>)"
    );
    let html = read_bytes(
        b"<html><body>502 Bad Gateway</body></html>",
        Path::new("r.xml"),
    );
    assert!(matches!(html, Err(JunitError::NotJunit { root, .. }) if root == "html"));
}

const TRUNCATED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
  <testcase classname="tests.test_a" name="test_one" time="0.1"/>
  <testcase classname="tests.test_a" name="test_two" time="0.1"/>
  <testcase classname="tests.test_a" name="test_three" time="0.1"><failure message="assert"#;

#[test]
fn truncated_file_is_an_error_and_its_passes_are_not_reported() {
    let err = read_bytes(TRUNCATED.as_bytes(), Path::new("killed.xml")).unwrap_err();
    let JunitError::Truncated { line, inside, .. } = &err else {
        panic!("expected a truncation error, got {err:?}");
    };
    assert_eq!(*line, 5);
    assert_eq!(inside, "testcase");
    assert_eq!(
        err.to_string(),
        format!(
            "failed to read JUnit file killed.xml: truncated at line 5 (byte {}), inside <testcase>; none of its results were used",
            TRUNCATED.len()
        )
    );
}

#[test]
fn truncated_between_elements_is_still_an_error() {
    let cut = "<testsuites><testsuite name=\"s\"><testcase classname=\"c\" name=\"n\"/>\n";
    let err = read_bytes(cut.as_bytes(), Path::new("cut.xml")).unwrap_err();
    assert!(
        matches!(&err, JunitError::Truncated { inside, .. } if inside == "testsuite"),
        "{err:?}"
    );
    let in_output = "<testsuite><testcase name=\"n\"><system-out>log line\nlog";
    let err = read_bytes(in_output.as_bytes(), Path::new("cut.xml")).unwrap_err();
    assert!(matches!(&err, JunitError::Truncated { .. }), "{err:?}");
}

#[test]
fn malformed_xml_names_line_and_offset() {
    let xml =
        "<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\"></testsuite>\n</testsuites>";
    let err = read_bytes(xml.as_bytes(), Path::new("bad.xml")).unwrap_err();
    let JunitError::Malformed { line, reason, .. } = &err else {
        panic!("expected malformed, got {err:?}");
    };
    assert_eq!(*line, 3);
    assert!(reason.contains("testcase"), "{reason}");
    assert!(
        err.to_string()
            .starts_with("failed to parse JUnit file bad.xml at line 3")
    );
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_results_are_kept() {
    let mut bytes = br#"<testsuite name="s"><testcase classname="c" name="caf"#.to_vec();
    bytes.push(0xE9); // Latin-1 'é'
    bytes.extend_from_slice(br#"" time="1"><failure message="bad">out: "#);
    bytes.push(0xFF);
    bytes.extend_from_slice(
        b"</failure></testcase><testcase classname=\"c\" name=\"ok\"/></testsuite>",
    );
    let run = read_bytes(&bytes, Path::new("latin1.xml")).expect("kept despite bad bytes");
    assert_eq!(
        statuses(&run),
        [
            key("c", "caf\u{FFFD}", TestStatus::Failed),
            key("c", "ok", TestStatus::Passed),
        ]
    );
    assert_eq!(
        run.findings,
        [
            "latin1.xml: is not valid UTF-8 (first bad byte at offset 53); decoded lossily, the bad bytes read as U+FFFD and every result was kept"
        ]
    );
}

#[test]
fn time_strings_are_read_leniently() {
    let run = read(
        r#"<testsuites><testsuite name="s">
  <testcase classname="c" name="thousands" time="2,120.532"/>
  <testcase classname="c" name="exponent" time="1e-05"/>
  <testcase classname="c" name="millis" time="12ms"/>
  <testcase classname="c" name="decimal comma" time="0,75"/>
  <testcase classname="c" name="missing"/>
  <testcase classname="c" name="negative" time="-11770557.774"/>
  <testcase classname="c" name="nan" time="NaN"/>
  <testcase classname="c" name="words" time="fast"/>
</testsuite></testsuites>"#,
    );
    let durations: Vec<(&str, Option<f64>)> = run
        .cases
        .iter()
        .map(|c| (c.name.as_str(), c.duration_s))
        .collect();
    assert_eq!(
        durations,
        [
            ("thousands", Some(2120.532)),
            ("exponent", Some(1e-05)),
            ("millis", Some(0.012)),
            ("decimal comma", Some(0.75)),
            ("missing", None),
            ("negative", None),
            ("nan", None),
            ("words", None),
        ]
    );
    assert_eq!(
        run.findings,
        [
            "report.xml: 1 testcase has a negative time, duration dropped (c::negative time=\"-11770557.774\")",
            "report.xml: 1 testcase has a NaN or infinite time, duration dropped (c::nan time=\"NaN\")",
            "report.xml: 1 testcase has an unreadable time, duration unknown (c::words time=\"fast\")",
        ]
    );
    // A bad time changes nothing about the outcome.
    assert_eq!(run.totals().passed, 8);
}

#[test]
fn a_case_longer_than_its_run_is_a_finding() {
    let run = read(
        r#"<testsuite name="s" time="2.481"><testcase classname="c" name="t" time="6.435"/></testsuite>"#,
    );
    assert_eq!(run.cases[0].duration_s, Some(6.435));
    assert_eq!(
        run.findings,
        [
            "report.xml: 1 testcase has a time longer than the whole run (c::t took 6.435s in a run of 2.481s)"
        ]
    );
}

#[test]
fn entities_and_character_references_are_decoded() {
    let run = read(
        r#"<testsuites><testsuite name="s">
  <testcase classname="a&amp;b" name="test &lt;tag&gt; &quot;q&quot; &#233;&#x263A;">
    <failure message="x &amp;&amp; y&#10;second line">line &amp; one&#10;<![CDATA[raw <cdata> &amp;]]></failure>
  </testcase>
</testsuite></testsuites>"#,
    );
    let case = &run.cases[0];
    assert_eq!(case.classname, "a&b");
    assert_eq!(case.name, "test <tag> \"q\" é☺");
    assert_eq!(case.outcome.message(), "x && y\nsecond line");
    assert_eq!(case.outcome.detail(), "line & one\nraw <cdata> &amp;");
}

#[test]
fn billion_laughs_is_inert() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuite name="s"><testcase classname="c" name="n &lol9;"><failure message="&lol9;">&lol9;&lol9;</failure></testcase></testsuite>"#;
    let start = Instant::now();
    let run = read(xml);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );
    let case = &run.cases[0];
    assert_eq!(case.name, "n &lol9;");
    assert_eq!(case.outcome.message(), "&lol9;");
    assert_eq!(case.outcome.detail(), "&lol9;&lol9;");
    assert_eq!(
        run.findings,
        [
            "report.xml: 4 texts have an unknown entity reference, left unexpanded (no DTD is read) (first: n &lol9;)"
        ]
    );
}

#[test]
fn xxe_is_not_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-VALUE").unwrap();
    let xml = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE testsuite [ <!ENTITY xxe SYSTEM "file://{}"> <!ENTITY remote SYSTEM "http://127.0.0.1:9/x"> ]>
<testsuite name="s"><testcase classname="c" name="n"><failure message="&xxe;">&xxe;&remote;</failure></testcase></testsuite>"#,
        secret.display()
    );
    let run = read(&xml);
    let everything = format!("{run:?}");
    assert!(!everything.contains("TOP-SECRET-VALUE"));
    assert_eq!(run.cases[0].outcome.message(), "&xxe;");
    assert_eq!(run.cases[0].outcome.detail(), "&xxe;&remote;");
}

#[test]
fn properties_and_captured_output_are_not_kept() {
    let run = read(
        r#"<testsuite name="org.acme.FooTest" tests="1">
  <properties>
    <property name="db.password" value="hunter2-SECRET"/>
    <property name="config">AWS_SECRET_ACCESS_KEY=abc-SECRET</property>
  </properties>
  <testcase classname="org.acme.FooTest" name="works" time="0.1">
    <properties><property name="token" value="case-SECRET"/></properties>
    <system-out>stdout-SECRET line</system-out>
    <system-err><![CDATA[stderr-SECRET]]></system-err>
  </testcase>
  <system-out>suite-out-SECRET</system-out>
</testsuite>"#,
    );
    assert_eq!(run.cases.len(), 1);
    assert_eq!(run.cases[0].outcome, Outcome::Passed);
    let everything = format!("{run:?}");
    assert!(!everything.contains("SECRET"), "{everything}");
}

#[test]
fn output_inside_a_failure_is_not_part_of_the_detail() {
    let run = read(
        r#"<testsuite name="s"><testcase classname="c" name="n">
  <rerunFailure message="again" type="AssertionError"><stackTrace>at Foo.bar</stackTrace><system-out>noise</system-out></rerunFailure>
  <failure message="first" type="AssertionError">at Foo.bar(Foo.java:3)</failure>
</testcase></testsuite>"#,
    );
    assert_eq!(
        run.cases[0].outcome,
        Outcome::Failed {
            message: "first".into(),
            detail: "at Foo.bar(Foo.java:3)".into()
        }
    );
    // A failing case whose reruns failed too stays failed; each rerun is an attempt.
    assert_eq!(run.cases[0].attempts, 2);
}

#[test]
fn surefire_flaky_failures_make_a_passing_case_flaky() {
    let run = read(
        r#"<testsuite name="org.acme.FooTest">
  <testcase classname="org.acme.FooTest" name="sometimes" time="0.3">
    <flakyFailure message="timeout 1" type="java.lang.AssertionError"><stackTrace>at x</stackTrace></flakyFailure>
    <flakyError message="connection reset" type="java.io.IOException"/>
  </testcase>
</testsuite>"#,
    );
    assert_eq!(
        run.cases[0].outcome,
        Outcome::Flaky {
            failures: 2,
            message: "timeout 1".into()
        }
    );
    assert_eq!(run.cases[0].attempts, 3);
    assert_eq!(run.totals().flaky, 1);
    assert_eq!(run.totals().failures(), 0);
}

#[test]
fn pytest_double_entry_is_one_test_with_the_worst_status() {
    let run = read(
        r#"<testsuites><testsuite name="pytest" tests="2" failures="1" errors="1">
  <testcase classname="tests.test_db" name="test_insert" time="0.5"><failure message="assert 1 == 2">E assert 1 == 2</failure></testcase>
  <testcase classname="tests.test_db" name="test_insert" time="0.1"><error message="failed on teardown with &quot;ConnectionError&quot;">E ConnectionError</error></testcase>
</testsuite></testsuites>"#,
    );
    assert_eq!(run.cases.len(), 1);
    let case = &run.cases[0];
    assert_eq!(case.outcome.status(), TestStatus::Error);
    assert_eq!(
        case.outcome.message(),
        "failed on teardown with \"ConnectionError\""
    );
    assert_eq!(case.attempts, 2);
    assert_eq!(case.duration_s, Some(0.6));
    // The declared counts describe elements, and they match: no finding.
    assert!(run.findings.is_empty(), "{:?}", run.findings);
}

#[test]
fn ansi_colours_are_stripped_and_several_failures_joined() {
    let run = read(
        "<testsuite name=\"s\"><testcase classname=\"c\" name=\"n\">\
         <failure>&#27;[31mexpected 1&#27;[39m\nat a</failure>\
         <failure message=\"&#27;[1msecond&#27;[22m\">at b</failure>\
         </testcase></testsuite>",
    );
    assert_eq!(
        run.cases[0].outcome,
        Outcome::Failed {
            message: "expected 1; second".into(),
            detail: "expected 1\nat a\n\nat b".into()
        }
    );
}

#[test]
fn long_details_are_cut_and_say_so() {
    let trace = "    at com.acme.Deep.call(Deep.java:42)\n".repeat(2000);
    let run = read(&format!(
        "<testsuite name=\"s\"><testcase classname=\"c\" name=\"n\"><error type=\"StackOverflowError\">{trace}</error></testcase></testsuite>"
    ));
    let detail = run.cases[0].outcome.detail();
    assert!(detail.len() < 8 * 1024 + 64, "{}", detail.len());
    assert!(detail.ends_with("[… detail cut at 8 KiB]"));
    assert_eq!(
        run.cases[0].outcome.message(),
        "at com.acme.Deep.call(Deep.java:42)"
    );
}

fn write(dir: &Path, name: &str, xml: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, xml).unwrap();
    path
}

#[test]
fn several_files_merge_by_key_and_a_broken_file_only_costs_itself() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        dir.path(),
        "TEST-org.acme.FooTest.xml",
        r#"<testsuite name="org.acme.FooTest" tests="2" failures="1">
  <testcase classname="org.acme.FooTest" name="flaky" time="1"><failure message="first try">x</failure></testcase>
  <testcase classname="org.acme.FooTest" name="solid" time="1"/>
</testsuite>"#,
    );
    let rerun = write(
        dir.path(),
        "TEST-org.acme.FooTest-rerun.xml",
        r#"<testsuite name="org.acme.FooTest" tests="1">
  <testcase classname="org.acme.FooTest" name="flaky" time="2"><failure message="second try">x</failure></testcase>
</testsuite>"#,
    );
    let third = write(
        dir.path(),
        "TEST-org.acme.FooTest-rerun2.xml",
        r#"<testsuite name="org.acme.FooTest" tests="1"><testcase classname="org.acme.FooTest" name="flaky" time="3"/></testsuite>"#,
    );
    let broken = write(dir.path(), "TEST-org.acme.BarTest.xml", TRUNCATED);
    let empty = write(dir.path(), "TEST-empty.xml", "");
    let missing = dir.path().join("TEST-missing.xml");

    let (run, errors) = read_files(&[
        first,
        rerun,
        broken.clone(),
        third,
        empty.clone(),
        missing.clone(),
    ]);
    assert_eq!(
        statuses(&run),
        [
            key("org.acme.FooTest", "flaky", TestStatus::Flaky),
            key("org.acme.FooTest", "solid", TestStatus::Passed),
        ]
    );
    assert_eq!(
        run.cases[0].outcome,
        Outcome::Flaky {
            failures: 2,
            message: "first try".into()
        }
    );
    assert_eq!(run.cases[0].attempts, 3);
    assert_eq!(run.cases[0].duration_s, Some(6.0));
    assert_eq!(run.declared.tests, Some(4));

    let failed: Vec<(&Path, String)> = errors.iter().map(|e| (e.path(), e.to_string())).collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(matches!(errors[0], JunitError::Truncated { .. }));
    assert_eq!(failed[0].0, broken);
    assert!(matches!(errors[1], JunitError::Empty { .. }));
    assert_eq!(failed[1].0, empty);
    assert!(matches!(errors[2], JunitError::Io { .. }));
    assert_eq!(
        failed[2].1,
        format!("failed to read JUnit file {}", missing.display())
    );
}

#[test]
fn read_file_reports_io_errors_with_the_path() {
    let err = read_file(Path::new("/nonexistent/greenloop/junit.xml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to read JUnit file /nonexistent/greenloop/junit.xml"
    );
    let source = std::error::Error::source(&err).expect("the I/O cause is kept");
    assert!(source.to_string().contains("No such file"), "{source}");
}

#[test]
fn disabled_status_is_a_skip_not_a_pass() {
    let run = read(
        r#"<testsuites><testsuite name="factorial" tests="2" disabled="1">
  <testcase name="disabled_test" status="disabled" time="0"/>
  <testcase name="ran" status="run" time="0"/>
</testsuite></testsuites>"#,
    );
    assert_eq!(
        run.cases[0].outcome,
        Outcome::Skipped {
            message: String::new(),
            kind: Some("disabled".into())
        }
    );
    assert_eq!(run.cases[1].outcome, Outcome::Passed);
}

#[test]
fn go_test_reports_name_the_go_version_once_and_case_properties_are_ignored() {
    // As gotestsum writes it: every package's suite carries the same `go.version`.
    let run = read(concat!(
        r#"<testsuites tests="2" failures="0" errors="0" time="0.01">"#,
        r#"<testsuite tests="1" failures="0" time="0.00" name="example.com/api" timestamp="2026-12-02T15:09:18Z">"#,
        r#"<properties><property name="go.version" value="go1.22.1 linux/amd64"></property></properties>"#,
        r#"<testcase classname="example.com/api" name="TestHealth" time="0.00"></testcase>"#,
        r#"</testsuite>"#,
        r#"<testsuite tests="1" failures="0" time="0.01" name="example.com/ws" timestamp="2026-12-02T15:09:18Z">"#,
        r#"<properties><property name="go.version" value="go1.22.1 linux/amd64"></property></properties>"#,
        r#"<testcase classname="example.com/ws" name="TestEvents" time="0.01">"#,
        r#"<properties><property name="java.version" value="17.0.9"/></properties>"#,
        r#"</testcase>"#,
        r#"</testsuite></testsuites>"#,
    ));
    assert_eq!(run.cases.len(), 2);
    assert_eq!(run.runners, ["go1.22.1 linux/amd64"]);
}

/// Passing first and failing later is a failure, wherever the second entry is: the same file,
/// another `<testsuite>`, another file. Only a pass after a failure is flaky.
#[test]
fn a_test_that_passed_then_failed_fails_in_one_file_two_suites_or_two_files() {
    let one_file = read(
        r#"<testsuite name="s"><testcase classname="c" name="t"/><testcase classname="c" name="t"><failure message="later"/></testcase></testsuite>"#,
    );
    let two_suites = read(
        r#"<testsuites><testsuite name="a"><testcase classname="c" name="t"/></testsuite><testsuite name="b"><testcase classname="c" name="t"><failure message="later"/></testcase></testsuite></testsuites>"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.xml");
    let second = dir.path().join("b.xml");
    std::fs::write(
        &first,
        r#"<testsuite name="a"><testcase classname="c" name="t"/></testsuite>"#,
    )
    .unwrap();
    std::fs::write(&second, r#"<testsuite name="b"><testcase classname="c" name="t"><failure message="later"/></testcase></testsuite>"#).unwrap();
    let (two_files, errors) = read_files(&[first.clone(), second.clone()]);
    assert!(errors.is_empty());
    for run in [&one_file, &two_suites, &two_files] {
        assert_eq!(statuses(run), [key("c", "t", TestStatus::Failed)]);
        assert!(
            run.findings.iter().any(|f| f.contains("more than once with no retry markers") && f.contains("`c::t`")),
            "{:?}",
            run.findings
        );
    }
    // The other way round is a retry that passed.
    let (retried, _) = read_files(&[second, first]);
    assert_eq!(statuses(&retried), [key("c", "t", TestStatus::Flaky)]);
}
