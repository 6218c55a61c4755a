//! Automations over HTTP: staff read them, admins write them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::automations::AutomationInput;
use switchboard_domain::automation::condition::Conditions;
use switchboard_domain::automation::timed::Automation;
use switchboard_domain::kernel::ids::AutomationId;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::{ApiError, Authenticated, Json};

use crate::AppState;

type S = State<Arc<AppState>>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AutomationRequest {
    /// 1 to 120 characters.
    title: Option<String>,
    /// Default `true`.
    active: Option<bool>,
    /// A trigger's conditions about the ticket (not those about a change), and at least one
    /// `{field: "hoursSince", clock: created | updated | solved | status_changed | assigned |
    /// requester_replied | agent_replied, operator: greater_than | less_than, hours,
    /// calendar?}` in `all`.
    #[schema(value_type = Option<Object>)]
    conditions: Option<Conditions>,
    /// A trigger's actions; one must make a condition of `all` false.
    #[schema(value_type = Option<Vec<Object>>)]
    actions: Option<Vec<Action>>,
    /// Where in the order (0 first; default last).
    position: Option<usize>,
}

impl From<AutomationRequest> for AutomationInput {
    fn from(r: AutomationRequest) -> Self {
        AutomationInput {
            title: r.title,
            active: r.active,
            conditions: r.conditions,
            actions: r.actions,
            position: r.position,
        }
    }
}

fn placed(a: &Automation, position: usize) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("position".into(), position.into());
    }
    v
}

#[utoipa::path(
    get,
    path = "/v1/automations",
    tag = "automation",
    responses(
        (status = 200, description = "The automations in the order they run (`items`, `version`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let set = state.automations.list(&principal).await?;
    let items: Vec<_> = set
        .automations
        .iter()
        .enumerate()
        .map(|(i, a)| placed(a, i))
        .collect();
    Ok(versioned(
        set.version,
        serde_json::json!({ "items": items, "version": set.version }),
    ))
}

#[utoipa::path(
    post,
    path = "/v1/automations",
    tag = "automation",
    request_body = AutomationRequest,
    responses((status = 201, description = "The automation with its `position`; `ETag`: the set's version", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<AutomationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (a, at, version) = state
        .automations
        .create(&principal, body.into(), Timestamp::now())
        .await?;
    let location = format!("/v1/automations/{}", a.id);
    Ok(created(&location, Some(version), placed(&a, at)))
}

#[utoipa::path(
    get,
    path = "/v1/automations/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The automation's id")),
    responses((status = 200, description = "The automation with its `position`", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (a, at, version) = state
        .automations
        .get(&principal, path_id::<AutomationId>(&id)?)
        .await?;
    Ok(versioned(version, placed(&a, at)))
}

#[utoipa::path(
    patch,
    path = "/v1/automations/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The automation's id")),
    request_body = AutomationRequest,
    responses((status = 200, description = "The automation with its `position`", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<AutomationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (a, at, version) = state
        .automations
        .update(
            &principal,
            path_id::<AutomationId>(&id)?,
            body.into(),
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(version, placed(&a, at)))
}

#[utoipa::path(
    delete,
    path = "/v1/automations/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The automation's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    state
        .automations
        .delete(
            &principal,
            path_id::<AutomationId>(&id)?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
