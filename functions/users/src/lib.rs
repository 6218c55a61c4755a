//! The `users` function: the people of a helpdesk (agents, admins,
//! customers) and the API keys integrators use.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::accounts::api_key::parse_key_role;
use switchboard_domain::accounts::input::NewApiKey;
use switchboard_domain::accounts::input::NewUser;
use switchboard_domain::accounts::input::UserPatch;
use switchboard_domain::accounts::input::parse_role;
use switchboard_domain::accounts::input::parse_scopes;
use switchboard_domain::accounts::input::parse_status;
use switchboard_domain::accounts::organization::parse_notes;
use switchboard_domain::accounts::user::Email;
use switchboard_domain::accounts::user::Password;
use switchboard_domain::accounts::user::parse_person_name;
use switchboard_domain::kernel::error::DomainError;
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::ids::{ApiKeyId, UserId};
use switchboard_domain::kernel::validation::Validator;
use switchboard_domain::kernel::validation::bounded_text;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::created;
use switchboard_http::routes::Routes;
use switchboard_http::views::{ApiKeyView, ListView, PageView, UserView};
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;
use switchboard_wiring::services::{
    DirectoryService, OrganizationsService, PersonalDataService, TicketingService,
};

mod organizations;
mod personal_data;
mod profile;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub directory: DirectoryService,
    pub organizations: OrganizationsService,
    /// For people's profiles: their tickets in numbers.
    pub tickets: TicketingService,
    /// Exports and erasures of a person's data.
    pub personal_data: PersonalDataService,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/users", list_users)
        .add(Method::POST, "/v1/users", create_user)
        .add(Method::GET, "/v1/users/{id}", get_user)
        .add(Method::PATCH, "/v1/users/{id}", update_user)
        .add(Method::DELETE, "/v1/users/{id}", deactivate_user)
        .add(Method::POST, "/v1/users/{id}/export", personal_data::export)
        .add(Method::POST, "/v1/users/{id}/erase", personal_data::erase)
        .add(Method::GET, "/v1/jobs/{id}", personal_data::get_job)
        .add(
            Method::PUT,
            "/v1/users/{id}/organization",
            organizations::set_membership,
        )
        .add(Method::GET, "/v1/organizations", organizations::list)
        .add(Method::POST, "/v1/organizations", organizations::create)
        .add(Method::GET, "/v1/organizations/{id}", organizations::get)
        .add(
            Method::PATCH,
            "/v1/organizations/{id}",
            organizations::update,
        )
        .add(
            Method::DELETE,
            "/v1/organizations/{id}",
            organizations::delete,
        )
        .add(Method::GET, "/v1/api-keys", list_api_keys)
        .add(Method::POST, "/v1/api-keys", create_api_key)
        .add(Method::DELETE, "/v1/api-keys/{id}", revoke_api_key)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_users,
    create_user,
    get_user,
    update_user,
    deactivate_user,
    personal_data::export,
    personal_data::erase,
    personal_data::get_job,
    organizations::set_membership,
    organizations::list,
    organizations::create,
    organizations::get,
    organizations::update,
    organizations::delete,
    list_api_keys,
    create_api_key,
    revoke_api_key
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListUsersQuery {
    role: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/users",
    tag = "users",
    params(ListUsersQuery),
    responses((status = 200, body = PageView<UserView>), Problems),
    security(("bearer" = [])),
)]
async fn list_users(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<ListUsersQuery>,
) -> Result<Json<PageView<UserView>>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let users = state
        .directory
        .list_users(&principal, q.role.as_deref(), &page)
        .await?;
    Ok(Json(PageView::from_page(users, |u| UserView::from(u))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUserRequest {
    name: String,
    email: String,
    role: String,
    password: Option<String>,
}

impl TryFrom<NewUserRequest> for NewUser {
    type Error = DomainError;

    fn try_from(r: NewUserRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.field("name", parse_person_name(&r.name));
        let email = v.field("email", Email::parse(&r.email));
        let role = v.field("role", parse_role(&r.role));
        let password = v.optional("password", r.password, Password::parse);
        v.finish()?;
        match (name, email, role, password) {
            (Some(name), Some(email), Some(role), Some(password)) => Ok(NewUser {
                name,
                email,
                role,
                password,
            }),
            _ => Err(DomainError::Internal("validated user is incomplete".into())),
        }
    }
}

#[utoipa::path(
    post,
    path = "/v1/users",
    tag = "users",
    request_body = NewUserRequest,
    responses((status = 201, body = UserView), Problems),
    security(("bearer" = [])),
)]
async fn create_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<NewUserRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = NewUser::try_from(body)?;
    let user = state
        .directory
        .create_user(&principal, input, Timestamp::now())
        .await?;
    let location = format!("/v1/users/{}", user.id);
    Ok(created(
        &location,
        Some(user.version),
        UserView::from(&user),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    tag = "users",
    description = "A person. Staff get their profile too: staff's private `notes`, their `organization` \
(`{id, name}`), and their `tickets` in numbers (`open`, `counted` of their latest 200, `more`, `lastActivityAt`). \
Customers read only themselves, without those.",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = profile::ProfileView), Problems),
    security(("bearer" = [])),
)]
async fn get_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let user = state
        .directory
        .get_user(&principal, path_id::<UserId>(&id)?)
        .await?;
    profile::person(&state, &principal, &user).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UserPatchRequest {
    name: Option<String>,
    email: Option<String>,
    role: Option<String>,
    status: Option<String>,
    /// Staff's private notes about the person (up to 10,000 characters;
    /// shown to staff only).
    notes: Option<String>,
}

