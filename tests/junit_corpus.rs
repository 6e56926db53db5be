//! Regression tests over a corpus of real JUnit files from many producers.
//!
//! Every `.xml` under `tests/fixtures/junit/` has an exact expectation below: the distinct-test
//! counts greenloop must report, or the error it must give. Where the upstream project recorded
//! its own counts (`X.results.json`), they are compared too, and every place greenloop counts
//! differently says why.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use greenloop::junit::{JunitError, read_file};

/// Distinct tests by status, as greenloop reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    total: u64,
    passed: u64,
    failed: u64,
    errors: u64,
    skipped: u64,
    flaky: u64,
}

const fn counts(total: u64, passed: u64, failed: u64, errors: u64, skipped: u64) -> Counts {
    Counts {
        total,
        passed,
        failed,
        errors,
        skipped,
        flaky: 0,
    }
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The file reads with exactly these counts.
    Counts(Counts),
    /// The file is rejected as not JUnit, naming this root element.
    NotJunit(&'static str),
    /// The file is rejected as cut short.
    Truncated,
}

/// How greenloop's counts relate to the upstream `.results.json`, when there is one.
#[derive(Debug, Clone, Copy)]
enum Upstream {
    /// No `.results.json` beside the file.
    None,
    /// Same counts (or both rejected the file).
    Agrees,
    /// greenloop counts differently, for the reason given.
    Differs(&'static str),
}

struct Fixture {
    path: &'static str,
    expect: Expect,
    upstream: Upstream,
}

const fn fixture(path: &'static str, expect: Expect, upstream: Upstream) -> Fixture {
    Fixture {
        path,
        expect,
        upstream,
    }
}

use Expect::{NotJunit, Truncated};
use Upstream::{Agrees, Differs};

const DORNY: &str = "dorny-test-reporter";
const EMU: &str = "publish-unit-test-result-action";

#[rustfmt::skip]
const FIXTURES: &[Fixture] = &[
    // dorny/test-reporter: no recorded counts; the numbers were checked by reading each file.
    fixture("dorny-test-reporter/dotnet-nunit.xml", NotJunit("test-run"), Upstream::None),
    fixture("dorny-test-reporter/empty/java-junit.xml", Expect::Counts(counts(0, 0, 0, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/empty/jest-junit-empty-testsuite.xml", Expect::Counts(counts(0, 0, 0, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/empty/jest-junit.xml", Expect::Counts(counts(0, 0, 0, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/empty/phpunit-empty.xml", Expect::Counts(counts(0, 0, 0, 0, 0)), Upstream::None),
    // TestNG's retry analyzer wrote the same test twice (skipped, then failed): one failed test.
    fixture("dorny-test-reporter/external/java/TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml", Expect::Counts(counts(1, 0, 1, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/external/java/empty_failures.xml", Expect::Counts(counts(3, 2, 1, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/external/java/junit4-basic.xml", Expect::Counts(counts(6, 5, 1, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/external/java/junit4-complete.xml", Expect::Counts(counts(8, 5, 1, 1, 1)), Upstream::None),
    // 808 <testcase> elements; TestNG retries and data-provider runs repeat 39 keys.
    fixture("dorny-test-reporter/external/java/pulsar-test-report.xml", Expect::Counts(counts(670, 666, 1, 0, 3)), Upstream::None),
    fixture("dorny-test-reporter/external/jest/jest-react-component-test-results.xml", Expect::Counts(counts(1, 1, 0, 0, 0)), Upstream::None),
    // 4239 elements. Keys include the suite (jest-junit root), so equal titles in different
    // files stay apart: both declared failures are visible. 97 keys repeat within one file.
    fixture("dorny-test-reporter/external/jest/jest-test-results.xml", Expect::Counts(counts(4142, 4110, 2, 0, 30)), Upstream::None),
    fixture("dorny-test-reporter/external/nunit-sample.xml", NotJunit("test-run"), Upstream::None),
    fixture("dorny-test-reporter/external/phpunit/junit-basic.xml", Expect::Counts(counts(9, 8, 1, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/external/phpunit/phpcheckstyle-phpunit.xml", Expect::Counts(counts(30, 28, 2, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/jest-junit-eslint.xml", Expect::Counts(counts(1, 1, 0, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/jest-junit.xml", Expect::Counts(counts(6, 1, 4, 0, 1)), Upstream::None),
    fixture("dorny-test-reporter/junit-with-message.xml", Expect::Counts(counts(1, 0, 1, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/nette-tester/BootstrapFormRenderer-report.xml", Expect::Counts(counts(4, 4, 0, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/nette-tester/tester-v1.7-report.xml", Expect::Counts(counts(65, 61, 1, 0, 3)), Upstream::None),
    fixture("dorny-test-reporter/phpunit/phpunit-paths.xml", Expect::Counts(counts(6, 0, 6, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/phpunit/phpunit.xml", Expect::Counts(counts(12, 10, 2, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/python-xunit-pytest.xml", Expect::Counts(counts(10, 6, 2, 0, 2)), Upstream::None),
    fixture("dorny-test-reporter/python-xunit-unittest.xml", Expect::Counts(counts(8, 4, 1, 1, 2)), Upstream::None),
    // The file itself has no <skipped> for test_always_skip: it passed as far as JUnit says.
    fixture("dorny-test-reporter/swift-xunit.xml", Expect::Counts(counts(3, 2, 1, 0, 0)), Upstream::None),
    fixture("dorny-test-reporter/test-errors/jest/jest-test-results.xml", Expect::Counts(counts(2, 0, 0, 2, 0)), Upstream::None),
    // EnricoMi/publish-unit-test-result-action, compared with its .results.json.
    fixture("publish-unit-test-result-action/bazel/suite-logs.xml", Expect::Counts(counts(1, 0, 0, 1, 0)), Agrees),
    fixture("publish-unit-test-result-action/empty-system-out-err.xml", Expect::Counts(counts(1, 1, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/jest/jest-junit.xml", Expect::Counts(counts(2, 2, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/junit.multiresult.xml", Expect::Counts(counts(4, 1, 1, 1, 1)), Agrees),
    fixture("publish-unit-test-result-action/minimal-attributes.xml", Expect::Counts(counts(4, 1, 1, 1, 1)), Agrees),
    fixture("publish-unit-test-result-action/mocha/latex-utensils.xml", Expect::Counts(counts(100, 100, 0, 0, 0)), Differs(
        "JUNIT.md collapses whitespace in keys, so `test latexParser.stringify a b` and \
         `... a  b` (two spaces) are one key; upstream keeps them apart (101). Both passed.",
    )),
    // Four nameless cases have no identity; greenloop keeps each apart rather than merging them.
    fixture("publish-unit-test-result-action/no-attributes.xml", Expect::Counts(counts(4, 1, 1, 1, 1)), Agrees),
    fixture("publish-unit-test-result-action/no-cases-but-tests.xml", Expect::Counts(counts(0, 0, 0, 0, 0)), Differs(
        "the file declares tests=6 failures=1 skipped=2 but holds no <testcase>; upstream \
         reports the declared counts, greenloop never trusts them and reports a finding instead",
    )),
    fixture("publish-unit-test-result-action/no-cases.xml", Expect::Counts(counts(0, 0, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/non-junit.xml", NotJunit("suites"), Agrees),
    fixture("publish-unit-test-result-action/pytest/corrupt-xml.xml", Truncated, Upstream::None),
    fixture("publish-unit-test-result-action/pytest/junit.fail.xml", Expect::Counts(counts(5, 3, 1, 0, 1)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.gloo.elastic.spark.tf.xml", Expect::Counts(counts(22, 20, 0, 0, 2)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.gloo.elastic.spark.torch.xml", Expect::Counts(counts(22, 22, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.gloo.elastic.xml", Expect::Counts(counts(14, 10, 0, 0, 4)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.gloo.standalone.xml", Expect::Counts(counts(97, 80, 0, 0, 17)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.gloo.static.xml", Expect::Counts(counts(24, 12, 0, 0, 12)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.mpi.integration.xml", Expect::Counts(counts(3, 3, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.mpi.standalone.xml", Expect::Counts(counts(97, 96, 0, 0, 1)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.mpi.static.xml", Expect::Counts(counts(24, 24, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.spark.integration.1.xml", Expect::Counts(counts(35, 33, 0, 0, 2)), Agrees),
    fixture("publish-unit-test-result-action/pytest/junit.spark.integration.2.xml", Expect::Counts(counts(35, 33, 0, 0, 2)), Agrees),
    fixture("publish-unit-test-result-action/scalatest/TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.xml", Expect::Counts(counts(5, 5, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/testsuite-in-testsuite.xml", Expect::Counts(counts(5, 5, 0, 0, 0)), Agrees),
    fixture("publish-unit-test-result-action/testsuite-root.xml", Expect::Counts(counts(5, 5, 0, 0, 0)), Agrees),
    // tst writes status='disabled' with no <skipped>; greenloop reads that as a skip.
    fixture("publish-unit-test-result-action/tst/disabled.xml", Expect::Counts(counts(31, 6, 19, 1, 5)), Agrees),
    fixture("publish-unit-test-result-action/unsupported-unicode.xml", Expect::Counts(counts(7, 1, 2, 2, 2)), Agrees),
    fixture("publish-unit-test-result-action/with-xml-entities.xml", Expect::Counts(counts(4, 0, 1, 1, 2)), Agrees),
    fixture("publish-unit-test-result-action/xunit/xunit.xml", Expect::Counts(counts(2, 2, 0, 0, 0)), Agrees),
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit")
}

#[test]
fn every_corpus_file_has_an_expectation() {
    let dir = fixtures_dir();
    let on_disk: BTreeSet<String> = glob::glob(&format!("{}/**/*.xml", dir.display()))
        .expect("valid glob")
        .map(|p| {
            let p = p.expect("readable path");
            p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned()
        })
        .collect();
    let expected: BTreeSet<String> = FIXTURES.iter().map(|f| f.path.to_owned()).collect();
    assert_eq!(on_disk, expected, "fixtures on disk and in FIXTURES differ");
    assert_eq!(on_disk.len(), 55);
    assert!(
        on_disk
            .iter()
            .all(|p| p.starts_with(DORNY) || p.starts_with(EMU))
    );
}

#[test]
fn every_corpus_file_reads_as_expected() {
    let mut wrong = Vec::new();
    for fixture in FIXTURES {
        let path = fixtures_dir().join(fixture.path);
        let got = read_file(&path);
        let ok = match (fixture.expect, &got) {
            (Expect::Counts(want), Ok(run)) => {
                let t = run.totals();
                let have = Counts {
                    total: t.total,
                    passed: t.passed,
                    failed: t.failed,
                    errors: t.errors,
                    skipped: t.skipped,
                    flaky: t.flaky,
                };
                have == want
            }
            (Expect::NotJunit(root), Err(err @ JunitError::NotJunit { root: got_root, .. })) => {
                got_root == root && names_file(err, &path)
            }
            (Expect::Truncated, Err(err @ JunitError::Truncated { .. })) => names_file(err, &path),
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{}: expected {:?}, got {}",
                fixture.path,
                fixture.expect,
                describe(&got)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn names_file(err: &JunitError, path: &Path) -> bool {
    err.path() == path && err.to_string().contains(&path.display().to_string())
}

fn describe(got: &Result<greenloop::junit::JunitRun, JunitError>) -> String {
    match got {
        Ok(run) => format!("{:?}", run.totals()),
        Err(err) => format!("error: {err}"),
    }
}

/// The upstream counts: (tests, succeeded, skipped, failed, errors) and whether it rejected
/// the file.
fn upstream(json_path: &Path) -> ([u64; 5], bool) {
    let text = std::fs::read_to_string(json_path).expect("read results.json");
    let value: serde_json::Value = serde_json::from_str(&text).expect("parse results.json");
    let stats = &value["stats"];
    let n = |k: &str| {
        stats[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {}", json_path.display()))
    };
    let rejected = stats["errors"].as_array().is_some_and(|e| !e.is_empty());
    (
        [
            n("tests"),
            n("tests_succ"),
            n("tests_skip"),
            n("tests_fail"),
            n("tests_error"),
        ],
        rejected,
    )
}

#[test]
fn counts_agree_with_upstream_except_where_explained() {
    let mut wrong = Vec::new();
    for fixture in FIXTURES {
        let path = fixtures_dir().join(fixture.path);
        let json = path.with_extension("results.json");
        let has_json = json.exists();
        match (fixture.upstream, has_json) {
            (Upstream::None, false) => continue,
            (Upstream::None, true) => {
                wrong.push(format!(
                    "{}: has a results.json but no comparison",
                    fixture.path
                ));
                continue;
            }
            (_, false) => {
                wrong.push(format!(
                    "{}: comparison listed but no results.json",
                    fixture.path
                ));
                continue;
            }
            _ => {}
        }
        let (theirs, they_rejected) = upstream(&json);
        let ours = match read_file(&path) {
            Ok(run) => {
                let t = run.totals();
                // Upstream has no flaky bucket; a flaky test succeeded in the end.
                Some([t.total, t.passed + t.flaky, t.skipped, t.failed, t.errors])
            }
            Err(_) => None,
        };
        let same = match ours {
            Some(ours) => !they_rejected && ours == theirs,
            None => they_rejected,
        };
        match (fixture.upstream, same) {
            (Agrees, true) | (Differs(_), false) => {}
            (Agrees, false) => wrong.push(format!(
                "{}: greenloop {ours:?}, upstream {theirs:?} (rejected: {they_rejected})",
                fixture.path
            )),
            (Differs(why), true) => wrong.push(format!(
                "{}: listed as differing ({why}) but the counts now agree",
                fixture.path
            )),
            (Upstream::None, _) => unreachable!(),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn declared_counts_that_disagree_become_findings() {
    let path = fixtures_dir().join(EMU).join("no-cases-but-tests.xml");
    let run = read_file(&path).unwrap();
    assert_eq!(run.declared.tests, Some(6));
    assert_eq!(run.declared.failures, Some(1));
    assert_eq!(run.declared.skipped, Some(2));
    let prefix = format!("{}: ", path.display());
    let findings: Vec<&str> = run
        .findings
        .iter()
        .map(|f| f.strip_prefix(&prefix).expect("findings name the file"))
        .collect();
    assert_eq!(
        findings,
        [
            "declares tests=\"6\" but has 0 <testcase> elements; greenloop counts the <testcase> elements",
            "declares failures=\"1\" but has 0 failed testcase(s); greenloop counts the <testcase> elements",
            "declares skipped=\"2\" but has 0 skipped testcase(s); greenloop counts the <testcase> elements",
        ]
    );
}

#[test]
fn corpus_details_survive_reading() {
    // Entities in names and messages, pytest's xfail type, and jest's message-less failures.
    let entities = read_file(&fixtures_dir().join(EMU).join("with-xml-entities.xml")).unwrap();
    let names: Vec<&str> = entities.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Test with \"quotes\" in the test name",
            "Test with 'apostrophe' in the test name",
            "Test with & in the test name",
            "Test with < and > in the test name",
        ]
    );
    assert_eq!(entities.cases[2].outcome.message(), "A message with &");

    let pytest = read_file(&fixtures_dir().join(DORNY).join("python-xunit-pytest.xml")).unwrap();
    let xfail = pytest
        .cases
        .iter()
        .find(|c| c.name == "test_expected_failure")
        .unwrap();
    assert_eq!(
        xfail.outcome,
        greenloop::model::Outcome::Skipped {
            message: "pytest.xfail".into(),
            kind: Some("pytest.xfail".into())
        }
    );

    let jest = read_file(&fixtures_dir().join(DORNY).join("jest-junit.xml")).unwrap();
    let failing = jest
        .cases
        .iter()
        .find(|c| c.name == "Failing test")
        .unwrap();
    assert_eq!(
        failing.classname,
        "__tests__\\main.test.js > Test 1 › Test 1.1"
    );
    assert_eq!(
        failing.outcome.message(),
        "Error: expect(received).toBeTruthy()"
    );
}

#[test]
fn suite_properties_name_the_test_runner() {
    let runners = |path: &str| read_file(&fixtures_dir().join(path)).unwrap().runners;
    // sbt's JUnit reporter, like Surefire, writes the JVM's system properties.
    assert_eq!(
        runners(&format!(
            "{EMU}/scalatest/TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.xml"
        )),
        ["java 1.8.0_265"]
    );
    // xUnit.net's JUnit transform puts its version on the root.
    assert_eq!(
        runners(&format!("{EMU}/xunit/xunit.xml")),
        ["xUnit.net 2.4.1.0"]
    );
    // `version` here is the application's, and pytest's properties are the user's own.
    assert!(runners(&format!("{DORNY}/external/java/junit4-complete.xml")).is_empty());
    assert!(runners(&format!("{DORNY}/python-xunit-pytest.xml")).is_empty());

    // Several files of one run name their runner once.
    let surefire = fixtures_dir().join(format!(
        "{EMU}/scalatest/TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.xml"
    ));
    let (run, errors) = greenloop::junit::read_files(&[surefire.clone(), surefire]);
    assert!(errors.is_empty());
    assert_eq!(run.runners, ["java 1.8.0_265"]);
}
