//! Test ids listed compactly: ids that share `<suite>::<class>::` are written once with their
//! names after it, and long lists stop with "and N more".

use crate::model::TestId;

/// `ids` grouped by their `<suite>::<class>::` prefix, at most `max` names in all:
/// "`websocket-events::tests.test_ws::` `test_a`, `test_b`; `api::tests.test_api::` `test_c`
/// and 3 more".
pub fn compact<'a>(ids: impl IntoIterator<Item = &'a TestId>, max: usize) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut shown = 0;
    let mut more = 0;
    for id in ids {
        if shown == max {
            more += 1;
            continue;
        }
        shown += 1;
        let (prefix, name) = split(id.as_str());
        match groups.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, names)) => names.push(name),
            None => groups.push((prefix, vec![name])),
        }
    }
    let mut text = groups
        .iter()
        .map(|(prefix, names)| {
            let names = names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ");
            if prefix.is_empty() {
                names
            } else {
                format!("{} {names}", code(prefix))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// `suite::class::` and the name; a one-test prefix stays whole.
fn split(id: &str) -> (&str, &str) {
    match id.rfind("::") {
        Some(at) => (&id[..at + 2], &id[at + 2..]),
        None => ("", id),
    }
}

/// `text` in a code span that no backtick inside can close early.
pub fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("`{text}`")
    } else {
        format!("{fence} {text} {fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> TestId {
        let mut parts = text.splitn(3, "::");
        TestId::new(
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        )
    }

    #[test]
    fn shared_prefixes_are_written_once() {
        let ids = [
            id("ws::tests.test_ws::test_a"),
            id("ws::tests.test_ws::test_b"),
            id("api::tests.test_api::test_c"),
        ];
        assert_eq!(
            compact(&ids, 10),
            "`ws::tests.test_ws::` `test_a`, `test_b`; `api::tests.test_api::` `test_c`"
        );
        assert_eq!(
            compact(&ids, 1),
            "`ws::tests.test_ws::` `test_a` and 2 more"
        );
    }

    #[test]
    fn backticks_cannot_break_out() {
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
