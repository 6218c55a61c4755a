//! Functions as devstack runs them: SAM `Globals` merged into each
//! function's properties, intrinsics resolved, and its events sorted into
//! HTTP routes, stream and queue mappings and schedules.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use serde_json::Value;

use super::document::{Template, scalar_string};
use super::http::HttpRoute;
use super::kinds::FUNCTION;
use super::mappings::{QueueSource, StreamSource, queue_source, stream_source};
use super::resolve::Context;
use super::schedule::Schedule;

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
    /// `Type: DynamoDB` events: stream mappings.
    pub stream_sources: Vec<StreamSource>,
    /// `Type: SQS` events: queue mappings.
    pub queue_sources: Vec<QueueSource>,
    /// `Type: Schedule`/`ScheduleV2` events: (event name, schedule).
    pub schedules: Vec<(String, Schedule)>,
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
        let mut stream_sources = Vec::new();
        let mut queue_sources = Vec::new();
        let mut schedules = Vec::new();
        for (event_id, event) in merged
            .get("Events")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if matches!(
                event.get("Type").and_then(Value::as_str),
                Some("Schedule" | "ScheduleV2")
            ) {
                let p = event.get("Properties").cloned().unwrap_or_default();
                let enabled = p.get("Enabled").and_then(Value::as_bool).unwrap_or(true)
                    && p.get("State").and_then(Value::as_str) != Some("DISABLED");
                let expression = p
                    .get("Schedule")
                    .or_else(|| p.get("ScheduleExpression"))
                    .map(scalar_string)
                    .ok_or_else(|| anyhow!("{id}.{event_id}: no schedule expression"))?;
                let schedule = Schedule::parse(&expression)
                    .with_context(|| format!("{id}.{event_id}: {expression}"))?;
                if enabled {
                    schedules.push((event_id.clone(), schedule));
                }
            }
            if event.get("Type").and_then(Value::as_str) == Some("SQS") {
                let p = event.get("Properties").cloned().unwrap_or_default();
                queue_sources.push(queue_source(event_id, &p)?);
            }
            if event.get("Type").and_then(Value::as_str) == Some("DynamoDB") {
                let p = event.get("Properties").cloned().unwrap_or_default();
                stream_sources.push(stream_source(event_id, &p)?);
            }
            if event.get("Type").and_then(Value::as_str) == Some("HttpApi") {
                let p = event.get("Properties").cloned().unwrap_or_default();
                http_routes.push(HttpRoute::of_event(event_id, &p));
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
            stream_sources,
            queue_sources,
            schedules,
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::template::{Physical, cors};

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
            Physical {
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
