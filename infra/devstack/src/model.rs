//! The parts of the template devstack runs: functions (with SAM Globals
//! merged), their triggers, and the HTTP API's CORS configuration.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use serde_json::Value;

use crate::template::{Context, Template, scalar_string};

pub const FUNCTION: &str = "AWS::Serverless::Function";
pub const HTTP_API: &str = "AWS::Serverless::HttpApi";

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    /// The deployed function's name (`{stack}-{logical id}` locally).
    pub name: String,
    /// The cargo binary: `Metadata.BuildProperties.Binary`.
    pub binary: String,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub http_routes: Vec<HttpRoute>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    pub method: String,
    pub path: String,
    /// The logical id of the event in the template, for messages.
    pub event: String,
}

impl HttpRoute {
    /// API Gateway's route key: `GET /v1/tickets/{id}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}

impl Cors {
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|o| o == "*" || o == origin)
    }
}

pub fn function_name(stack: &str, logical_id: &str) -> String {
    format!("{stack}-{logical_id}")
}

/// Every function of the template, resolved against `ctx`.
pub fn functions(t: &Template, ctx: &Context) -> anyhow::Result<Vec<Function>> {
    let globals = t
        .doc
        .pointer("/Globals/Function")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let mut out = Vec::new();
    for (id, resource) in t.resources_of(FUNCTION) {
        let props = resource.get("Properties").cloned().unwrap_or_default();
        let merged = ctx
            .resolve(&merge_globals(&globals, &props))
            .with_context(|| format!("resolving {id}"))?;
        let binary = resource
            .pointer("/Metadata/BuildProperties/Binary")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("{id}: Metadata.BuildProperties.Binary is required"))?
            .to_owned();
        let environment = merged
            .pointer("/Environment/Variables")
            .and_then(Value::as_object)
            .map(|vars| {
                vars.iter()
                    .map(|(k, v)| (k.clone(), scalar_string(v)))
                    .collect()
            })
            .unwrap_or_default();
        let mut http_routes = Vec::new();
        for (event_id, event) in merged
            .get("Events")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if event.get("Type").and_then(Value::as_str) == Some("HttpApi") {
                let p = event.get("Properties").cloned().unwrap_or_default();
                http_routes.push(HttpRoute {
                    method: p
                        .get("Method")
                        .map(scalar_string)
                        .unwrap_or_else(|| "ANY".into())
                        .to_uppercase(),
                    path: p
                        .get("Path")
                        .map(scalar_string)
                        .unwrap_or_else(|| "$default".into()),
                    event: event_id.clone(),
                });
            }
        }
        out.push(Function {
            logical_id: id.to_owned(),
            name: function_name(&ctx.stack, id),
            binary,
            environment,
            timeout: Duration::from_secs(
                merged
                    .get("Timeout")
                    .map(scalar_string)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(3),
            ),
            memory_mb: merged
                .get("MemorySize")
                .map(scalar_string)
                .and_then(|s| s.parse().ok())
                .unwrap_or(128),
            http_routes,
        });
    }
    out.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    Ok(out)
}

/// SAM's Globals rule: function properties win; maps (Environment
/// variables) are merged key by key.
fn merge_globals(globals: &Value, props: &Value) -> Value {
    match (globals, props) {
        (Value::Object(g), Value::Object(p)) => {
            let mut out = g.clone();
            for (k, v) in p {
                let merged = match out.get(k) {
                    Some(gv @ Value::Object(_)) if v.is_object() => merge_globals(gv, v),
                    _ => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (_, p) => p.clone(),
    }
}

/// The HTTP API's CORS configuration, if it has one.
pub fn cors(t: &Template, ctx: &Context) -> anyhow::Result<Option<Cors>> {
    let Some((_, api)) = t.resources_of(HTTP_API).next() else {
        return Ok(None);
    };
    let Some(c) = api.pointer("/Properties/CorsConfiguration") else {
        return Ok(None);
    };
    let c = ctx.resolve(c)?;
    let list = |k: &str| -> Vec<String> {
        match c.get(k) {
            Some(Value::Array(a)) => a.iter().map(scalar_string).collect(),
            Some(v) => scalar_string(v)
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect(),
            None => Vec::new(),
        }
    };
    Ok(Some(Cors {
        allow_origins: list("AllowOrigins"),
        allow_methods: list("AllowMethods")
            .into_iter()
            .map(|m| m.to_uppercase())
            .collect(),
        allow_headers: list("AllowHeaders")
            .into_iter()
            .map(|h| h.to_lowercase())
            .collect(),
        expose_headers: list("ExposeHeaders")
            .into_iter()
            .map(|h| h.to_lowercase())
            .collect(),
        max_age: c
            .get("MaxAge")
            .map(scalar_string)
            .and_then(|s| s.parse().ok()),
        allow_credentials: c
            .get("AllowCredentials")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn globals_merge_into_functions_and_routes_are_collected() {
        let t = Template::parse(
            r#"
Globals:
  Function:
    Timeout: 10
    MemorySize: 256
    Environment: { Variables: { A: global, B: global } }
Resources:
  Api: { Type: AWS::Serverless::HttpApi, Properties: { CorsConfiguration: { AllowOrigins: [ "http://x" ], MaxAge: 60 } } }
  AuthFunction:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: auth } }
    Properties:
      MemorySize: 512
      Environment: { Variables: { B: mine, C: !Ref AWS::Region } }
      Events:
        Login: { Type: HttpApi, Properties: { ApiId: !Ref Api, Method: post, Path: /v1/auth/login } }
"#,
        )
        .unwrap();
        let mut resources = HashMap::new();
        resources.insert(
            "Api".to_owned(),
            crate::template::Physical {
                reference: "api".into(),
                attributes: HashMap::new(),
            },
        );
        let ctx = Context {
            region: "eu-west-1".into(),
            stack: "sb".into(),
            resources,
            ..Default::default()
        };
        let fs = functions(&t, &ctx).unwrap();
        let f = &fs[0];
        assert_eq!(
            (f.name.as_str(), f.binary.as_str()),
            ("sb-AuthFunction", "auth")
        );
        assert_eq!((f.timeout, f.memory_mb), (Duration::from_secs(10), 512));
        assert_eq!(f.environment["A"], "global");
        assert_eq!(f.environment["B"], "mine");
        assert_eq!(f.environment["C"], "eu-west-1");
        assert_eq!(f.http_routes[0].key(), "POST /v1/auth/login");
        let c = cors(&t, &ctx).unwrap().unwrap();
        assert!(c.allows_origin("http://x") && !c.allows_origin("http://y"));
        assert_eq!(c.max_age, Some(60));
    }
}
