//! Streaming parse of one JUnit document into `<testcase>` entries, with a stack of open
//! suites so a case belongs to its innermost suite.
//!
//! The reader keeps only what a report needs: case attributes, result attributes and up to
//! 8 KiB of result text. `<system-out>`, `<system-err>` and `<properties>` (Surefire puts every
//! JVM system property there, secrets included) are skipped without being decoded. A file that
//! ends early is an error as a whole: the cases read before the cut are not reported, because
//! the failures may be in the part that was never written.

use std::borrow::Cow;
use std::path::Path;

use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::model::{TestStatus, collapse_whitespace};

use super::decode::decode;
use super::error::JunitError;
use super::findings::Findings;
use super::identity::{CaseAttrs, JEST_ROOT_NAME, SuiteFrame, identity_classname};
use super::outcome::{CappedText, CaseResults, ResultElement, ResultKind};
use super::run::{DeclaredCounts, JunitCase};
use super::time::parse_seconds;

/// One file's entries before duplicate keys are merged.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    /// One entry per `<testcase>`, in document order.
    pub entries: Vec<JunitCase>,
    /// The top-level declared counts.
    pub declared: DeclaredCounts,
    /// Findings, each prefixed with the file.
    pub findings: Vec<String>,
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
enum Open {
    Testsuites,
    Suite,
    Case,
    Result,
    Other(String),
}

/// A `<testcase>` being read.
#[derive(Debug)]
struct OpenCase {
    classname: String,
    name: String,
    duration_s: Option<f64>,
    results: CaseResults,
}

/// Counts recomputed from the `<testcase>` elements, to compare with the declared ones.
#[derive(Debug, Default)]
struct Recount {
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
}

