//! `public_vars`: the `[vars]` a loop lets its reports show as targets (the addresses the
//! battery points at), beside its probes' urls.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::checker::Checker;

/// Validates `public_vars`: each entry names a `[vars]` entry, never a `[secrets]` one, once.
pub fn public_vars(
    raw: Option<&Spanned<Vec<Spanned<String>>>>,
    vars: &BTreeMap<String, String>,
    is_secret: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut public = Vec::new();
    for entry in raw.map_or(&[][..], |list| list.get_ref()) {
        let name = entry.get_ref();
        if is_secret(name) {
            check.error(
                entry.span(),
                format!(
                    "`{name}` is a secret: `public_vars` can only name [vars], since secrets never appear in reports"
                ),
            );
        } else if !vars.contains_key(name) {
            check.error(
                entry.span(),
                format!("`{name}` in `public_vars` is not defined in [vars]"),
            );
        } else if !seen.insert(name.as_str()) {
            check.error(
                entry.span(),
                format!("`{name}` is listed twice in `public_vars`"),
            );
        } else {
            public.push(name.clone());
        }
    }
    public
}
