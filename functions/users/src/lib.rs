//! The `users` function: the people of a helpdesk (agents, admins,
//! customers) and the API keys integrators use.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::ETAG;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::accounts::directory::{NewApiKeyInput, NewUserInput, UserPatchInput};
use switchboard_domain::kernel::ids::{ApiKeyId, UserId};
use switchboard_http::conditional::{IfMatch, etag};
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::routes::Routes;
use switchboard_http::views::{ApiKeyView, ListView, PageView, UserView};
use switchboard_http::{ApiError, Authenticated, Json, Query, layers};
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
        .add(Method::GET, "/v1/users", list_users)
        .add(Method::POST, "/v1/users", create_user)
        .add(Method::GET, "/v1/users/{id}", get_user)
        .add(Method::PATCH, "/v1/users/{id}", update_user)
        .add(Method::DELETE, "/v1/users/{id}", deactivate_user)
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
    responses(
        (status = 200, body = PageView<UserView>),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
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

#[utoipa::path(
    post,
    path = "/v1/users",
    tag = "users",
    request_body = NewUserRequest,
    responses(
        (status = 201, body = UserView),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
async fn create_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<NewUserRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = NewUserInput {
        name: body.name,
        email: body.email,
        role: body.role,
        password: body.password,
    };
    let user = state
        .directory
        .create_user(&principal, input, Timestamp::now())
        .await?;
    let location = format!("/v1/users/{}", user.id);
    Ok((
        StatusCode::CREATED,
        [layers::location(&location)],
        [(ETAG, etag(user.version))],
        Json(UserView::from(&user)),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    tag = "users",
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 200, body = UserView),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
async fn get_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let user = state
        .directory
        .get_user(&principal, path_id::<UserId>(&id)?)
        .await?;
    Ok(([(ETAG, etag(user.version))], Json(UserView::from(&user))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UserPatchRequest {
    name: Option<String>,
    email: Option<String>,
    role: Option<String>,
    status: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    tag = "users",
    request_body = UserPatchRequest,
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 200, body = UserView),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
async fn update_user(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<UserPatchRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = UserPatchInput {
        name: body.name,
        email: body.email,
        role: body.role,
        status: body.status,
    };
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
    Ok(([(ETAG, etag(user.version))], Json(UserView::from(&user))))
}

#[utoipa::path(
    delete,
    path = "/v1/users/{id}",
    tag = "users",
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 204, description = "Deactivated"),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
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
    responses(
        (status = 200, body = ListView<ApiKeyView>),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
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
    responses(
        (status = 201, body = CreatedApiKey),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
async fn create_api_key(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<NewApiKeyRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = NewApiKeyInput {
        name: body.name,
        role: body.role,
        scopes: body.scopes,
    };
    let (secret, key) = state
        .directory
        .create_api_key(&principal, input, Timestamp::now())
        .await?;
    tracing::info!(api_key_id = %key.id, "API key created");
    let location = format!("/v1/api-keys/{}", key.id);
    Ok((
        StatusCode::CREATED,
        [layers::location(&location)],
        Json(CreatedApiKey {
            key: secret,
            api_key: ApiKeyView::from(&key),
        }),
    ))
}

#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = "api keys",
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = "4XX", description = "A problem (RFC 9457)", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
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
