//! Streaming parse of one JUnit document into `<testcase>` entries, with a stack of open
//! suites so a case belongs to its innermost suite.
//!
//! The reader keeps only what a report needs: case attributes, result attributes and up to
//! 8 KiB of result text. `<system-out>`, `<system-err>` and `<properties>` (Surefire puts every
//! JVM system property there, secrets included) are skipped without being decoded, except that
//! a suite's properties are searched for the few that name its test runner (`properties`). A file that
//! ends early is an error as a whole: the cases read before the cut are not reported, because
//! the failures may be in the part that was never written.

use std::path::Path;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::model::TestStatus;

use super::decode::decode;
use super::error::JunitError;
use super::findings::Findings;
use super::identity::SuiteFrame;
use super::merge::Merger;
use super::outcome::{CaseResults, ResultElement, ResultKind};
use super::properties;
use super::run::{DeclaredCounts, JunitCase};

/// One file's cases, merged by key but not yet finished into a list.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    /// Every `<testcase>`, fed in document order; finishing it is left to the caller so the
    /// file's bytes can be freed first.
    pub cases: Merger,
    /// The top-level declared counts.
    pub declared: DeclaredCounts,
    /// Findings, each prefixed with the file.
    pub findings: Vec<String>,
    /// The test runners its suite-level properties name, each once.
    pub runners: Vec<String>,
}

/// Parses one document; `origin` only names the file in errors and findings.
pub(crate) fn parse_bytes(bytes: &[u8], origin: &Path) -> Result<ParsedFile, JunitError> {
    let mut findings = Findings::default();
    let Some(text) = decode(bytes, &mut findings) else {
        return Err(JunitError::Empty {
            path: origin.to_owned(),
        });
    };
    let mut parser = Parser::new(origin, findings);
    parser.run(&text)?;
    Ok(parser.finish())
}

/// An open element, so its end tag can be matched to what it started.
#[derive(Debug)]
pub(super) enum Open {
    /// The `<testsuites>` root.
    Testsuites,
    /// A `<testsuite>`, whose frame is on the suite stack.
    Suite,
    /// The current `<testcase>`.
    Case,
    /// A result element, by its name (`failure`, `flakyError`, …).
    Result(String),
    /// Anything else, by its name, kept only to say where a truncated file stopped.
    Other(String),
}

/// A `<testcase>` being read.
#[derive(Debug)]
pub(super) struct OpenCase {
    pub(super) classname: String,
    pub(super) name: String,
    pub(super) duration_s: Option<f64>,
    pub(super) results: CaseResults,
}

/// Counts recomputed from the `<testcase>` elements, to compare with the declared ones.
#[derive(Debug, Default)]
pub(super) struct Recount {
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
}

/// The state of one parse; element handlers live in `elements`.
#[derive(Debug)]
pub(super) struct Parser<'o> {
    pub(super) origin: &'o Path,
    pub(super) findings: Findings,
    pub(super) open: Vec<Open>,
    pub(super) suites: Vec<SuiteFrame>,
    pub(super) case: Option<OpenCase>,
    pub(super) result: Option<ResultElement>,
    pub(super) cases: Merger,
    pub(super) declared: DeclaredCounts,
    /// Sums over the suites directly under a `<testsuites>` root that lacks its own counts.
    pub(super) child_sums: DeclaredCounts,
    pub(super) root_seen: bool,
    /// The root carries jest-junit's default name, so suites are part of case keys.
    pub(super) jest: bool,
    /// The root's `time`, else the current top-level suite's: no case can take longer.
    pub(super) run_time: Option<f64>,
    pub(super) root_time: Option<f64>,
    pub(super) recount: Recount,
    pub(super) runners: Vec<String>,
}

impl<'o> Parser<'o> {
    fn new(origin: &'o Path, findings: Findings) -> Self {
        Self {
            origin,
            findings,
            open: Vec::new(),
            suites: Vec::new(),
            case: None,
            result: None,
            cases: Merger::default(),
            declared: DeclaredCounts::default(),
            child_sums: DeclaredCounts::default(),
            root_seen: false,
            jest: false,
            run_time: None,
            root_time: None,
            recount: Recount::default(),
            runners: Vec::new(),
        }
    }

