//! The masker on examples: each form of a secret, and the stream across awkward reads.

use super::test_forms::{base64_forms, leaked, text_forms};
use super::*;

#[test]
fn masks_every_occurrence_and_the_longest_secret_first() {
    let redactor = Redactor::new(["hunter2", "hunter2-admin"]);
    assert_eq!(
        redactor.text("a hunter2-admin b hunter2 c"),
        "a *** b *** c"
    );
}

#[test]
fn mask_reuses_text_without_secrets_and_masks_text_with_them() {
    let redactor = Redactor::new(["hunter2"]);
    let clean = String::from("nothing to hide");
    let pointer = clean.as_ptr();
    let masked = redactor.mask(clean);
    assert_eq!(masked.as_ptr(), pointer, "no copy when nothing matches");
    assert_eq!(redactor.mask("pw=hunter2!".into()), "pw=***!");
}

#[test]
fn ignores_secrets_too_short_to_mask_safely() {
    let redactor = Redactor::new(["ab", ""]);
    assert!(redactor.is_empty());
    assert_eq!(redactor.text("abc"), "abc");
}

#[test]
fn stream_catches_a_secret_split_across_chunks() {
    let redactor = Redactor::new(["s3cr3t-token"]);
    let mut stream = redactor.stream();
    let mut out = stream.push(b"token=s3cr");
    out.extend(stream.push(b"3t-tok"));
    out.extend(stream.push(b"en and more\nnext "));
    out.extend(stream.finish());
    assert_eq!(out, b"token=*** and more\nnext ");
}

#[test]
fn stream_passes_non_utf8_bytes_through() {
    let redactor = Redactor::new(["secret"]);
    let mut stream = redactor.stream();
    let mut out = stream.push(b"\xff\xfe secret \xc3\n");
    out.extend(stream.finish());
    assert_eq!(out, b"\xff\xfe *** \xc3\n");
}

/// The secret of issue 13: every character that URLs, JSON, XML and base64 treat specially.
const SPECIAL: &str = "S3cr3t Val\"ue<42>/+=&x";

#[test]
fn masks_every_text_form_of_a_secret_with_special_characters() {
    let redactor = Redactor::new([SPECIAL]);
    for form in text_forms(SPECIAL) {
        let masked = redactor.text(&format!("token={}; next", form.text));
        assert_eq!(
            leaked(masked.as_bytes(), SPECIAL),
            None,
            "{}: {masked}",
            form.name
        );
        assert!(masked.starts_with("token=***"), "{}: {masked}", form.name);
    }
}

#[test]
fn masks_base64_at_every_alignment_in_both_alphabets() {
    let redactor = Redactor::new([SPECIAL]);
    for form in base64_forms(SPECIAL) {
        let masked = redactor.text(&format!("Basic {}\n", form.text));
        assert_eq!(
            leaked(masked.as_bytes(), SPECIAL),
            None,
            "{}: {} became {masked}",
            form.name,
            form.text
        );
    }
}

#[test]
fn masks_forms_nested_in_the_way_reports_and_urls_nest_them() {
    let redactor = Redactor::new([SPECIAL]);
    // A probe url the url crate encoded, inside the HTML of a report (`&` became `&amp;`).
    let html = "<code>/api/S3cr3t%20Val%22ue%3C42%3E/+=&amp;x</code>";
    assert_eq!(redactor.text(html), "<code>/api/***</code>");
    // The same url as JSON with `\/` and a `\u0026`, as Go and PHP write it.
    let json = r#"{"url":"\/api\/S3cr3t%20Val%22ue%3C42%3E\/+=\u0026x"}"#;
    assert_eq!(redactor.text(json), r#"{"url":"\/api\/***"}"#);
}

#[test]
fn stream_masks_a_secret_that_ends_just_before_a_read_without_a_newline() {
    // The pytest log of issue 13: the line arrived in a read of its own, without its newline,
    // and the secret ended two bytes before the read did.
    let redactor = Redactor::new(["s3cr3t-token-value"]);
    let mut stream = redactor.stream();
    let mut out = stream.push(b"collected 12 items\n");
    out.extend(stream.push(b"    headers = {'Authorization': 'Bearer s3cr3t-token-value'}"));
    out.extend(stream.push(b"\n"));
    out.extend(stream.finish());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "collected 12 items\n    headers = {'Authorization': 'Bearer ***'}\n"
    );
}

#[test]
fn stream_masks_a_multi_line_secret_read_up_to_one_of_its_newlines() {
    let key = "-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----";
    let redactor = Redactor::new([key]);
    let mut stream = redactor.stream();
    let mut out = stream.push(b"key: -----BEGIN KEY-----\nMIIEvQ");
    out.extend(stream.push(b"IBADANBg\n-----END KEY-----\ndone\n"));
    out.extend(stream.finish());
    assert_eq!(String::from_utf8(out).unwrap(), "key: ***\ndone\n");
}
