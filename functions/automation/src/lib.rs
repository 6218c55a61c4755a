//! The `automation` function: triggers (staff read and try them, admins
//! write them and set their order), automations (admins), macros (agents
//! keep and apply them; admins share them), and assignment (agents'
//! availability and skills, teams' settings). The package also builds
//! `automation-scheduler`, which runs the automations every hour.

mod assignment;
mod automations;
mod macros;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::assignment::settings::AssignmentSettings;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::applying::Macros;
use switchboard_domain::automation::automations::Automations;
use switchboard_domain::automation::condition::Conditions;
use switchboard_domain::automation::trigger::{On, TriggerSet};
use switchboard_domain::automation::triggers::{Placed, TriggerInput, TriggerRules};
use switchboard_domain::kernel::ids::{TicketId, TriggerId};
use switchboard_domain::kernel::validation::FieldError;
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
    pub triggers: TriggerRules<switchboard_aws::DynamoStore>,
    pub macros: Macros<switchboard_aws::DynamoStore>,
    pub assignment: AssignmentSettings<switchboard_aws::DynamoStore>,
    pub automations: Automations<switchboard_aws::DynamoStore>,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/triggers", list)
        .add(Method::POST, "/v1/triggers", create)
        .add(Method::PUT, "/v1/triggers/order", reorder)
        .add(Method::GET, "/v1/triggers/{id}", get)
        .add(Method::PATCH, "/v1/triggers/{id}", update)
        .add(Method::DELETE, "/v1/triggers/{id}", delete)
        .add(Method::POST, "/v1/triggers/{id}/test", test)
        .add(Method::GET, "/v1/automations", automations::list)
        .add(Method::POST, "/v1/automations", automations::create)
        .add(Method::GET, "/v1/automations/{id}", automations::get)
        .add(Method::PATCH, "/v1/automations/{id}", automations::update)
        .add(Method::DELETE, "/v1/automations/{id}", automations::delete)
        .add(Method::GET, "/v1/macros", macros::list)
        .add(Method::POST, "/v1/macros", macros::create)
        .add(Method::GET, "/v1/macros/{id}", macros::get)
        .add(Method::PATCH, "/v1/macros/{id}", macros::update)
        .add(Method::DELETE, "/v1/macros/{id}", macros::delete)
        .add(
            Method::POST,
            "/v1/tickets/{id}/macros/{macroId}/apply",
            macros::apply,
        )
        .add(Method::GET, "/v1/agents", assignment::agents)
        .add(
            Method::PUT,
            "/v1/users/me/availability",
            assignment::own_availability,
        )
        .add(
            Method::PUT,
            "/v1/users/{id}/availability",
            assignment::availability,
        )
        .add(Method::PUT, "/v1/users/{id}/skills", assignment::skills)
        .add(
            Method::GET,
            "/v1/teams/{id}/assignment",
            assignment::get_team,
        )
        .add(
            Method::PUT,
            "/v1/teams/{id}/assignment",
            assignment::put_team,
        )
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    create,
    reorder,
    get,
    update,
    delete,
    test,
    automations::list,
    automations::create,
    automations::get,
    automations::update,
    automations::delete,
    macros::list,
    macros::create,
    macros::get,
    macros::update,
    macros::delete,
    macros::apply,
    assignment::agents,
    assignment::own_availability,
    assignment::availability,
    assignment::skills,
    assignment::get_team,
    assignment::put_team
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TriggerRequest {
    /// 1 to 120 characters.
    title: Option<String>,
    /// Default `true`.
    active: Option<bool>,
    /// The kinds of change it runs on: `ticket.created`, `ticket.updated`, `comment.created`.
    #[schema(value_type = Option<Vec<String>>)]
    on: Option<BTreeSet<On>>,
    /// `{all: [...], any: [...]}`: every condition of `all` and one of `any` (when it has any).
    /// Each `{field, operator, value}`: `status`, `priority`, `type`, `channel` (`is`/`is_not`);
    /// `tags` (`has`/`lacks`); `team`, `assignee`, `requesterOrganization` (`none`, `any` or an
    /// id); `requesterEmail`, `requesterDomain`; `subject`, `body` (`contains`/`not_contains`: any
    /// of the words, whole, any case; "quoted phrases"); `customField` (`key`); `actor`
    /// (`customer`, `agent`, `system`); `changed` (`what`: status, priority, type, assignee,
    /// team, tags, subject; optional `from`, `to`); `businessHours` (`calendar`: a business-hours
    /// calendar's name; `is`: inside it).
    #[schema(value_type = Option<Object>)]
    conditions: Option<Conditions>,
    /// 1 to 20, each `{type, ...}`: `setStatus` (status), `setPriority` (priority), `setType`
    /// (value), `setCustomField` (key, value), `addTags`/`removeTags` (tags), `assignTeam`
    /// (teamId or null), `assignAgent` (userId or null), `autoAssign`, `requireSkills` (skills),
    /// `addNote` (body), `notifyWebhook` (webhookId), `sendEmail` (to: requester, assignee, team
    /// or address; address; subject and body templates), `follow` (userId).
    #[schema(value_type = Option<Vec<Object>>)]
    actions: Option<Vec<Action>>,
    /// Where in the order (0 first; default last).
    position: Option<usize>,
}

