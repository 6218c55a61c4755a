//! The `notifications` function: a person's in-app notifications (created
//! by the event router), their unread count, and their preferences.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::kernel::ids::NotificationId;
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::routes::Routes;
use switchboard_http::views::{NotificationPreferencesView, NotificationView, PageView};
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;
use switchboard_wiring::services::InboxService;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub inbox: InboxService,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/notifications", list)
        .add(Method::GET, "/v1/notifications/unread-count", unread_count)
        .add(Method::POST, "/v1/notifications/read-all", read_all)
        .add(Method::POST, "/v1/notifications/{id}/read", read)
        .add(Method::DELETE, "/v1/notifications/{id}", delete)
        .add(Method::GET, "/v1/notifications/preferences", preferences)
        .add(
            Method::PUT,
            "/v1/notifications/preferences",
            set_preferences,
        )
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    unread_count,
    read_all,
    read,
    delete,
    preferences,
    set_preferences
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only unread ones.
    unread: Option<bool>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/notifications",
    tag = "notifications",
    params(ListQuery),
    responses((status = 200, description = "Newest first", body = PageView<NotificationView>), Problems),
    security(("bearer" = [])),
)]
async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<ListQuery>,
) -> Result<Json<PageView<NotificationView>>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let found = state
        .inbox
        .list(&principal, q.unread.unwrap_or(false), &page)
        .await?;
    Ok(Json(PageView::from_page(found, |n| {
        NotificationView::from(n)
    })))
}

#[derive(Serialize, utoipa::ToSchema)]
struct UnreadCount {
    unread: u64,
}

#[utoipa::path(
    get,
    path = "/v1/notifications/unread-count",
    tag = "notifications",
    responses((status = 200, body = UnreadCount), Problems),
    security(("bearer" = [])),
)]
async fn unread_count(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<UnreadCount>, ApiError> {
    let unread = state.inbox.unread_count(&principal).await?;
    Ok(Json(UnreadCount { unread }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Marked {
    marked: u64,
}

#[utoipa::path(
    post,
    path = "/v1/notifications/read-all",
    tag = "notifications",
    responses((status = 200, description = "How many were unread", body = Marked), Problems),
    security(("bearer" = [])),
)]
async fn read_all(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<Marked>, ApiError> {
    let marked = state
        .inbox
        .mark_all_read(&principal, Timestamp::now())
        .await?;
    Ok(Json(Marked { marked }))
}

#[utoipa::path(
    post,
    path = "/v1/notifications/{id}/read",
    tag = "notifications",
    params(("id" = String, Path, description = "The notification's id")),
    responses((status = 200, body = NotificationView), Problems),
    security(("bearer" = [])),
)]
async fn read(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<NotificationView>, ApiError> {
    let id = path_id::<NotificationId>(&id)?;
    let n = state
        .inbox
        .mark_read(&principal, id, Timestamp::now())
        .await?;
    Ok(Json(NotificationView::from(&n)))
}

#[utoipa::path(
    delete,
    path = "/v1/notifications/{id}",
    tag = "notifications",
    params(("id" = String, Path, description = "The notification's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id::<NotificationId>(&id)?;
    state.inbox.delete(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/notifications/preferences",
    tag = "notifications",
    responses((status = 200, body = NotificationPreferencesView), Problems),
    security(("bearer" = [])),
)]
async fn preferences(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<NotificationPreferencesView>, ApiError> {
    let p = state.inbox.preferences(&principal).await?;
    Ok(Json(NotificationPreferencesView::from(&p)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreferencesRequest {
    /// The kinds to mute; every other kind is on.
    muted: Vec<String>,
    /// The kinds (of those not muted) also sent by email; unchanged when absent.
    #[serde(default)]
    emailed: Option<Vec<String>>,
}

#[utoipa::path(
    put,
    path = "/v1/notifications/preferences",
    tag = "notifications",
    request_body = PreferencesRequest,
    responses((status = 200, body = NotificationPreferencesView), Problems),
    security(("bearer" = [])),
)]
async fn set_preferences(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<PreferencesRequest>,
) -> Result<Json<NotificationPreferencesView>, ApiError> {
    let p = state
        .inbox
        .set_preferences(&principal, body.muted, body.emailed)
        .await?;
    Ok(Json(NotificationPreferencesView::from(&p)))
}
