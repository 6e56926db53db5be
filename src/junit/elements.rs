//! Reading the attributes of `<testsuites>`, `<testsuite>`, `<testcase>` and result elements.
//!
//! Only the attributes a report needs are decoded; everything else is skipped unread.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;
use quick_xml::events::attributes::Attribute;

use super::identity::{CaseAttrs, JEST_ROOT_NAME, SuiteFrame, collapse, identity_classname};
use super::outcome::{CappedText, CaseResults, ResultElement, ResultKind};
use super::reader::{Open, OpenCase, Parser, parse_count};
use super::run::DeclaredCounts;
use super::time::parse_seconds;

impl Parser<'_> {
    /// Reads the root element's declared counts, run time and name.
    pub(super) fn read_root(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
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

    /// Opens a `<testsuite>`: pushes its frame and adds its counts when it is top-level.
    pub(super) fn open_suite(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
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

    /// Opens a `<testcase>`: works out its key and time; its results follow as children.
    pub(super) fn open_case(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let mut attrs = CaseAttrs::default();
        let mut values: [Option<Cow<'_, str>>; 6] = Default::default();
        const CLASSNAME: usize = 0;
        const CLASS: usize = 1;
        const FILE: usize = 2;
        const NAME: usize = 3;
        const TIME: usize = 4;
        const STATUS: usize = 5;
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| err.to_string())?;
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
            values[slot] = Some(self.value(&attr));
        }
        attrs.classname = values[CLASSNAME].as_deref();
        attrs.class = values[CLASS].as_deref();
        attrs.file = values[FILE].as_deref();
        let classname = identity_classname(&attrs, &self.suites, self.jest);
        let name = values[NAME].as_deref().map(collapse).unwrap_or_default();
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

    /// Opens a result element (`<failure>`, `<skipped>`, …) of the current case.
    pub(super) fn open_result(
        &mut self,
        e: &BytesStart<'_>,
        kind: ResultKind,
    ) -> Result<(), String> {
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
        self.open
            .push(Open::Result(e.local_name().as_ref().to_owned()));
        Ok(())
    }

    /// An attribute's value with entities decoded; a custom entity leaves the raw text.
    pub(super) fn value<'a>(&mut self, attr: &Attribute<'a>) -> Cow<'a, str> {
        match attr.normalized_value(XmlVersion::Implicit1_0) {
            Ok(value) => value,
            Err(_) => {
                self.findings.unexpanded_entity(&attr.value);
                attr.value.clone()
            }
        }
    }

    /// Parses a suite or root time, noting values no clock could produce.
    pub(super) fn check_time(&mut self, label: &str, raw: &str) -> Option<f64> {
        let seconds = parse_seconds(raw);
        match seconds {
            None if !raw.trim().is_empty() => self.findings.unreadable_time(label, raw),
            Some(s) if s.is_nan() || s.is_infinite() => self.findings.nan_time(label, raw),
            Some(s) if s < 0.0 => self.findings.negative_time(label, raw),
            _ => return seconds,
        }
        None
    }

    pub(super) fn check_case_time(
        &mut self,
        classname: &str,
        name: &str,
        raw: &str,
    ) -> Option<f64> {
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
}
