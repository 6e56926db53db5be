//! Test runner versions from suite-level `<properties>`, for the report's environment section.
//!
//! Producers that state their runner do it as properties of a `<testsuite>` (or of the
//! `<testsuites>` root): `go.version` (go-junit-report, gotestsum), `java.version`,
//! `java.runtime.version` and `java.vm.version` (Maven Surefire, Ant, sbt's JUnit reporter),
//! `nunit-version` (xUnit.net's JUnit transform). Only those names are read: Surefire writes
//! every JVM system property there, secrets included, and none of the rest is decoded or kept.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// Which runner a property names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Go,
    /// Java, by preference: the release, the runtime build, the VM build.
    Java(usize),
    NUnit,
}

fn kind(name: &str) -> Option<Kind> {
    match name.trim() {
        "go.version" => Some(Kind::Go),
        "java.version" => Some(Kind::Java(0)),
        "java.runtime.version" => Some(Kind::Java(1)),
        "java.vm.version" => Some(Kind::Java(2)),
        "nunit-version" => Some(Kind::NUnit),
        _ => None,
    }
}

/// The runners one `<properties>` element's content names, e.g. `["go1.22.1"]` or
/// `["java 17.0.9"]`; empty for most blocks, which are skipped without being parsed.
pub(super) fn runners(xml: &str) -> Vec<String> {
    if !xml.contains("version") {
        return Vec::new();
    }
    let mut go = None;
    let mut java: [Option<String>; 3] = Default::default();
    let mut nunit = None;
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "property" => {
                match property(&e) {
                    Some((Kind::Go, value)) => go = go.or(Some(value)),
                    Some((Kind::Java(rank), value)) => {
                        java[rank] = java[rank].take().or(Some(value))
                    }
                    Some((Kind::NUnit, value)) => nunit = nunit.or(Some(value)),
                    None => {}
                }
            }
            // What the block holds past a syntax error is not worth failing the file for: the
            // outer parse has already accepted the element as a whole.
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let java = java
        .into_iter()
        .flatten()
        .next()
        .map(|v| format!("java {v}"));
    let nunit = nunit.map(|v| {
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            format!("NUnit {v}")
        } else {
            v
        }
    });
    go.into_iter().chain(java).chain(nunit).collect()
}

/// A `<property name=… value=…>` whose name states a runner's version, with its value trimmed;
/// other properties' values are never decoded.
fn property(e: &BytesStart<'_>) -> Option<(Kind, String)> {
    let mut kind_found = None;
    let mut value = None;
    for attr in e.attributes().with_checks(false).flatten() {
        match attr.key.as_ref() {
            "name" => kind_found = Some(kind(&attr.value)?),
            "value" => value = Some(attr),
            _ => {}
        }
    }
    let kind = kind_found?;
    let value = value?.normalized_value(XmlVersion::Implicit1_0).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| (kind, value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::runners;

    #[test]
    fn known_version_properties_name_the_runner() {
        let go = r#"<property name="go.version" value="go1.22.1"/>"#;
        assert_eq!(runners(go), ["go1.22.1"]);
        let java = r#"
            <property name="java.vm.version" value="25.265-b11"/>
            <property name="java.runtime.version" value="1.8.0_265-b11"/>
            <property name="java.version" value="1.8.0_265"/>
            <property name="os.version" value="5.4.0"/>"#;
        assert_eq!(runners(java), ["java 1.8.0_265"]);
        let vm_only = r#"<property name="java.vm.version" value="17.0.9+9"/>"#;
        assert_eq!(runners(vm_only), ["java 17.0.9+9"]);
        let nunit = r#"<property name="nunit-version" value="3.16.3.0"></property>"#;
        assert_eq!(runners(nunit), ["NUnit 3.16.3.0"]);
    }

    #[test]
    fn other_properties_name_no_runner() {
        let app =
            r#"<property name="version" value="1.774"/><property name="commit" value="ef7bebf"/>"#;
        assert!(runners(app).is_empty());
        assert!(runners(r#"<property name="go.version" value="  "/>"#).is_empty());
        assert!(runners(r#"<property name="go.version"/>"#).is_empty());
    }
}
