//! The template document: YAML read as JSON, CloudFormation's short-form
//! tags (`!Ref`, `!GetAtt`, `!Sub`, …) turned into their long forms, and
//! its parameters' values.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Map, Value};
use serde_yaml_ng::Value as Yaml;

/// The template as JSON, with every short-form tag turned into its long form.
#[derive(Debug, Clone)]
pub struct Template {
    pub doc: Value,
}

impl Template {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let yaml: Yaml = serde_yaml_ng::from_str(text).context("parsing the template")?;
        Ok(Self {
            doc: normalise(yaml)?,
        })
    }

    pub fn resources(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.doc
            .get("Resources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(id, r)| {
                let kind = r.get("Type").and_then(Value::as_str).unwrap_or("");
                (id.as_str(), kind, r)
            })
    }

    pub fn resources_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.resources()
            .filter(move |(_, k, _)| *k == kind)
            .map(|(id, _, r)| (id, r))
    }

    /// Parameter values: template defaults, then `overrides`. Fails naming
    /// every parameter left without a value.
    pub fn parameters(
        &self,
        overrides: &HashMap<String, String>,
    ) -> anyhow::Result<HashMap<String, Value>> {
        let mut values = HashMap::new();
        let mut missing = Vec::new();
        let declared = self.doc.get("Parameters").and_then(Value::as_object);
        for (name, spec) in declared.into_iter().flatten() {
            let raw = overrides
                .get(name)
                .cloned()
                .or_else(|| spec.get("Default").map(scalar_string));
            let Some(raw) = raw else {
                missing.push(name.clone());
                continue;
            };
            let value = match spec.get("Type").and_then(Value::as_str) {
                Some("CommaDelimitedList") => Value::Array(
                    raw.split(',')
                        .map(|s| Value::String(s.trim().to_owned()))
                        .collect(),
                ),
                _ => Value::String(raw),
            };
            values.insert(name.clone(), value);
        }
        if !missing.is_empty() {
            bail!("parameters without a value: {}", missing.join(", "));
        }
        Ok(values)
    }
}

/// YAML → JSON, expanding CloudFormation short-form tags.
fn normalise(yaml: Yaml) -> anyhow::Result<Value> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => serde_json::to_value(&n)?,
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(normalise).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) => s,
                    other => scalar_string(&normalise(other)?),
                };
                out.insert(key, normalise(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = normalise(tagged.value)?;
            let (key, value) = match name {
                "Ref" => ("Ref".to_owned(), inner),
                "GetAtt" => {
                    let parts = match inner {
                        Value::String(s) => {
                            let (r, a) = s.split_once('.').ok_or_else(|| {
                                anyhow!("!GetAtt {s}: expected Resource.Attribute")
                            })?;
                            Value::Array(vec![r.into(), a.into()])
                        }
                        other => other,
                    };
                    ("Fn::GetAtt".to_owned(), parts)
                }
                "Condition" => ("Condition".to_owned(), inner),
                other => (format!("Fn::{other}"), inner),
            };
            let mut map = Map::new();
            map.insert(key, value);
            Value::Object(map)
        }
    })
}

pub fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(scalar_string)
            .collect::<Vec<_>>()
            .join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms() {
        let t = Template::parse(
            "A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub \"${X}\"\nD: !Join [\",\", [a]]\n",
        )
        .unwrap();
        assert_eq!(t.doc["A"], serde_json::json!({"Ref": "X"}));
        assert_eq!(t.doc["B"], serde_json::json!({"Fn::GetAtt": ["T", "Arn"]}));
        assert_eq!(t.doc["C"], serde_json::json!({"Fn::Sub": "${X}"}));
        assert_eq!(t.doc["D"], serde_json::json!({"Fn::Join": [",", ["a"]]}));
    }

    #[test]
    fn parameters_without_values_are_named() {
        let t = Template::parse(
            "Parameters:\n  Stage: { Type: String, Default: dev }\n  Secret: { Type: String, NoEcho: true }\n",
        )
        .unwrap();
        let err = t.parameters(&HashMap::new()).unwrap_err().to_string();
        assert!(err.contains("Secret") && !err.contains("Stage"), "{err}");
    }
}
