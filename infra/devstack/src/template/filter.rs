//! Lambda event filtering (the subset of EventBridge patterns event-source
//! mappings accept): object keys nest, arrays list allowed values, and the
//! operators `prefix`, `exists` and `anything-but`. A pattern using anything
//! else is refused when devstack starts, never silently ignored.

use anyhow::bail;
use serde_json::Value;

/// Checks that devstack understands every part of `pattern`.
pub fn check(pattern: &Value) -> anyhow::Result<()> {
    match pattern {
        Value::Object(fields) => fields.values().try_for_each(check),
        Value::Array(options) => options.iter().try_for_each(|o| match o {
            Value::Object(op) => {
                for key in op.keys() {
                    if !matches!(key.as_str(), "prefix" | "exists" | "anything-but") {
                        bail!("the filter operator {key:?} is not supported by devstack");
                    }
                }
                Ok(())
            }
            Value::Array(_) => bail!("nested arrays are not a filter"),
            _ => Ok(()),
        }),
        _ => bail!("a filter's leaves must be arrays of values"),
    }
}

/// Whether `record` matches `pattern`.
pub fn matches(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(key, sub)| match record.get(key) {
            Some(value) => matches(sub, value),
            None => sub.as_array().is_some_and(|opts| {
                opts.iter()
                    .any(|o| o.get("exists") == Some(&Value::Bool(false)))
            }),
        }),
        Value::Array(options) => options.iter().any(|o| allows(o, record)),
        _ => false,
    }
}

fn allows(option: &Value, value: &Value) -> bool {
    match option {
        Value::Object(op) => op.iter().all(|(name, arg)| match name.as_str() {
            "prefix" => matches!((value, arg), (Value::String(v), Value::String(p)) if v.starts_with(p.as_str())),
            "exists" => arg == &Value::Bool(true),
            "anything-but" => match arg {
                Value::Array(no) => !no.contains(value),
                other => other != value,
            },
            _ => false,
        }),
        literal => literal == value,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;
    use serde_json::json;

    fn outbox() -> Value {
        json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["event"]}}}})
    }

    fn record(name: &str, entity: &str) -> Value {
        json!({"eventName": name, "dynamodb": {"NewImage": {"entity": {"S": entity}, "PK": {"S": "T#1"}}}})
    }

    #[test]
    fn the_outbox_filter_passes_inserted_events_only() {
        let p = outbox();
        check(&p).unwrap();
        assert!(matches(&p, &record("INSERT", "event")));
        assert!(!matches(&p, &record("MODIFY", "event")));
        assert!(!matches(&p, &record("INSERT", "ticket")));
        assert!(!matches(
            &p,
            &json!({"eventName": "REMOVE", "dynamodb": {"OldImage": {}}})
        ));
    }

    #[test]
    fn operators_match_as_lambda_documents() {
        let r = record("INSERT", "event");
        assert!(matches(
            &json!({"dynamodb": {"NewImage": {"PK": {"S": [{"prefix": "T#"}]}}}}),
            &r
        ));
        assert!(!matches(
            &json!({"dynamodb": {"NewImage": {"PK": {"S": [{"prefix": "X"}]}}}}),
            &r
        ));
        assert!(matches(
            &json!({"eventName": [{"anything-but": ["REMOVE"]}]}),
            &r
        ));
        assert!(matches(
            &json!({"dynamodb": {"NewImage": {"ttl": [{"exists": false}]}}}),
            &r
        ));
        assert!(!matches(
            &json!({"dynamodb": {"NewImage": {"ttl": [{"exists": true}]}}}),
            &r
        ));
    }

    #[test]
    fn unknown_operators_are_refused_up_front() {
        assert!(check(&json!({"n": [{"numeric": [">", 1]}]})).is_err());
        assert!(check(&json!({"n": "x"})).is_err());
    }
}