impl From<TriggerRequest> for TriggerInput {
    fn from(r: TriggerRequest) -> Self {
        TriggerInput {
            title: r.title,
            active: r.active,
            on: r.on,
            conditions: r.conditions,
            actions: r.actions,
            position: r.position,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct OrderRequest {
    /// Every trigger's id, once, in the order they should run.
    ids: Vec<String>,
}

impl TryFrom<OrderRequest> for Vec<TriggerId> {
    type Error = DomainError;
    fn try_from(r: OrderRequest) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let ids = r
            .ids
            .iter()
            .enumerate()
            .filter_map(|(i, raw)| match raw.parse::<TriggerId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new(
                        format!("ids.{i}"),
                        "invalid_id",
                        "not a trigger id",
                    ));
                    None
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(ids)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TestRequest {
    /// The ticket to try the trigger on, as it is now.
    ticket_id: String,
}

fn listing(set: TriggerSet) -> serde_json::Value {
    let items: Vec<Placed> = set
        .triggers
        .into_iter()
        .enumerate()
        .map(|(position, trigger)| Placed { trigger, position })
        .collect();
    serde_json::json!({ "items": items, "version": set.version })
}

#[utoipa::path(
    get,
    path = "/v1/triggers",
    tag = "automation",
    responses(
        (status = 200, description = "The triggers in the order they run (`items`, `version`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let set = state.triggers.list(&principal).await?;
    Ok(versioned(set.version, listing(set)))
}

#[utoipa::path(
    post,
    path = "/v1/triggers",
    tag = "automation",
    request_body = TriggerRequest,
    responses(
        (status = 201, description = "The trigger with its `position`; `ETag`: the set's version", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<TriggerRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (placed, version) = state
        .triggers
        .create(&principal, body.into(), Timestamp::now())
        .await?;
    let location = format!("/v1/triggers/{}", placed.trigger.id);
    Ok(created(&location, Some(version), placed))
}

#[utoipa::path(
    put,
    path = "/v1/triggers/order",
    tag = "automation",
    request_body = OrderRequest,
    responses(
        (status = 200, description = "The triggers in their new order (`items`, `version`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn reorder(
    State(state): S,
    Authenticated(principal): Authenticated,
    if_match: IfMatch,
    Json(body): Json<OrderRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let ids = Vec::<TriggerId>::try_from(body)?;
    let set = state
        .triggers
        .reorder(&principal, ids, if_match.version(), Timestamp::now())
        .await?;
    Ok(versioned(set.version, listing(set)))
}

#[utoipa::path(
    get,
    path = "/v1/triggers/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The trigger's id")),
    responses((status = 200, description = "The trigger with its `position`", body = Object), Problems),
    security(("bearer" = [])),
)]
async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (placed, version) = state
        .triggers
        .get(&principal, path_id::<TriggerId>(&id)?)
        .await?;
    Ok(versioned(version, placed))
}

#[utoipa::path(
    patch,
    path = "/v1/triggers/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The trigger's id")),
    request_body = TriggerRequest,
    responses((status = 200, description = "The trigger with its `position`", body = Object), Problems),
    security(("bearer" = [])),
)]
async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<TriggerRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (placed, version) = state
        .triggers
        .update(
            &principal,
            path_id::<TriggerId>(&id)?,
            body.into(),
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(version, placed))
}

#[utoipa::path(
    delete,
    path = "/v1/triggers/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The trigger's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    state
        .triggers
        .delete(
            &principal,
            path_id::<TriggerId>(&id)?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/triggers/{id}/test",
    tag = "automation",
    params(("id" = String, Path, description = "The trigger's id")),
    request_body = TestRequest,
    responses(
        (status = 200, description = "What the trigger would do to the ticket as it is now, written nowhere: `matches`, `conditions` (each with `met`), `changes`, `notes`, `webhooks`, `skipped`", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn test(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<TestRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let ticket = body
        .ticket_id
        .parse::<TicketId>()
        .map_err(|_| DomainError::field("ticketId", "invalid_id", "not a ticket id"))?;
    let trial = state
        .triggers
        .trial(
            &principal,
            path_id::<TriggerId>(&id)?,
            ticket,
            Timestamp::now(),
        )
        .await?;
    Ok(Json(trial))
}
