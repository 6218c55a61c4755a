//! Custom ticket fields: a schema each tenant defines, checked on every
//! write of a ticket.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::validation::{FieldError, Invalid, bounded_text};

pub const MAX_FIELDS: usize = 50;
const MAX_TEXT: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Dropdown,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDef {
    /// Stable identifier used in tickets' `customFields`.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub customer_visible: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSchema {
    pub fields: Vec<FieldDef>,
    pub version: u64,
}

impl FieldSchema {
    /// Checks a whole schema as an admin submits it.
    pub fn validate_defs(defs: &[FieldDef]) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if defs.len() > MAX_FIELDS {
            errors.push(FieldError::new(
                "fields",
                "too_many",
                format!("at most {MAX_FIELDS} fields"),
            ));
        }
        let mut keys = BTreeSet::new();
        for (i, d) in defs.iter().enumerate() {
            let at = |f: &str| format!("fields.{i}.{f}");
            let key_ok = (1..=40).contains(&d.key.len())
                && d.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                errors.push(FieldError::new(
                    at("key"),
                    "invalid_key",
                    "1 to 40 of a-z, 0-9 and _",
                ));
            } else if !keys.insert(d.key.as_str()) {
                errors.push(FieldError::new(
                    at("key"),
                    "duplicate",
                    "keys must be unique",
                ));
            }
            if let Err(e) = bounded_text(&d.label, 1, 80) {
                errors.push(FieldError::new(at("label"), e.code, e.message));
            }
            match d.kind {
                FieldKind::Dropdown if d.options.is_empty() || d.options.len() > 200 => errors
                    .push(FieldError::new(
                        at("options"),
                        "invalid_options",
                        "a dropdown has 1 to 200 options",
                    )),
                FieldKind::Dropdown => {}
                _ if !d.options.is_empty() => errors.push(FieldError::new(
                    at("options"),
                    "unexpected",
                    "only dropdowns have options",
                )),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    pub fn def(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|d| d.key == key)
    }

    /// Checks `values` against the schema. `complete`: every required field
    /// must end up set (creation); otherwise only the given ones are checked.
    pub fn check(
        &self,
        current: &BTreeMap<String, Value>,
        values: &BTreeMap<String, Value>,
        complete: bool,
    ) -> Result<BTreeMap<String, Value>, Vec<FieldError>> {
        let mut merged = current.clone();
        let mut errors = Vec::new();
        for (key, value) in values {
            let at = format!("customFields.{key}");
            let Some(def) = self.def(key) else {
                errors.push(FieldError::new(
                    at,
                    "unknown_field",
                    "is not a field of this helpdesk",
                ));
                continue;
            };
            if value.is_null() {
                if def.required {
                    errors.push(FieldError::new(at, "required", "is required"));
                } else {
                    merged.remove(key);
                }
                continue;
            }
            match check_value(def, value) {
                Ok(v) => {
                    merged.insert(key.clone(), v);
                }
                Err(e) => errors.push(FieldError::new(at, e.code, e.message)),
            }
        }
        if complete {
            for def in self.fields.iter().filter(|d| d.required) {
                if !merged.contains_key(&def.key) && !values.contains_key(&def.key) {
                    errors.push(FieldError::new(
                        format!("customFields.{}", def.key),
                        "required",
                        "is required",
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(merged)
        } else {
            Err(errors)
        }
    }

    /// The fields customers see, as a schema of their own.
    pub fn customer_schema(&self) -> FieldSchema {
        FieldSchema {
            fields: self
                .fields
                .iter()
                .filter(|d| d.customer_visible)
                .cloned()
                .collect(),
            version: self.version,
        }
    }

    /// Whether customers see the field `key`.
    pub fn is_customer_visible(&self, key: &str) -> bool {
        self.def(key).is_some_and(|d| d.customer_visible)
    }

    /// The values a customer may see.
    pub fn customer_view(&self, values: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
        values
            .iter()
            .filter(|(k, _)| self.is_customer_visible(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

fn check_value(def: &FieldDef, value: &Value) -> Result<Value, Invalid> {
    let wrong = |what: &str| Invalid::new("invalid_type", format!("must be {what}"));
    match def.kind {
        FieldKind::Text => match value {
            Value::String(s) => bounded_text(s, 0, MAX_TEXT).map(Value::String),
            _ => Err(wrong("a string")),
        },
        FieldKind::Number => match value {
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(value.clone()),
            _ => Err(wrong("a number")),
        },
        FieldKind::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            _ => Err(wrong("true or false")),
        },
        FieldKind::Dropdown => match value {
            Value::String(s) if def.options.contains(s) => Ok(value.clone()),
            Value::String(_) => Err(Invalid::new(
                "invalid_option",
                format!("must be one of: {}", def.options.join(", ")),
            )),
            _ => Err(wrong("one of the options")),
        },
        FieldKind::Date => match value {
            Value::String(s) if s.parse::<jiff::civil::Date>().is_ok() && s.len() == 10 => {
                Ok(value.clone())
            }
            _ => Err(wrong("a date (YYYY-MM-DD)")),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> FieldSchema {
        let def = |key: &str, kind, required, options: &[&str]| FieldDef {
            key: key.into(),
            label: key.into(),
            kind,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            required,
            customer_visible: key == "order",
        };
        FieldSchema {
            fields: vec![
                def("order", FieldKind::Text, true, &[]),
                def("amount", FieldKind::Number, false, &[]),
                def("vip", FieldKind::Boolean, false, &[]),
                def("plan", FieldKind::Dropdown, false, &["free", "pro"]),
                def("due", FieldKind::Date, false, &[]),
            ],
            version: 1,
        }
    }

    fn values(v: serde_json::Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn values_are_checked_by_kind() {
        let s = schema();
        let ok = s.check(&BTreeMap::new(), &values(json!({"order": "A-1", "amount": 9.5, "vip": true, "plan": "pro", "due": "2026-12-01"})), true);
        assert!(ok.is_ok(), "{ok:?}");
        let bad = s
            .check(
                &BTreeMap::new(),
                &values(
                    json!({"amount": "9", "vip": 1, "plan": "gold", "due": "tomorrow", "nope": 1}),
                ),
                true,
            )
            .unwrap_err();
        let got: Vec<(&str, &str)> = bad.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("customFields.amount", "invalid_type"),
                ("customFields.due", "invalid_type"),
                ("customFields.nope", "unknown_field"),
                ("customFields.plan", "invalid_option"),
                ("customFields.vip", "invalid_type"),
                ("customFields.order", "required"),
            ]
        );
    }

    #[test]
    fn partial_updates_keep_and_clear_values() {
        let s = schema();
        let current = values(json!({"order": "A-1", "plan": "pro"}));
        let merged = s
            .check(&current, &values(json!({"plan": null})), false)
            .unwrap();
        assert_eq!(merged, values(json!({"order": "A-1"})));
        assert!(
            s.check(&current, &values(json!({"order": null})), false)
                .is_err(),
            "required stays set"
        );
        assert_eq!(s.customer_view(&current), values(json!({"order": "A-1"})));
    }

    #[test]
    fn schemas_are_validated() {
        let mut defs = schema().fields;
        defs.push(defs[0].clone());
        defs.push(FieldDef {
            key: "Bad Key".into(),
            label: "".into(),
            kind: FieldKind::Text,
            options: vec!["x".into()],
            required: false,
            customer_visible: false,
        });
        let errors = FieldSchema::validate_defs(&defs).unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            vec!["duplicate", "invalid_key", "required", "unexpected"]
        );
    }
}
