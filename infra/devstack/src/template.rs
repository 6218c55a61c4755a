//! template.yaml as devstack needs it: CloudFormation's short-form tags
//! (`!Ref`, `!GetAtt`, `!Sub`, …) normalised to their long forms, intrinsic
//! functions resolved against parameters and local physical resources, and
//! SAM's `Globals` merged into each function.

use std::collections::{BTreeMap, HashMap};
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

/// What a resource resolves to locally: its `Ref` and its attributes.
#[derive(Debug, Clone, Default)]
pub struct Physical {
    pub reference: Value,
    pub attributes: HashMap<String, Value>,
}

/// Everything `Ref`, `GetAtt` and `Sub` can name.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub parameters: HashMap<String, Value>,
    pub resources: HashMap<String, Physical>,
    pub region: String,
    pub account: String,
    pub stack: String,
}

impl Context {
    fn reference(&self, name: &str) -> anyhow::Result<Value> {
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some(r) = self.resources.get(name) {
            return Ok(r.reference.clone());
        }
        Ok(Value::String(match name {
            "AWS::Region" => self.region.clone(),
            "AWS::AccountId" => self.account.clone(),
            "AWS::StackName" => self.stack.clone(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::NoValue" => return Ok(Value::Null),
            _ => bail!("Ref to unknown name {name}"),
        }))
    }

    fn attribute(&self, resource: &str, attr: &str) -> anyhow::Result<Value> {
        self.resources
            .get(resource)
            .and_then(|r| r.attributes.get(attr))
            .cloned()
            .ok_or_else(|| anyhow!("GetAtt {resource}.{attr} is not known locally"))
    }

    /// Resolves every intrinsic function in `v`.
    pub fn resolve(&self, v: &Value) -> anyhow::Result<Value> {
        match v {
            Value::Array(items) => Ok(Value::Array(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .collect::<Result<_, _>>()?,
            )),
            Value::Object(map) if map.len() == 1 => {
                let (k, arg) = map.iter().next().ok_or_else(|| anyhow!("empty map"))?;
                match k.as_str() {
                    "Ref" => self.reference(&scalar_string(&self.resolve(arg)?)),
                    "Fn::GetAtt" => {
                        let parts = self.resolve(arg)?;
                        let r = parts.get(0).map(scalar_string).unwrap_or_default();
                        let a = parts.get(1).map(scalar_string).unwrap_or_default();
                        self.attribute(&r, &a)
                    }
                    "Fn::Sub" => self.sub(arg),
                    "Fn::Join" => {
                        let args = self.resolve(arg)?;
                        let sep = args.get(0).map(scalar_string).unwrap_or_default();
                        let items = args
                            .get(1)
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        Ok(Value::String(
                            items
                                .iter()
                                .map(scalar_string)
                                .collect::<Vec<_>>()
                                .join(&sep),
                        ))
                    }
                    "Fn::Select" => {
                        let args = self.resolve(arg)?;
                        let i = args
                            .get(0)
                            .map(scalar_string)
                            .unwrap_or_default()
                            .parse::<usize>()?;
                        args.get(1)
                            .and_then(|l| l.get(i))
                            .cloned()
                            .ok_or_else(|| anyhow!("Fn::Select index {i} out of range"))
                    }
                    "Fn::Split" => {
                        let args = self.resolve(arg)?;
                        let sep = args.get(0).map(scalar_string).unwrap_or_default();
                        let s = args.get(1).map(scalar_string).unwrap_or_default();
                        Ok(Value::Array(
                            s.split(sep.as_str())
                                .map(|p| Value::String(p.into()))
                                .collect(),
                        ))
                    }
                    _ => Ok(Value::Object(
                        map.iter()
                            .map(|(k, v)| Ok((k.clone(), self.resolve(v)?)))
                            .collect::<anyhow::Result<_>>()?,
                    )),
                }
            }
            Value::Object(map) => Ok(Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.resolve(v)?)))
                    .collect::<anyhow::Result<_>>()?,
            )),
            other => Ok(other.clone()),
        }
    }

    fn sub(&self, arg: &Value) -> anyhow::Result<Value> {
        let (text, vars) = match arg {
            Value::String(s) => (s.clone(), BTreeMap::new()),
            Value::Array(a) => {
                let text = a.first().map(scalar_string).unwrap_or_default();
                let mut vars = BTreeMap::new();
                if let Some(Value::Object(m)) = a.get(1) {
                    for (k, v) in m {
                        vars.insert(k.clone(), scalar_string(&self.resolve(v)?));
                    }
                }
                (text, vars)
            }
            other => bail!("Fn::Sub takes a string or a list, not {other}"),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| anyhow!("unclosed ${{ in Fn::Sub"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(v);
            } else if let Some((r, a)) = name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                out.push_str(&scalar_string(&self.attribute(r, a)?));
            } else {
                out.push_str(&scalar_string(&self.reference(name)?));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = r#"
Parameters:
  Stage: { Type: String, Default: dev }
  Origins: { Type: CommaDelimitedList, Default: "a, b" }
  Secret: { Type: String, NoEcho: true }
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          URL: !Sub "https://${Table}.${AWS::Region}/${Stage}/${Table.Arn}/${!Literal}"
          JOINED: !Join [",", [!Ref Stage, x]]
          LIST: !Ref Origins
          LONG: { "Fn::Sub": ["${A}-${Stage}", { A: !Ref Table }] }
"#;

    fn ctx(t: &Template) -> Context {
        let mut overrides = HashMap::new();
        overrides.insert("Secret".to_owned(), "s".to_owned());
        let mut resources = HashMap::new();
        resources.insert(
            "Table".to_owned(),
            Physical {
                reference: "tbl".into(),
                attributes: HashMap::from([("Arn".to_owned(), Value::from("arn:tbl"))]),
            },
        );
        Context {
            parameters: t.parameters(&overrides).unwrap(),
            resources,
            region: "us-east-1".into(),
            account: "000000000000".into(),
            stack: "sb".into(),
        }
    }

    #[test]
    fn short_forms_resolve_like_cloudformation() {
        let t = Template::parse(T).unwrap();
        let (_, f) = t.resources_of("AWS::Serverless::Function").next().unwrap();
        let env = ctx(&t)
            .resolve(&f["Properties"]["Environment"]["Variables"])
            .unwrap();
        assert_eq!(env["TABLE"], "tbl");
        assert_eq!(env["ARN"], "arn:tbl");
        assert_eq!(env["URL"], "https://tbl.us-east-1/dev/arn:tbl/${Literal}");
        assert_eq!(env["JOINED"], "dev,x");
        assert_eq!(env["LIST"], serde_json::json!(["a", "b"]));
        assert_eq!(env["LONG"], "tbl-dev");
    }

    #[test]
    fn parameters_without_values_are_named() {
        let t = Template::parse(T).unwrap();
        let err = t.parameters(&HashMap::new()).unwrap_err().to_string();
        assert!(err.contains("Secret"), "{err}");
    }
}