impl TryFrom<UserPatchRequest> for UserPatch {
    type Error = DomainError;

    fn try_from(r: UserPatchRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let patch = UserPatch {
            name: v
                .optional("name", r.name, |n| parse_person_name(&n))
                .flatten(),
            email: v.optional("email", r.email, |e| Email::parse(&e)).flatten(),
            role: v.optional("role", r.role, |r| parse_role(&r)).flatten(),
            status: v
                .optional("status", r.status, |s| parse_status(&s))
                .flatten(),
            notes: v.optional("notes", r.notes, |n| parse_notes(&n)).flatten(),
        };
        v.finish()?;
        Ok(patch)
    }
}

#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    tag = "users",
    request_body = UserPatchRequest,
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = profile::ProfileView), Problems),
    security(("bearer" = [])),
)]
async fn update_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<UserPatchRequest>,
) -> Result<axum::response::Response, ApiError> {
    let input = UserPatch::try_from(body)?;
    let user = state
        .directory
        .update_user(
            &principal,
            path_id::<UserId>(&id)?,
            input,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    profile::person(&state, &principal, &user).await
}

#[utoipa::path(
    delete,
    path = "/v1/users/{id}",
    tag = "users",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 204, description = "Deactivated"), Problems),
    security(("bearer" = [])),
)]
async fn deactivate_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .directory
        .deactivate_user(&principal, path_id::<UserId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "api keys",
    responses((status = 200, body = ListView<ApiKeyView>), Problems),
    security(("bearer" = [])),
)]
async fn list_api_keys(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<ListView<ApiKeyView>>, ApiError> {
    let keys = state.directory.list_api_keys(&principal).await?;
    Ok(Json(ListView {
        items: keys.iter().map(ApiKeyView::from).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewApiKeyRequest {
    name: String,
    role: String,
    scopes: Vec<String>,
}

impl TryFrom<NewApiKeyRequest> for NewApiKey {
    type Error = DomainError;

    fn try_from(r: NewApiKeyRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.field("name", bounded_text(&r.name, 1, 80));
        let role = v.field("role", parse_key_role(&r.role));
        let scopes = match parse_scopes(&r.scopes) {
            Ok(s) => Some(s),
            Err(errors) => {
                for (field, e) in errors {
                    v.push(FieldError::new(field, e.code, e.message));
                }
                None
            }
        };
        v.finish()?;
        match (name, role, scopes) {
            (Some(name), Some(role), Some(scopes)) => Ok(NewApiKey { name, role, scopes }),
            _ => Err(DomainError::Internal("validated key is incomplete".into())),
        }
    }
}

/// The one response that carries the secret.
#[derive(Serialize, utoipa::ToSchema)]
struct CreatedApiKey {
    key: String,
    #[serde(flatten)]
    api_key: ApiKeyView,
}

#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = "api keys",
    request_body = NewApiKeyRequest,
    responses((status = 201, body = CreatedApiKey), Problems),
    security(("bearer" = [])),
)]
async fn create_api_key(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<NewApiKeyRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = NewApiKey::try_from(body)?;
    let (secret, key) = state
        .directory
        .create_api_key(&principal, input, Timestamp::now())
        .await?;
    tracing::info!(api_key_id = %key.id, "API key created");
    let location = format!("/v1/api-keys/{}", key.id);
    Ok(created(
        &location,
        None,
        CreatedApiKey {
            key: secret,
            api_key: ApiKeyView::from(&key),
        },
    ))
}

#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = "api keys",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 204, description = "Revoked"), Problems),
    security(("bearer" = [])),
)]
async fn revoke_api_key(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .directory
        .revoke_api_key(&principal, path_id::<ApiKeyId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
