//! Assignment over HTTP: agents' availability and skills, and how each
//! team hands out its tickets.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::assignment::agent::{Availability, Skill};
use switchboard_domain::assignment::settings::{Strategy, TeamAssignment};
use switchboard_domain::kernel::ids::{TeamId, UserId};
use switchboard_domain::kernel::validation::FieldError;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::views::ListView;
use switchboard_http::{ApiError, Authenticated, Json};

use crate::AppState;

type S = State<Arc<AppState>>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AvailabilityRequest {
    /// `online`, `away` or `offline`.
    #[schema(value_type = String)]
    status: Availability,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkillsRequest {
    /// At most 30, each 1 to 30 letters, digits, `-`, `_` or `.`.
    skills: Vec<String>,
}

impl TryFrom<SkillsRequest> for BTreeSet<Skill> {
    type Error = DomainError;
    fn try_from(r: SkillsRequest) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let skills = r
            .skills
            .iter()
            .enumerate()
            .filter_map(|(i, raw)| match Skill::parse(raw) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.push(FieldError::new(format!("skills.{i}"), e.code, e.message));
                    None
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(skills)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AssignmentRequest {
    /// `manual` (people assign), `round_robin` (the member who got a ticket the longest ago),
    /// `least_busy` (the member holding the fewest unsolved tickets).
    #[schema(value_type = String)]
    strategy: Strategy,
    /// At most this many unsolved tickets each (1 to 1,000; absent: no cap).
    max_open_per_agent: Option<u32>,
    /// Only agents who are online (default `true`).
    only_available: Option<bool>,
    /// Only agents with every skill a ticket requires, its `skill:` tags (default `true`).
    require_skills: Option<bool>,
}

impl From<AssignmentRequest> for TeamAssignment {
    fn from(r: AssignmentRequest) -> Self {
        TeamAssignment {
            strategy: r.strategy,
            max_open_per_agent: r.max_open_per_agent,
            only_available: r.only_available.unwrap_or(true),
            require_skills: r.require_skills.unwrap_or(true),
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/agents",
    tag = "automation",
    responses(
        (status = 200, description = "Agents in a team or with something recorded: `userId`, `availability`, `skills`, `open` (unsolved tickets held), `lastAssignedAt` (`items`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn agents(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let items = state.assignment.agents(&principal).await?;
    Ok(Json(ListView { items }))
}

#[utoipa::path(
    put,
    path = "/v1/users/me/availability",
    tag = "automation",
    request_body = AvailabilityRequest,
    responses((status = 200, description = "`{status}` as set", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn own_availability(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<AvailabilityRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let me = principal.user_id().ok_or(DomainError::Forbidden)?;
    let status = state
        .assignment
        .set_availability(&principal, me, body.status, Timestamp::now())
        .await?;
    Ok(Json(serde_json::json!({ "status": status })))
}

#[utoipa::path(
    put,
    path = "/v1/users/{id}/availability",
    tag = "automation",
    params(("id" = String, Path, description = "The agent's id")),
    request_body = AvailabilityRequest,
    responses((status = 200, description = "`{status}` as set (admins, or the agent themselves)", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn availability(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<AvailabilityRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let status = state
        .assignment
        .set_availability(
            &principal,
            path_id::<UserId>(&id)?,
            body.status,
            Timestamp::now(),
        )
        .await?;
    Ok(Json(serde_json::json!({ "status": status })))
}

#[utoipa::path(
    put,
    path = "/v1/users/{id}/skills",
    tag = "automation",
    params(("id" = String, Path, description = "The agent's id")),
    request_body = SkillsRequest,
    responses((status = 200, description = "`{skills}` as set (admins)", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn skills(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<SkillsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let skills = BTreeSet::<Skill>::try_from(body)?;
    let skills = state
        .assignment
        .set_skills(&principal, path_id::<UserId>(&id)?, skills)
        .await?;
    Ok(Json(serde_json::json!({ "skills": skills })))
}

#[utoipa::path(
    get,
    path = "/v1/teams/{id}/assignment",
    tag = "automation",
    params(("id" = String, Path, description = "The team's id")),
    responses((status = 200, description = "How the team hands out its tickets", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get_team(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let settings = state
        .assignment
        .team_assignment(&principal, path_id::<TeamId>(&id)?)
        .await?;
    Ok(Json(settings))
}

#[utoipa::path(
    put,
    path = "/v1/teams/{id}/assignment",
    tag = "automation",
    params(("id" = String, Path, description = "The team's id")),
    request_body = AssignmentRequest,
    responses((status = 200, description = "The settings as stored; the team's queue is handed out as members have room", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn put_team(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<AssignmentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let settings = state
        .assignment
        .put_team_assignment(
            &principal,
            path_id::<TeamId>(&id)?,
            body.into(),
            Timestamp::now(),
        )
        .await?;
    Ok(Json(settings))
}
