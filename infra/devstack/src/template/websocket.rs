//! The WebSocket API (`AWS::ApiGatewayV2::*` with `ProtocolType:
//! WEBSOCKET`): its id, stage, route selection and the function behind
//! each route.

use std::collections::BTreeMap;

use anyhow::anyhow;
use serde_json::Value;

use super::document::{Template, scalar_string};
use super::function::Function;
use super::kinds::{ROUTE, STAGE, WEBSOCKET_API};
use super::resolve::Context;

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

/// The template's `AWS::ApiGatewayV2::Api`s of `ProtocolType: WEBSOCKET`.
fn websocket_apis(t: &Template) -> impl Iterator<Item = (&str, &Value)> {
    t.resources_of(WEBSOCKET_API).filter(|(_, r)| {
        r.pointer("/Properties/ProtocolType")
            .and_then(Value::as_str)
            == Some("WEBSOCKET")
    })
}

/// Whether the template declares a WebSocket API (known before anything is
/// resolved, so that its port can be bound first).
pub fn has_websocket_api(t: &Template) -> bool {
    websocket_apis(t).next().is_some()
}

/// The WebSocket API, if the template has one.
pub fn websocket_api(
    t: &Template,
    ctx: &Context,
    functions: &[Function],
) -> anyhow::Result<Option<WebSocketApi>> {
    let apis: Vec<_> = websocket_apis(t).collect();
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
    for (_, r) in t.resources_of(STAGE) {
        if belongs(r)? {
            let p = ctx.resolve(r.get("Properties").unwrap_or(&Value::Null))?;
            stage = p.get("StageName").map(scalar_string);
        }
    }
    let stage = stage.ok_or_else(|| anyhow!("{api_id} has no stage"))?;
    let mut routes = BTreeMap::new();
    for (route_id, r) in t.resources_of(ROUTE) {
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
