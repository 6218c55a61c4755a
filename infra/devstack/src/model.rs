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
    /// `Type: DynamoDB` events: stream mappings.
    pub stream_sources: Vec<StreamSource>,
    /// `Type: SQS` events: queue mappings.
    pub queue_sources: Vec<QueueSource>,
    /// `Type: Schedule`/`ScheduleV2` events: (event name, schedule).
    pub schedules: Vec<(String, crate::schedules::Schedule)>,
}

/// An SQS event-source mapping.
#[derive(Debug, Clone)]
pub struct QueueSource {
    pub event: String,
    pub queue_arn: String,
    /// 1 to 10 000 (Lambda's limit); receives are of 10 at most.
    pub batch_size: usize,
    pub batching_window: Duration,
    pub report_item_failures: bool,
    /// Batches in flight at once (`ScalingConfig.MaximumConcurrency`).
    pub max_concurrency: usize,
    pub filters: Vec<Value>,
}

/// A DynamoDB stream event-source mapping, as Lambda runs it.
#[derive(Debug, Clone)]
pub struct StreamSource {
    pub event: String,
    pub stream_arn: String,
    /// `LATEST` or `TRIM_HORIZON`.
    pub starting_position: String,
    pub batch_size: usize,
    pub batching_window: Duration,
    pub bisect_on_error: bool,
    /// `None`: retry until the record expires.
    pub max_retries: Option<u32>,
    pub max_record_age: Option<Duration>,
    pub report_item_failures: bool,
    /// Event filter patterns; a record passes if any matches.
    pub filters: Vec<Value>,
    /// The on-failure destination (an SQS queue ARN).
    pub on_failure: Option<String>,
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
                let schedule = crate::schedules::Schedule::parse(&expression)
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

/// A mapping's `FilterCriteria` patterns, checked to be ones devstack can apply.
fn filters_of(event: &str, p: &Value) -> anyhow::Result<Vec<Value>> {
    let filters = p
        .pointer("/FilterCriteria/Filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| {
            let pattern = f.get("Pattern").map(scalar_string).unwrap_or_default();
            serde_json::from_str::<Value>(&pattern)
                .with_context(|| format!("{event}: filter pattern is not JSON"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for f in &filters {
        crate::filter::check(f).with_context(|| format!("{event}: filter pattern"))?;
    }
    Ok(filters)
}

fn queue_source(event: &str, p: &Value) -> anyhow::Result<QueueSource> {
    let number = |k: &str| {
        p.pointer(k)
            .map(scalar_string)
            .and_then(|s| s.parse::<u64>().ok())
    };
    Ok(QueueSource {
        event: event.to_owned(),
        queue_arn: p
            .get("Queue")
            .map(scalar_string)
            .ok_or_else(|| anyhow!("{event}: Queue is required"))?,
        batch_size: number("/BatchSize")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(10),
        batching_window: Duration::from_secs(
            number("/MaximumBatchingWindowInSeconds").unwrap_or(0),
        ),
        report_item_failures: p
            .get("FunctionResponseTypes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t == "ReportBatchItemFailures")),
        max_concurrency: number("/ScalingConfig/MaximumConcurrency")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(2),
        filters: filters_of(event, p)?,
    })
}

fn stream_source(event: &str, p: &Value) -> anyhow::Result<StreamSource> {
    let text = |k: &str| p.get(k).map(scalar_string);
    let number = |k: &str| text(k).and_then(|s| s.parse::<i64>().ok());
    let filters = filters_of(event, p)?;
    Ok(StreamSource {
        event: event.to_owned(),
        stream_arn: text("Stream").ok_or_else(|| anyhow!("{event}: Stream is required"))?,
        starting_position: text("StartingPosition").unwrap_or_else(|| "LATEST".into()),
        batch_size: number("BatchSize")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(100),
        batching_window: Duration::from_secs(
            number("MaximumBatchingWindowInSeconds")
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
        ),
        bisect_on_error: text("BisectBatchOnFunctionError").as_deref() == Some("true"),
        max_retries: number("MaximumRetryAttempts")
            .filter(|n| *n >= 0)
            .and_then(|n| u32::try_from(n).ok()),
        max_record_age: number("MaximumRecordAgeInSeconds")
            .filter(|n| *n > 0)
            .and_then(|n| u64::try_from(n).ok())
            .map(Duration::from_secs),
        report_item_failures: p
            .get("FunctionResponseTypes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t == "ReportBatchItemFailures")),
        filters,
        on_failure: p
            .pointer("/DestinationConfig/OnFailure/Destination")
            .map(scalar_string),
    })
}

/// The template's WebSocket API, as devstack serves it.
#[derive(Debug, Clone)]
pub struct WebSocketApi {
    /// The API id (what `Ref` gives).
    pub id: String,
    pub stage: String,
    /// The body path of `$request.body.<path>`.
    pub selection_path: Vec<String>,
    /// Route key (`$connect`, `$default`, `subscribe`…) → function logical id.
    pub routes: BTreeMap<String, String>,
}

/// The WebSocket API, if the template has one.
pub fn websocket_api(
    t: &Template,
    ctx: &Context,
    functions: &[Function],
) -> anyhow::Result<Option<WebSocketApi>> {
    let apis: Vec<_> = t
        .resources_of(crate::provision::WEBSOCKET_API)
        .filter(|(_, r)| {
            r.pointer("/Properties/ProtocolType")
                .and_then(Value::as_str)
                == Some("WEBSOCKET")
        })
        .collect();
    let Some((api_id, api)) = apis.first() else {
        return Ok(None);
    };
    if apis.len() > 1 {
        anyhow::bail!(
            "devstack serves one WebSocket API; the template has {}",
            apis.len()
        );
    }
    let props = ctx.resolve(api.get("Properties").unwrap_or(&Value::Null))?;
    let expression = props
        .get("RouteSelectionExpression")
        .map(scalar_string)
        .unwrap_or_default();
    let selection_path = expression
        .strip_prefix("$request.body.")
        .ok_or_else(|| anyhow!("{api_id}: only $request.body.* route selection is supported"))?
        .split('.')
        .map(str::to_owned)
        .collect();
    let id = ctx
        .resolve(&serde_json::json!({"Ref": api_id}))
        .map(|v| scalar_string(&v))?;
    let belongs = |r: &Value| -> anyhow::Result<bool> {
        let p = r.get("Properties").cloned().unwrap_or_default();
        let api = p.get("ApiId").map(|v| ctx.resolve(v)).transpose()?;
        Ok(api.map(|v| scalar_string(&v)).as_deref() == Some(id.as_str()))
    };
    let mut stage = None;
    for (_, r) in t.resources_of(crate::provision::STAGE) {
        if belongs(r)? {
            let p = ctx.resolve(r.get("Properties").unwrap_or(&Value::Null))?;
            stage = p.get("StageName").map(scalar_string);
        }
    }
    let stage = stage.ok_or_else(|| anyhow!("{api_id} has no stage"))?;
    let mut routes = BTreeMap::new();
    for (route_id, r) in t.resources_of("AWS::ApiGatewayV2::Route") {
        if !belongs(r)? {
            continue;
        }
        let p = ctx.resolve(r.get("Properties").unwrap_or(&Value::Null))?;
        let key = p.get("RouteKey").map(scalar_string).unwrap_or_default();
        let target = p.get("Target").map(scalar_string).unwrap_or_default();
        let integration = target
            .strip_prefix("integrations/")
            .ok_or_else(|| anyhow!("{route_id}: Target must be integrations/{{id}}"))?;
        let uri = t
            .doc
            .pointer(&format!(
                "/Resources/{integration}/Properties/IntegrationUri"
            ))
            .map(|v| ctx.resolve(v))
            .transpose()?
            .map(|v| scalar_string(&v))
            .ok_or_else(|| {
                anyhow!("{route_id}: integration {integration} has no IntegrationUri")
            })?;
        let function = functions
            .iter()
            .find(|f| uri.contains(&format!(":function:{}/", f.name)))
            .ok_or_else(|| anyhow!("{route_id}: no function behind {uri}"))?;
        routes.insert(key, function.logical_id.clone());
    }
    Ok(Some(WebSocketApi {
        id,
        stage,
        selection_path,
        routes,
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
