//! Which attributes identify a test, per producer (the identity table in JUNIT.md).
//!
//! The key must stay stable across iterations so diffs line up, so it avoids whatever a
//! producer fills with unstable text (jest's first describe title, node's constant `test`).
//! Producers are recognised from the attributes they write, not from a declared name, because
//! suite and run names are user-configurable.

use crate::model::collapse_whitespace;

/// The attributes of a `<testcase>` that identity looks at.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CaseAttrs<'a> {
    /// `classname`.
    pub classname: Option<&'a str>,
    /// `class` (PHPUnit writes it beside `classname`).
    pub class: Option<&'a str>,
    /// `file`.
    pub file: Option<&'a str>,
    /// Whether a `line` attribute is present (pytest, PHPUnit and Testmo-style files write it
    /// with `file`; jest-junit's `file` comes alone).
    pub has_line: bool,
}

/// One open `<testsuite>`, as much of it as identity needs.
#[derive(Debug, Default, Clone)]
pub(crate) struct SuiteFrame {
    /// `name`.
    pub name: String,
    /// `file` (mocha-junit-reporter, PHPUnit).
    pub file: Option<String>,
}

/// node's reporter writes this constant as every case's classname.
const NODE_CLASSNAME: &str = "test";

/// Separator between suite names when a suite path stands in for a classname.
const SUITE_PATH_SEPARATOR: &str = " > ";

/// The `name` jest-junit gives its `<testsuites>` root unless configured otherwise.
pub(crate) const JEST_ROOT_NAME: &str = "jest tests";

/// The identity classname of a case inside `suites` (outermost first), whitespace-collapsed.
///
/// `jest` says the root looked like jest-junit's; its suites are then part of the key, since
/// jest-junit's classname is only the describe title and equal titles in two files are two
/// tests.
pub(crate) fn identity_classname(
    case: &CaseAttrs<'_>,
    suites: &[SuiteFrame],
    jest: bool,
) -> String {
    let classname = non_empty(case.classname);
    let file = non_empty(case.file);

    // node `--test-reporter=junit`: the classname says nothing; the describe path does.
    if classname == Some(NODE_CLASSNAME) && file.is_none() && !suites.is_empty() {
        let path: Vec<String> = suites
            .iter()
            .map(|s| collapse(&s.name))
            .filter(|s| !s.is_empty())
            .collect();
        if !path.is_empty() {
            return path.join(SUITE_PATH_SEPARATOR);
        }
    }
    // jest-junit with `addFileAttribute`: the file is stable where suite titles are not.
    if let Some(file) = file
        && !case.has_line
    {
        return collapse(file);
    }
    // mocha-junit-reporter: `classname` is the short title, the suite carries the file.
    if file.is_none()
        && let Some(suite_file) = suites.last().and_then(|s| non_empty(s.file.as_deref()))
    {
        return collapse(suite_file);
    }
    let suite = suites
        .last()
        .map(|s| collapse(&s.name))
        .filter(|s| !s.is_empty());
    if jest && let Some(suite) = &suite {
        return match classname {
            Some(classname) => format!("{suite}{SUITE_PATH_SEPARATOR}{}", collapse(classname)),
            None => suite.clone(),
        };
    }
    // pytest, nextest, Surefire/Ant/Gradle, go, PHPUnit: classname, else PHPUnit's class or
    // file. With none of them (a pytest collection error, a jest test outside any describe),
    // the suite is all that tells two same-named tests apart; merging them instead could turn
    // one test's failure and another's pass into a "flaky" green.
    match classname.or(non_empty(case.class)).or(file) {
        Some(text) => collapse(text),
        None => suite.unwrap_or_default(),
    }
}

/// [`collapse_whitespace`] without its two allocations for the usual already-clean text.
pub(crate) fn collapse(text: &str) -> String {
    let bytes = text.as_bytes();
    let clean = !bytes.first().is_some_and(u8::is_ascii_whitespace)
        && !bytes.last().is_some_and(u8::is_ascii_whitespace)
        && !bytes.windows(2).any(|w| w[0] == b' ' && w[1] == b' ')
        && !bytes.iter().any(|&b| b.is_ascii_whitespace() && b != b' ')
        && text.is_ascii();
    if clean {
        text.to_owned()
    } else {
        collapse_whitespace(text)
    }
}

