//! The `mailboxes` function: the inbound addresses that route customers'
//! mail to the tenant (admins).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::email::mailboxes::MailboxInput;
use switchboard_domain::kernel::ids::MailboxId;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{PageQuery, nullable, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::routes::Routes;
use switchboard_http::views::{ListView, MailboxView, PageView, ReceivedMailView};
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;
use switchboard_wiring::services::MailboxesService;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub mailboxes: MailboxesService,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/mailboxes", list)
        .add(Method::POST, "/v1/mailboxes", create)
        .add(Method::GET, "/v1/mailboxes/messages", messages)
        .add(Method::GET, "/v1/mailboxes/{id}", get)
        .add(Method::PATCH, "/v1/mailboxes/{id}", update)
        .add(Method::DELETE, "/v1/mailboxes/{id}", delete)
        .add(Method::POST, "/v1/mailboxes/{id}/verify", verify)
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, delete, verify, messages))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MailboxRequest {
    /// The address customers write to, e.g. `support@acme.example`; unique
    /// across all helpdesks.
    address: Option<String>,
    /// The name replies are sent under (default: the tenant's name).
    from_name: Option<String>,
    /// The team new tickets from this mailbox go to (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    default_team_id: Option<Option<String>>,
    /// The priority of new tickets from this mailbox (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    default_priority: Option<Option<String>>,
}

impl From<MailboxRequest> for MailboxInput {
    fn from(r: MailboxRequest) -> Self {
        MailboxInput {
            address: r.address,
            from_name: r.from_name,
            default_team_id: r.default_team_id,
            default_priority: r.default_priority,
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/mailboxes",
    tag = "email",
    responses((status = 200, body = ListView<MailboxView>), Problems),
    security(("bearer" = [])),
)]
async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<ListView<MailboxView>>, ApiError> {
    let found = state.mailboxes.list(&principal).await?;
    Ok(Json(ListView {
        items: found.iter().map(MailboxView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/mailboxes",
    tag = "email",
    request_body = MailboxRequest,
    responses(
        (status = 201, body = MailboxView),
        (status = "4XX", description = "A problem (RFC 9457); `409 address_taken` if any helpdesk has the address", body = switchboard_http::problem::ProblemSchema, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<MailboxRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .mailboxes
        .create(&principal, body.into(), Timestamp::now())
        .await?;
    let location = format!("/v1/mailboxes/{}", m.id);
    Ok(created(&location, Some(m.version), MailboxView::from(&m)))
}

#[utoipa::path(
    get,
    path = "/v1/mailboxes/{id}",
    tag = "email",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, body = MailboxView), Problems),
    security(("bearer" = [])),
)]
async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .mailboxes
        .get(&principal, path_id::<MailboxId>(&id)?)
        .await?;
    Ok(versioned(m.version, MailboxView::from(&m)))
}

/// Asks SES again whether the mailbox's own domain is verified (after its
/// DNS records were published); a mailbox on the shared mail domain always is.
#[utoipa::path(
    post,
    path = "/v1/mailboxes/{id}/verify",
    tag = "email",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses((status = 200, body = MailboxView), Problems),
    security(("bearer" = [])),
)]
async fn verify(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .mailboxes
        .check_domain(&principal, path_id::<MailboxId>(&id)?, Timestamp::now())
        .await?;
    Ok(versioned(m.version, MailboxView::from(&m)))
}

#[utoipa::path(
    patch,
    path = "/v1/mailboxes/{id}",
    tag = "email",
    params(("id" = String, Path, description = "The mailbox's id")),
    request_body = MailboxRequest,
    responses((status = 200, body = MailboxView), Problems),
    security(("bearer" = [])),
)]
async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<MailboxRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .mailboxes
        .update(
            &principal,
            path_id::<MailboxId>(&id)?,
            body.into(),
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(m.version, MailboxView::from(&m)))
}

#[utoipa::path(
    delete,
    path = "/v1/mailboxes/{id}",
    tag = "email",
    params(("id" = String, Path, description = "The mailbox's id")),
    responses(
        (status = 204, description = "Deleted; mail to the address is dropped from now on"),
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
        .mailboxes
        .delete(&principal, path_id::<MailboxId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct MessagesQuery {
    /// `quarantined` (default), `held` (failed DMARC), `refused` (kept with the reason the rules gave),
    /// `auto_reply`, `bounce`, `created`, `threaded`, `dropped`, `sent`.
    decision: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/mailboxes/messages",
    tag = "email",
    description = "Received mail with one decision, newest first: quarantined mail (virus or spam verdict `FAIL`) \
for review by default. The raw message stays in the inbound bucket under `raw`.",
    params(MessagesQuery),
    responses((status = 200, body = PageView<ReceivedMailView>), Problems),
    security(("bearer" = [])),
)]
async fn messages(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<MessagesQuery>,
) -> Result<Json<PageView<ReceivedMailView>>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let decision = q.decision.unwrap_or_else(|| "quarantined".into());
    let found = state
        .mailboxes
        .messages(&principal, &decision, &page)
        .await?;
    Ok(Json(PageView::from_page(found, |m| {
        ReceivedMailView::from(m)
    })))
}
