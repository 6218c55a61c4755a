//! Intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`) resolved against parameter values and what
//! each resource is locally, as CloudFormation resolves them at deploy time.

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail};
use serde_json::Value;

use super::document::{Template, scalar_string};

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

/// A context that resolves references without an emulator (route listing,
/// the route and OpenAPI checks): every parameter is empty and every
/// resource's `Ref` is its logical id.
pub fn offline_context(template: &Template, stack: &str) -> Context {
    let mut ctx = Context {
        region: "us-east-1".into(),
        account: "000000000000".into(),
        stack: stack.into(),
        ..Default::default()
    };
    let declared = template
        .doc
        .get("Parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, declaration) in &declared {
        // A parameter's default where it has one (a schedule must parse).
        let default = declaration
            .get("Default")
            .map(scalar_string)
            .unwrap_or_default();
        ctx.parameters.insert(name.clone(), Value::String(default));
    }
    for (id, _, _) in template.resources() {
        let attrs = ["Arn", "StreamArn", "QueueUrl", "QueueName"]
            .iter()
            .map(|a| ((*a).to_owned(), Value::String(format!("{id}.{a}"))))
            .collect();
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String(id.to_owned()),
                attributes: attrs,
            },
        );
    }
    ctx
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
}
