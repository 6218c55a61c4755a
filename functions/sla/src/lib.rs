//! The `sla` function: business-hours calendars and SLA policies (staff
//! read, admins change). The package also builds `sla-scheduler` and
//! `sla-worker`, which keep the clocks.

pub mod worker;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use switchboard_domain::kernel::ids::SlaPolicyId;
use switchboard_domain::sla::policy::{Action, Conditions, NamedCalendar, Targets};
use switchboard_domain::sla::settings::{PolicyInput, SlaSettings};
use switchboard_domain::tickets::ticket::Priority;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::routes::Routes;
use switchboard_http::{ApiError, Authenticated, Json};
use switchboard_wiring::Api;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub settings: SlaSettings<switchboard_aws::DynamoStore>,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/business-hours", get_hours)
        .add(Method::PUT, "/v1/business-hours", put_hours)
        .add(Method::GET, "/v1/sla-policies", list)
        .add(Method::POST, "/v1/sla-policies", create)
        .add(Method::GET, "/v1/sla-policies/{id}", get)
        .add(Method::PATCH, "/v1/sla-policies/{id}", update)
        .add(Method::DELETE, "/v1/sla-policies/{id}", delete)
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_hours, put_hours, list, create, get, update, delete))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct HoursRequest {
    /// Named calendars: `{name, timeZone (IANA), week: {monday: [{start: "09:00", end: "17:00"}], …},
    /// holidays: [{date: "2026-12-25", yearly: true}]}`. An interval whose end is not after its
    /// start runs overnight.
    #[schema(value_type = Vec<Object>)]
    calendars: Vec<NamedCalendar>,
}

#[utoipa::path(
    get,
    path = "/v1/business-hours",
    tag = "sla",
    responses(
        (status = 200, description = "The calendars (`calendars`, `version`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn get_hours(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let hours = state.settings.business_hours(&principal).await?;
    Ok(versioned(hours.version, hours))
}

#[utoipa::path(
    put,
    path = "/v1/business-hours",
    tag = "sla",
    request_body = HoursRequest,
    responses(
        (status = 200, description = "The calendars as stored", body = Object),
        (status = "4XX", description = "A problem (RFC 9457); `422 calendar_in_use` when a policy still counts in a removed calendar", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
async fn put_hours(
    State(state): S,
    Authenticated(principal): Authenticated,
    if_match: IfMatch,
    Json(body): Json<HoursRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let hours = state
        .settings
        .put_business_hours(
            &principal,
            body.calendars,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(hours.version, hours))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PolicyRequest {
    name: Option<String>,
    /// Lists that must each match (empty or absent: any): `priorities`, `types`, `channels`,
    /// `teamIds`, `tags` (any of), `requesterDomains`.
    #[schema(value_type = Option<Object>)]
    conditions: Option<Conditions>,
    /// Per priority (`low`…`urgent`): `{firstResponse, nextResponse, resolution}`, each
    /// `{minutes, businessHours?}` (a calendar's name; without one, around the clock).
    #[schema(value_type = Option<Object>)]
    targets: Option<BTreeMap<Priority, Targets>>,
    /// Fraction of a target at which it warns (default 0.75).
    warn_at: Option<f64>,
    /// `{type: raisePriority | assignTeam (teamId) | assignAgent (userId) | addTag (tag) | notify (userId)}`.
    #[schema(value_type = Option<Vec<Object>>)]
    on_warning: Option<Vec<Action>>,
    #[schema(value_type = Option<Vec<Object>>)]
    on_breach: Option<Vec<Action>>,
    /// Where in the order policies are tried (0 first; default last).
    position: Option<usize>,
}

impl From<PolicyRequest> for PolicyInput {
    fn from(r: PolicyRequest) -> Self {
        PolicyInput {
            name: r.name,
            conditions: r.conditions,
            targets: r.targets,
            warn_at: r.warn_at,
            on_warning: r.on_warning,
            on_breach: r.on_breach,
            position: r.position,
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/sla-policies",
    tag = "sla",
    responses(
        (status = 200, description = "The policies in the order they are tried (`items`, `version`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let all = state.settings.policies(&principal).await?;
    Ok(versioned(
        all.version,
        serde_json::json!({ "items": all.policies, "version": all.version }),
    ))
}

#[utoipa::path(
    post,
    path = "/v1/sla-policies",
    tag = "sla",
    request_body = PolicyRequest,
    responses((status = 201, description = "The policy", body = Object), Problems),
    security(("bearer" = [])),
)]
async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<PolicyRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (policy, version) = state
        .settings
        .create_policy(&principal, body.into(), Timestamp::now())
        .await?;
    let location = format!("/v1/sla-policies/{}", policy.id);
    Ok(created(&location, Some(version), policy))
}

#[utoipa::path(
    get,
    path = "/v1/sla-policies/{id}",
    tag = "sla",
    params(("id" = String, Path, description = "The policy's id")),
    responses((status = 200, description = "The policy", body = Object), Problems),
    security(("bearer" = [])),
)]
async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (policy, version) = state
        .settings
        .policy(&principal, path_id::<SlaPolicyId>(&id)?)
        .await?;
    Ok(versioned(version, policy))
}

#[utoipa::path(
    patch,
    path = "/v1/sla-policies/{id}",
    tag = "sla",
    params(("id" = String, Path, description = "The policy's id")),
    request_body = PolicyRequest,
    responses((status = 200, description = "The policy", body = Object), Problems),
    security(("bearer" = [])),
)]
async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<PolicyRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (policy, version) = state
        .settings
        .update_policy(
            &principal,
            path_id::<SlaPolicyId>(&id)?,
            body.into(),
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(version, policy))
}

#[utoipa::path(
    delete,
    path = "/v1/sla-policies/{id}",
    tag = "sla",
    params(("id" = String, Path, description = "The policy's id")),
    responses(
        (status = 204, description = "Deleted; tickets it covered are recomputed on their next change"),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .settings
        .delete_policy(&principal, path_id::<SlaPolicyId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
