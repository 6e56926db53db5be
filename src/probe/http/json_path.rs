//! Dotted paths into JSON values: `data.status`, `items.0.id`.

use serde_json::Value;

/// The value at a dotted `path` in `value`: object keys by name, array elements by index.
/// The empty path is `value` itself; `None` when any step is missing.
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.')
        .try_fold(value, |current, step| match current {
            Value::Object(map) => map.get(step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_keys_and_indexes() {
        let value = json!({"data": {"status": "ready"}, "items": [{"id": 7}, {"id": 8}]});
        let cases = [
            ("data.status", Some(json!("ready"))),
            ("items.1.id", Some(json!(8))),
            ("items.2.id", None),
            ("items.x", None),
            ("data.status.deeper", None),
            ("missing", None),
            ("", Some(value.clone())),
        ];
        for (path, expected) in cases {
            assert_eq!(lookup(&value, path).cloned(), expected, "path {path:?}");
        }
    }

    #[test]
    fn numeric_keys_of_objects_are_keys() {
        let value = json!({"0": "zero"});
        assert_eq!(lookup(&value, "0"), Some(&json!("zero")));
    }
}
