//! The `teams` function: teams of agents that tickets are routed to.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::{NewTeam, TeamPatch};
use switchboard_domain::accounts::team::{parse_description, parse_members, parse_team_name};
use switchboard_domain::kernel::ids::TeamId;
use switchboard_domain::kernel::validation::Validator;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::routes::Routes;
use switchboard_http::views::{ListView, TeamView};
use switchboard_http::{ApiError, Authenticated, Json};
use switchboard_wiring::Api;
use switchboard_wiring::services::DirectoryService;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub directory: DirectoryService,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/teams", list_teams)
        .add(Method::POST, "/v1/teams", create_team)
        .add(Method::GET, "/v1/teams/{id}", get_team)
        .add(Method::PATCH, "/v1/teams/{id}", update_team)
        .add(Method::DELETE, "/v1/teams/{id}", delete_team)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_teams, create_team, get_team, update_team, delete_team))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TeamRequest {
    name: Option<String>,
    description: Option<String>,
    members: Option<Vec<String>>,
}

impl TryFrom<TeamRequest> for NewTeam {
    type Error = DomainError;

    fn try_from(r: TeamRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.field("name", parse_team_name(r.name.as_deref().unwrap_or("")));
        let description = v.optional("description", r.description, |d| parse_description(&d));
        let members = v.optional("members", r.members, |m| parse_members(&m));
        v.finish()?;
        match (name, description, members) {
            (Some(name), Some(description), Some(members)) => Ok(NewTeam {
                name,
                description: description.unwrap_or_default(),
                members: members.unwrap_or_default(),
            }),
            _ => Err(DomainError::Internal("validated team is incomplete".into())),
        }
    }
}

impl TryFrom<TeamRequest> for TeamPatch {
    type Error = DomainError;

    fn try_from(r: TeamRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let patch = TeamPatch {
            name: v
                .optional("name", r.name, |n| parse_team_name(&n))
                .flatten(),
            description: v
                .optional("description", r.description, |d| parse_description(&d))
                .flatten(),
            members: v
                .optional("members", r.members, |m| parse_members(&m))
                .flatten(),
        };
        v.finish()?;
        Ok(patch)
    }
}

#[utoipa::path(
    get,
    path = "/v1/teams",
    tag = "teams",
    responses((status = 200, body = ListView<TeamView>), Problems),
    security(("bearer" = [])),
)]
async fn list_teams(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<ListView<TeamView>>, ApiError> {
    let teams = state.directory.list_teams(&principal).await?;
    Ok(Json(ListView {
        items: teams.iter().map(TeamView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/teams",
    tag = "teams",
    request_body = TeamRequest,
    responses((status = 201, body = TeamView), Problems),
    security(("bearer" = [])),
)]
async fn create_team(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<TeamRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let team = state
        .directory
        .create_team(&principal, body.try_into()?, Timestamp::now())
        .await?;
    let location = format!("/v1/teams/{}", team.id);
    Ok(created(
        &location,
        Some(team.version),
        TeamView::from(&team),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/teams/{id}",
    tag = "teams",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TeamView), Problems),
    security(("bearer" = [])),
)]
async fn get_team(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let team = state
        .directory
        .get_team(&principal, path_id::<TeamId>(&id)?)
        .await?;
    Ok(versioned(team.version, TeamView::from(&team)))
}

#[utoipa::path(
    patch,
    path = "/v1/teams/{id}",
    tag = "teams",
    request_body = TeamRequest,
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TeamView), Problems),
    security(("bearer" = [])),
)]
async fn update_team(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<TeamRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let team = state
        .directory
        .update_team(
            &principal,
            path_id::<TeamId>(&id)?,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(team.version, TeamView::from(&team)))
}

#[utoipa::path(
    delete,
    path = "/v1/teams/{id}",
    tag = "teams",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
async fn delete_team(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .directory
        .delete_team(&principal, path_id::<TeamId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