/// `value` unless it is absent or blank.
fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::{CaseAttrs, SuiteFrame, identity_classname};

    fn suite(name: &str, file: Option<&str>) -> SuiteFrame {
        SuiteFrame {
            name: name.to_owned(),
            file: file.map(str::to_owned),
        }
    }

    #[test]
    fn picks_the_stable_attribute_per_producer() {
        let pytest_suite = [suite("pytest", None)];
        let node_suites = [suite("math", None), suite("adds  numbers", None)];
        let mocha_suite = [suite("Array #indexOf()", Some("test/array.spec.js"))];
        let phpunit_suites = [suite("Project", None), suite("SampleSuite", Some("src/"))];
        let table: Vec<(&str, CaseAttrs<'_>, &[SuiteFrame], &str)> = vec![
            (
                "pytest ignores file/line",
                CaseAttrs {
                    classname: Some("tests.e2e.test_ws"),
                    file: Some("tests/e2e/test_ws.py"),
                    has_line: true,
                    ..Default::default()
                },
                &pytest_suite,
                "tests.e2e.test_ws",
            ),
            (
                "pytest collection error: empty classname falls back to the suite",
                CaseAttrs {
                    classname: Some(""),
                    ..Default::default()
                },
                &pytest_suite,
                "pytest",
            ),
            (
                "surefire FQCN, whitespace collapsed",
                CaseAttrs {
                    classname: Some("  org.acme.FooTest \n"),
                    ..Default::default()
                },
                &[],
                "org.acme.FooTest",
            ),
            (
                "jest-junit prefers file",
                CaseAttrs {
                    classname: Some("Widget renders"),
                    file: Some("src/widget.test.js"),
                    ..Default::default()
                },
                &[],
                "src/widget.test.js",
            ),
            (
                "mocha-junit-reporter uses the suite file",
                CaseAttrs {
                    classname: Some("should return -1"),
                    ..Default::default()
                },
                &mocha_suite,
                "test/array.spec.js",
            ),
            (
                "node uses the suite path",
                CaseAttrs {
                    classname: Some("test"),
                    ..Default::default()
                },
                &node_suites,
                "math > adds numbers",
            ),
            (
                "node case straight under <testsuites> keeps `test`",
                CaseAttrs {
                    classname: Some("test"),
                    ..Default::default()
                },
                &[],
                "test",
            ),
            (
                "go package",
                CaseAttrs {
                    classname: Some("github.com/acme/svc/api"),
                    ..Default::default()
                },
                &[],
                "github.com/acme/svc/api",
            ),
            (
                "phpunit classname with file and line",
                CaseAttrs {
                    classname: Some("SampleSuite"),
                    class: Some("SampleSuite"),
                    file: Some("/src/Fake.php"),
                    has_line: true,
                },
                &phpunit_suites,
                "SampleSuite",
            ),
            (
                "phpunit class only",
                CaseAttrs {
                    class: Some("Acme\\FooTest"),
                    ..Default::default()
                },
                &[],
                "Acme\\FooTest",
            ),
            (
                "phpunit file only",
                CaseAttrs {
                    file: Some("tests/FooTest.php"),
                    has_line: true,
                    ..Default::default()
                },
                &[],
                "tests/FooTest.php",
            ),
            ("nothing at all", CaseAttrs::default(), &[], ""),
        ];
        for (what, case, suites, expected) in table {
            assert_eq!(identity_classname(&case, suites, false), expected, "{what}");
        }
    }

    #[test]
    fn fast_collapse_matches_the_model() {
        for text in [
            "a b", " a", "a ", "a  b", "a\tb", "a\nb", "", "é  x", "a\u{a0}b", "x",
        ] {
            assert_eq!(
                super::collapse(text),
                crate::model::collapse_whitespace(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn jest_without_file_keys_on_the_suite() {
        let jest_suite = [suite("src/__tests__/math.test.ts", None)];
        let in_describe = CaseAttrs {
            classname: Some("add  works"),
            ..Default::default()
        };
        assert_eq!(
            identity_classname(&in_describe, &jest_suite, true),
            "src/__tests__/math.test.ts > add works"
        );
        let top_level = CaseAttrs {
            classname: Some(""),
            ..Default::default()
        };
        assert_eq!(
            identity_classname(&top_level, &jest_suite, true),
            "src/__tests__/math.test.ts"
        );
        let with_file = CaseAttrs {
            classname: Some("add works"),
            file: Some("/repo/src/__tests__/math.test.ts"),
            ..Default::default()
        };
        assert_eq!(
            identity_classname(&with_file, &jest_suite, true),
            "/repo/src/__tests__/math.test.ts"
        );
    }
}