    fn run(&mut self, text: &str) -> Result<(), JunitError> {
        let mut reader = Reader::from_str(text);
        loop {
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.xml_error(text, reader.error_position(), &e)),
            };
            match event {
                Event::Start(e) => self.start(&e, false, &mut reader, text)?,
                Event::Empty(e) => self.start(&e, true, &mut reader, text)?,
                Event::End(_) => self.end(),
                // Text outside result elements (indentation, mostly) is never decoded.
                Event::Text(t) if self.wants_text() => self.text(&t.xml10_content()),
                Event::CData(c) if self.wants_text() => self.text(&c.xml10_content()),
                Event::GeneralRef(r) => self.general_ref(&r),
                Event::Eof => break,
                _ => {}
            }
        }
        if let Some(open) = self.open.last() {
            return Err(self.truncated(text, text.len() as u64, open_name(open)));
        }
        if !self.root_seen {
            return Err(self.malformed(
                text,
                text.len() as u64,
                "the document has no root element".to_owned(),
            ));
        }
        Ok(())
    }

    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        reader: &mut Reader<&[u8]>,
        text: &str,
    ) -> Result<(), JunitError> {
        let local = e.local_name();
        let name = local.as_ref();
        let attr_error =
            |this: &Self, reason: String| this.malformed(text, reader.buffer_position(), reason);
        if !self.root_seen {
            self.root_seen = true;
            match name {
                "testsuites" => {
                    self.read_root(e).map_err(|r| attr_error(self, r))?;
                    self.open.push(Open::Testsuites);
                }
                "testsuite" => {
                    self.read_root(e).map_err(|r| attr_error(self, r))?;
                    self.open_suite(e).map_err(|r| attr_error(self, r))?;
                }
                _ => {
                    return Err(JunitError::NotJunit {
                        path: self.origin.to_owned(),
                        root: e.name().as_ref().to_owned(),
                    });
                }
            }
        } else if self.open.is_empty() {
            return Err(attr_error(
                self,
                "a second element follows the root element".to_owned(),
            ));
        } else if matches!(name, "system-out" | "system-err" | "properties") {
            // Skipped undecoded: output is large and properties may hold secrets.
            if !empty {
                match reader.read_to_end(e.name()) {
                    Err(err) => return Err(self.xml_error(text, reader.error_position(), &err)),
                    // A suite's (or the root's) properties may name the runner; a case's never do.
                    Ok(span) if name == "properties" && self.case.is_none() => {
                        let inner = usize::try_from(span.start).unwrap_or(text.len())
                            ..usize::try_from(span.end).unwrap_or(text.len());
                        self.suite_properties(&text[inner]);
                    }
                    Ok(_) => {}
                }
            }
            return Ok(());
        } else if self.result.is_some() {
            self.open.push(Open::Other(name.to_owned()));
        } else if let Some(kind) = self.case.as_ref().and(ResultKind::from_name(name)) {
            self.open_result(e, kind).map_err(|r| attr_error(self, r))?;
        } else if self.case.is_none() && name == "testsuite" {
            self.open_suite(e).map_err(|r| attr_error(self, r))?;
        } else if self.case.is_none() && name == "testcase" {
            self.open_case(e).map_err(|r| attr_error(self, r))?;
        } else {
            self.open.push(Open::Other(name.to_owned()));
        }
        if empty {
            self.end();
        }
        Ok(())
    }

    fn end(&mut self) {
        match self.open.pop() {
            Some(Open::Suite) => {
                self.suites.pop();
            }
            Some(Open::Case) => self.close_case(),
            Some(Open::Result(_)) => {
                if let (Some(result), Some(case)) = (self.result.take(), self.case.as_mut()) {
                    case.results.push(result);
                }
            }
            Some(Open::Testsuites | Open::Other(_)) | None => {}
        }
    }

    fn wants_text(&self) -> bool {
        self.result.as_ref().is_some_and(|r| !r.text.is_full())
    }

    fn text(&mut self, piece: &str) {
        if let Some(result) = self.result.as_mut()
            && !result.text.is_full()
        {
            result.text.push(piece);
        }
    }

    fn general_ref(&mut self, reference: &BytesRef<'_>) {
        let mut buf = [0; 4];
        let resolved = if reference.is_char_ref() {
            match reference.resolve_char_ref() {
                Ok(Some(c)) => Some(&*c.encode_utf8(&mut buf)),
                _ => None,
            }
        } else {
            quick_xml::escape::resolve_predefined_entity(reference)
        };
        match resolved {
            Some(piece) => self.text(piece),
            None => {
                // Custom entities stay literal: expanding them is how billion-laughs and XXE work.
                let literal = format!("&{};", &**reference);
                self.findings.unexpanded_entity(&literal);
                self.text(&literal);
            }
        }
    }

    fn close_case(&mut self) {
        let Some(case) = self.case.take() else {
            return;
        };
        let (outcome, attempts) = case.results.finish();
        self.recount.tests += 1;
        match outcome.status() {
            TestStatus::Failed => self.recount.failures += 1,
            TestStatus::Error => self.recount.errors += 1,
            TestStatus::Skipped => self.recount.skipped += 1,
            TestStatus::Passed | TestStatus::Flaky | TestStatus::Timeout => {}
        }
        if case.name.is_empty() {
            self.findings.nameless(&case.classname);
        }
        self.cases.push(JunitCase {
            classname: case.classname,
            name: case.name,
            outcome,
            duration_s: case.duration_s,
            attempts,
        });
    }

    fn suite_properties(&mut self, xml: &str) {
        for runner in properties::runners(xml) {
            if !self.runners.contains(&runner) {
                self.runners.push(runner);
            }
        }
    }

    fn finish(mut self) -> ParsedFile {
        let mut declared = self.declared;
        let sums = self.child_sums;
        declared.tests = declared.tests.or(sums.tests);
        declared.failures = declared.failures.or(sums.failures);
        declared.errors = declared.errors.or(sums.errors);
        declared.skipped = declared.skipped.or(sums.skipped);
        let checks = [
            (
                "tests",
                declared.tests,
                self.recount.tests,
                "<testcase> elements",
            ),
            (
                "failures",
                declared.failures,
                self.recount.failures,
                "failed",
            ),
            ("errors", declared.errors, self.recount.errors, "errored"),
            ("skipped", declared.skipped, self.recount.skipped, "skipped"),
        ];
        for (field, claimed, counted, what) in checks {
            if let Some(claimed) = claimed
                && claimed != counted
            {
                self.findings.say(format!(
                    "declares {field}=\"{claimed}\" but has {counted} {what}{}; greenloop counts \
                     the <testcase> elements",
                    if what.starts_with('<') {
                        ""
                    } else {
                        " testcase(s)"
                    }
                ));
            }
        }
        ParsedFile {
            cases: self.cases,
            declared,
            findings: self.findings.into_sentences(self.origin),
            runners: self.runners,
        }
    }

    fn xml_error(&self, text: &str, offset: u64, err: &XmlError) -> JunitError {
        let inside = self.open.last().map_or("the document", open_name);
        match err {
            XmlError::Syntax(
                SyntaxError::UnclosedPI
                | SyntaxError::UnclosedXmlDecl
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedDoctype
                | SyntaxError::UnclosedCData
                | SyntaxError::UnclosedTag
                | SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedDoubleQuotedAttributeValue,
            )
            | XmlError::IllFormed(IllFormedError::MissingEndTag(_)) => {
                self.truncated(text, text.len() as u64, inside)
            }
            _ => self.malformed(text, offset, err.to_string()),
        }
    }

    fn truncated(&self, text: &str, offset: u64, inside: &str) -> JunitError {
        JunitError::Truncated {
            path: self.origin.to_owned(),
            line: line_at(text, offset),
            offset,
            inside: inside.to_owned(),
        }
    }

    fn malformed(&self, text: &str, offset: u64, reason: String) -> JunitError {
        JunitError::Malformed {
            path: self.origin.to_owned(),
            line: line_at(text, offset),
            offset,
            reason,
        }
    }
}

fn open_name(open: &Open) -> &str {
    match open {
        Open::Testsuites => "testsuites",
        Open::Suite => "testsuite",
        Open::Case => "testcase",
        Open::Result(name) => name,
        Open::Other(name) => name,
    }
}

/// A declared count; producers write integers, anything else is treated as not declared.
pub(super) fn parse_count(raw: &str) -> Option<u64> {
    raw.trim().parse().ok()
}

/// The 1-based line holding byte `offset` of `text`.
fn line_at(text: &str, offset: u64) -> u64 {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    newlines as u64 + 1
}