#[derive(Debug)]
struct Parser<'o> {
    origin: &'o Path,
    findings: Findings,
    open: Vec<Open>,
    suites: Vec<SuiteFrame>,
    case: Option<OpenCase>,
    result: Option<ResultElement>,
    entries: Vec<JunitCase>,
    declared: DeclaredCounts,
    /// Sums over the suites directly under a `<testsuites>` root that lacks its own counts.
    child_sums: DeclaredCounts,
    root_seen: bool,
    /// The root carries jest-junit's default name, so suites are part of case keys.
    jest: bool,
    /// The root's `time`, else the current top-level suite's: no case can take longer.
    run_time: Option<f64>,
    root_time: Option<f64>,
    recount: Recount,
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
            entries: Vec::new(),
            declared: DeclaredCounts::default(),
            child_sums: DeclaredCounts::default(),
            root_seen: false,
            jest: false,
            run_time: None,
            root_time: None,
            recount: Recount::default(),
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
                Event::Text(t) => self.text(&t.xml10_content()),
                Event::CData(c) => self.text(&c.xml10_content()),
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
            if !empty && let Err(err) = reader.read_to_end(e.name()) {
                return Err(self.xml_error(text, reader.error_position(), &err));
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
            Some(Open::Result) => {
                if let (Some(result), Some(case)) = (self.result.take(), self.case.as_mut()) {
                    case.results.push(result);
                }
            }
            Some(Open::Testsuites | Open::Other(_)) | None => {}
        }
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

    fn read_root(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| err.to_string())?;
            match attr.key.as_ref() {
                "tests" => self.declared.tests = parse_count(&self.value(&attr)),
                "failures" => self.declared.failures = parse_count(&self.value(&attr)),
                "errors" => self.declared.errors = parse_count(&self.value(&attr)),
                "skipped" => self.declared.skipped = parse_count(&self.value(&attr)),
                "name" => self.jest = self.value(&attr).trim() == JEST_ROOT_NAME,
                "time" => {
                    let raw = self.value(&attr);
                    self.root_time = self.check_time("the root element", &raw);
                    self.run_time = self.root_time;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn open_suite(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let top_level = self.suites.is_empty();
        let under_testsuites = matches!(self.open.as_slice(), [Open::Testsuites]);
        let mut frame = SuiteFrame::default();
        let mut counts = DeclaredCounts::default();
        let mut time = None;
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| err.to_string())?;
            match attr.key.as_ref() {
                "name" => frame.name = self.value(&attr).into_owned(),
                "file" => frame.file = Some(self.value(&attr).into_owned()),
                "time" => time = Some(self.value(&attr).into_owned()),
                "tests" => counts.tests = parse_count(&self.value(&attr)),
                "failures" => counts.failures = parse_count(&self.value(&attr)),
                "errors" => counts.errors = parse_count(&self.value(&attr)),
                "skipped" => counts.skipped = parse_count(&self.value(&attr)),
                _ => {}
            }
        }
        let seconds = time.and_then(|raw| {
            let label = format!("testsuite \"{}\"", frame.name);
            self.check_time(&label, &raw)
        });
        if top_level && self.root_time.is_none() {
            self.run_time = seconds;
        }
        if under_testsuites {
            self.child_sums.add(&counts);
        }
        self.suites.push(frame);
        self.open.push(Open::Suite);
        Ok(())
    }

    fn open_case(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let attributes: Vec<Attribute<'_>> = e
            .attributes()
            .with_checks(false)
            .collect::<Result<_, _>>()
            .map_err(|err| err.to_string())?;
        let mut attrs = CaseAttrs::default();
        let mut values: [Option<Cow<'_, str>>; 6] = Default::default();
        const CLASSNAME: usize = 0;
        const CLASS: usize = 1;
        const FILE: usize = 2;
        const NAME: usize = 3;
        const TIME: usize = 4;
        const STATUS: usize = 5;
        for attr in &attributes {
            let slot = match attr.key.as_ref() {
                "classname" => CLASSNAME,
                "class" => CLASS,
                "file" => FILE,
                "name" => NAME,
                "time" => TIME,
                "status" => STATUS,
                "line" => {
                    attrs.has_line = true;
                    continue;
                }
                _ => continue,
            };
            values[slot] = Some(self.value(attr));
        }
        attrs.classname = values[CLASSNAME].as_deref();
        attrs.class = values[CLASS].as_deref();
        attrs.file = values[FILE].as_deref();
        let classname = identity_classname(&attrs, &self.suites, self.jest);
        let name = values[NAME]
            .as_deref()
            .map(collapse_whitespace)
            .unwrap_or_default();
        let duration_s = match values[TIME].as_deref() {
            Some(raw) => self.check_case_time(&classname, &name, raw),
            None => None,
        };
        let mut results = CaseResults::default();
        results.status_attr = values[STATUS].take().map(Cow::into_owned);
        self.case = Some(OpenCase {
            classname,
            name,
            duration_s,
            results,
        });
        self.open.push(Open::Case);
        Ok(())
    }

    fn open_result(&mut self, e: &BytesStart<'_>, kind: ResultKind) -> Result<(), String> {
        let mut element = ResultElement {
            kind,
            message: None,
            kind_attr: None,
            text: CappedText::default(),
        };
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| err.to_string())?;
            match attr.key.as_ref() {
                "message" => element.message = Some(self.value(&attr).into_owned()),
                "type" => element.kind_attr = Some(self.value(&attr).into_owned()),
                _ => {}
            }
        }
        self.result = Some(element);
        self.open.push(Open::Result);
        Ok(())
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
        self.entries.push(JunitCase {
            classname: case.classname,
            name: case.name,
            outcome,
            duration_s: case.duration_s,
            attempts,
        });
    }

    /// An attribute's value with entities decoded; a custom entity leaves the raw text.
    fn value<'a>(&mut self, attr: &Attribute<'a>) -> Cow<'a, str> {
        match attr.normalized_value(XmlVersion::Implicit1_0) {
            Ok(value) => value,
            Err(_) => {
                self.findings.unexpanded_entity(&attr.value);
                attr.value.clone()
            }
        }
    }

    /// Parses a suite or root time, noting values no clock could produce.
    fn check_time(&mut self, label: &str, raw: &str) -> Option<f64> {
        let seconds = parse_seconds(raw);
        match seconds {
            None if !raw.trim().is_empty() => self.findings.unreadable_time(label, raw),
            Some(s) if s.is_nan() || s.is_infinite() => self.findings.nan_time(label, raw),
            Some(s) if s < 0.0 => self.findings.negative_time(label, raw),
            _ => return seconds,
        }
        None
    }

    fn check_case_time(&mut self, classname: &str, name: &str, raw: &str) -> Option<f64> {
        let label = || format!("{classname}::{name}");
        let seconds = parse_seconds(raw);
        match seconds {
            None if !raw.trim().is_empty() => self.findings.unreadable_time(&label(), raw),
            Some(s) if s.is_nan() || s.is_infinite() => self.findings.nan_time(&label(), raw),
            Some(s) if s < 0.0 => self.findings.negative_time(&label(), raw),
            Some(s) => {
                // Totals are rounded to milliseconds by most producers; allow for that.
                if let Some(run) = self.run_time
                    && s > run * 1.01 + 0.01
                {
                    self.findings.longer_than_run(&label(), s, run);
                }
                return Some(s);
            }
            None => {}
        }
        None
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
            entries: self.entries,
            declared,
            findings: self.findings.into_sentences(self.origin),
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
        Open::Result => "a result element of a testcase",
        Open::Other(name) => name,
    }
}

/// A declared count; producers write integers, anything else is treated as not declared.
fn parse_count(raw: &str) -> Option<u64> {
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
