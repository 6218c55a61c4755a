//! The `tickets` function: tickets, their conversations and history, lists,
//! bulk changes, and the tenant's custom ticket fields.

mod attachments;
mod merge;
mod organizations;
mod participants;
mod requests;
mod satisfaction;
mod split;

use crate::requests::{
    BulkOp, BulkRequest, EditCommentRequest, ListQuery, NewCommentRequest, NewTicketRequest,
    TicketPatchRequest,
};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::attachments::service::CommentWithFiles;
use switchboard_domain::automation::applying::Macros;
use switchboard_domain::kernel::idempotency::IdempotencyKey;
use switchboard_domain::kernel::ids::{CommentId, TicketId};
use switchboard_domain::tickets::fields::FieldDef;
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, TicketListFilter};
use switchboard_domain::tickets::ticket::HistoryEntry;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{IdempotentJson, PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{self, created, versioned};
use switchboard_http::routes::Routes;
use switchboard_http::views::{CommentView, ListView, PageView, TicketDetailView, TicketView};
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;
use switchboard_wiring::services::{AttachmentsService, SlaViewsService, TicketingService};

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub tickets: TicketingService,
    pub attachments: AttachmentsService,
    pub sla: SlaViewsService,
    /// Macros applied in bulk.
    pub macros: Macros<switchboard_aws::DynamoStore>,
    /// Opens satisfaction surveys' links.
    pub surveys: [u8; 32],
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::POST, "/v1/tickets", create)
        .add(Method::GET, "/v1/tickets", list)
        .add(Method::POST, "/v1/tickets/bulk", bulk)
        .add(Method::GET, "/v1/tickets/by-number/{number}", get_by_number)
        .add(Method::GET, "/v1/tickets/{id}", get)
        .add(Method::PATCH, "/v1/tickets/{id}", update)
        .add(Method::DELETE, "/v1/tickets/{id}", delete)
        .add(Method::POST, "/v1/tickets/{id}/restore", restore)
        .add(Method::GET, "/v1/tickets/{id}/history", history)
        .add(Method::POST, "/v1/tickets/{id}/merge", merge::merge)
        .add(Method::POST, "/v1/tickets/{id}/split", split::split)
        .add(
            Method::GET,
            "/v1/tickets/{id}/participants",
            participants::list,
        )
        .add(
            Method::PUT,
            "/v1/tickets/{id}/participants",
            participants::replace,
        )
        .add(Method::GET, "/v1/tickets/{id}/comments", list_comments)
        .add(Method::POST, "/v1/tickets/{id}/comments", add_comment)
        .add(
            Method::PATCH,
            "/v1/tickets/{id}/comments/{commentId}",
            edit_comment,
        )
        .add(
            Method::DELETE,
            "/v1/tickets/{id}/comments/{commentId}",
            delete_comment,
        )
        .add(
            Method::POST,
            "/v1/tickets/{id}/attachments/uploads",
            attachments::start_upload,
        )
        .add(
            Method::POST,
            "/v1/tickets/{id}/attachments",
            attachments::attach,
        )
        .add(
            Method::GET,
            "/v1/tickets/{id}/attachments",
            attachments::list,
        )
        .add(
            Method::GET,
            "/v1/attachments/{id}/download",
            attachments::download,
        )
        .add(Method::DELETE, "/v1/attachments/{id}", attachments::delete)
        .add(
            Method::GET,
            "/v1/organizations/{id}/tickets",
            organizations::list,
        )
        .add(
            Method::POST,
            "/v1/tickets/{id}/satisfaction",
            satisfaction::rate,
        )
        .add(
            Method::POST,
            "/v1/satisfaction/survey",
            satisfaction::survey,
        )
        .add(
            Method::POST,
            "/v1/satisfaction/rating",
            satisfaction::rate_by_link,
        )
        .add(
            Method::POST,
            "/v1/satisfaction/opt-out",
            satisfaction::opt_out,
        )
        .add(Method::GET, "/v1/ticket-fields", get_fields)
        .add(Method::PUT, "/v1/ticket-fields", put_fields)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    list,
    get,
    get_by_number,
    update,
    delete,
    restore,
    history,
    merge::merge,
    split::split,
    satisfaction::rate,
    satisfaction::survey,
    satisfaction::rate_by_link,
    satisfaction::opt_out,
    organizations::list,
    participants::list,
    participants::replace,
    list_comments,
    add_comment,
    edit_comment,
    delete_comment,
    bulk,
    get_fields,
    put_fields,
    attachments::start_upload,
    attachments::attach,
    attachments::list,
    attachments::download,
    attachments::delete
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

fn staff(p: &Principal) -> bool {
    p.role().is_staff()
}

fn idempotency(
    p: &Principal,
    operation: &str,
    key: Option<(String, Vec<u8>)>,
) -> Option<IdempotencyKey> {
    key.map(|(k, body)| IdempotencyKey::new(&p.caller_id(), operation, &k, &body))
}

#[utoipa::path(
    post,
    path = "/v1/tickets",
    tag = "tickets",
    request_body = NewTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first result for the same key and body")),
    responses((status = 201, body = TicketDetailView), Problems),
    security(("bearer" = [])),
)]
async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    IdempotentJson { body, key }: IdempotentJson<NewTicketRequest>,
) -> Result<Response, ApiError> {
    let input = NewTicket::try_from(body)?;
    let key = idempotency(&principal, "POST /v1/tickets", key);
    let (detail, replayed) = state
        .tickets
        .create(&principal, input, key, Timestamp::now())
        .await?
        .into_inner();
    if !replayed {
        tracing::info!(ticket_id = %detail.ticket.id, number = detail.ticket.number, "ticket created");
    }
    // A new ticket's SLA is computed downstream; a replay shows it as now.
    let sla = match replayed {
        true => {
            state
                .sla
                .clocks(&principal, &detail.ticket, Timestamp::now())
                .await?
        }
        false => None,
    };
    let t = &detail.ticket;
    let location = format!("/v1/tickets/{}", t.id);
    let view = TicketDetailView::new(&detail, sla, staff(&principal));
    Ok(respond::replayed(
        created(&location, Some(t.version), view),
        replayed,
    ))
}

#[utoipa::path(
    get,
    path = "/v1/tickets",
    tag = "tickets",
    params(ListQuery),
    responses((status = 200, body = PageView<TicketView>), Problems),
    security(("bearer" = [])),
)]
async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<ListQuery>,
) -> Result<Json<PageView<TicketView>>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    if let Some(view) = &q.sla {
        let tickets = state.sla.list(&principal, view, &page).await?;
        return Ok(Json(PageView::from_page(tickets, |t| {
            TicketView::new(t, staff(&principal))
        })));
    }
    let input = TicketListFilter::try_from(&q)?;
    let tickets = state.tickets.list(&principal, input, &page).await?;
    Ok(Json(PageView::from_page(tickets, |t| {
        TicketView::new(t, staff(&principal))
    })))
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TicketDetailView), Problems),
    security(("bearer" = [])),
)]
async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let detail = state
        .tickets
        .get(&principal, path_id::<TicketId>(&id)?)
        .await?;
    let sla = state
        .sla
        .clocks(&principal, &detail.ticket, Timestamp::now())
        .await?;
    Ok(versioned(
        detail.ticket.version,
        TicketDetailView::new(&detail, sla, staff(&principal)),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/tickets/by-number/{number}",
    tag = "tickets",
    params(("number" = u64, Path, description = "The ticket number")),
    responses((status = 200, body = TicketDetailView), Problems),
    security(("bearer" = [])),
)]
async fn get_by_number(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(number): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let number = number
        .trim_start_matches('#')
        .parse::<u64>()
        .map_err(|_| ApiError::not_found())?;
    let detail = state.tickets.get_by_number(&principal, number).await?;
    let sla = state
        .sla
        .clocks(&principal, &detail.ticket, Timestamp::now())
        .await?;
    Ok(versioned(
        detail.ticket.version,
        TicketDetailView::new(&detail, sla, staff(&principal)),
    ))
}

#[utoipa::path(
    patch,
    path = "/v1/tickets/{id}",
    tag = "tickets",
    request_body = TicketPatchRequest,
    params(("id" = String, Path, description = "The object's id"), ("If-Match" = String, Header, description = "The ETag read; required")),
    responses((status = 200, body = TicketView), Problems),
    security(("bearer" = [])),
)]
async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<TicketPatchRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<TicketId>(&id)?;
    // Ticket updates never proceed blind: another agent may be on it.
    let version = if_match.required()?;
    let ticket = state
        .tickets
        .update(
            &principal,
            id,
            body.try_into()?,
            Some(version),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(ticket.version, TicketView::from(&ticket)))
}

#[utoipa::path(
    delete,
    path = "/v1/tickets/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 204, description = "Deleted (restorable for 30 days)"), Problems),
    security(("bearer" = [])),
)]
async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .tickets
        .delete(&principal, path_id::<TicketId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/restore",
    tag = "tickets",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TicketView), Problems),
    security(("bearer" = [])),
)]
async fn restore(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let ticket = state
        .tickets
        .restore(&principal, path_id::<TicketId>(&id)?, Timestamp::now())
        .await?;
    Ok(versioned(ticket.version, TicketView::from(&ticket)))
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/history",
    tag = "tickets",
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 200, description = "Changes with actor and before/after", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn history(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<ListView<HistoryEntry>>, ApiError> {
    let items = state
        .tickets
        .history(&principal, path_id::<TicketId>(&id)?)
        .await?;
    Ok(Json(ListView { items }))
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/comments",
    tag = "conversations",
    params(("id" = String, Path, description = "The object's id"), PageQuery),
    responses((status = 200, body = PageView<CommentView>), Problems),
    security(("bearer" = [])),
)]
async fn list_comments(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<PageView<CommentView>>, ApiError> {
    let comments = state
        .tickets
        .list_comments(&principal, path_id::<TicketId>(&id)?, &q.page()?)
        .await?;
    let staff = staff(&principal);
    Ok(Json(PageView::from_page(comments, |c| {
        CommentView::new(c, staff)
    })))
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/comments",
    tag = "conversations",
    request_body = NewCommentRequest,
    params(("id" = String, Path, description = "The object's id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first result for the same key and body")),
    responses((status = 201, body = CommentView), Problems),
    security(("bearer" = [])),
)]
async fn add_comment(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    IdempotentJson { body, key }: IdempotentJson<NewCommentRequest>,
) -> Result<Response, ApiError> {
    let ticket_id = path_id::<TicketId>(&id)?;
    let key = idempotency(
        &principal,
        &format!("POST /v1/tickets/{ticket_id}/comments"),
        key,
    );
    let input = CommentWithFiles {
        comment: NewComment::try_from(&body)?,
        uploads: body.attachments.unwrap_or_default(),
    };
    let ((comment, _attached), replayed) = state
        .attachments
        .comment(
            &state.tickets,
            &principal,
            ticket_id,
            input,
            key,
            Timestamp::now(),
        )
        .await?
        .into_inner();
    let location = format!("/v1/tickets/{ticket_id}/comments/{}", comment.id);
    let view = CommentView::new(&comment, staff(&principal));
    Ok(respond::replayed(
        created(&location, Some(comment.version), view),
        replayed,
    ))
}

#[utoipa::path(
    patch,
    path = "/v1/tickets/{id}/comments/{commentId}",
    tag = "conversations",
    request_body = EditCommentRequest,
    params(("id" = String, Path, description = "The object's id"), ("commentId" = String, Path, description = "The comment's id")),
    responses((status = 200, body = CommentView), Problems),
    security(("bearer" = [])),
)]
async fn edit_comment(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, comment_id)): Path<(String, String)>,
    Json(body): Json<EditCommentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let comment = state
        .tickets
        .edit_comment(
            &principal,
            path_id::<TicketId>(&id)?,
            path_id::<CommentId>(&comment_id)?,
            Body::parse(&body.body).map_err(|e| DomainError::field("body", e.code, e.message))?,
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(
        comment.version,
        CommentView::new(&comment, staff(&principal)),
    ))
}

#[utoipa::path(
    delete,
    path = "/v1/tickets/{id}/comments/{commentId}",
    tag = "conversations",
    params(("id" = String, Path, description = "The object's id"), ("commentId" = String, Path, description = "The comment's id")),
    responses((status = 204, description = "Redacted"), Problems),
    security(("bearer" = [])),
)]
async fn delete_comment(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, comment_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .attachments
        .delete_comment(
            &state.tickets,
            &principal,
            path_id::<TicketId>(&id)?,
            path_id::<CommentId>(&comment_id)?,
            Timestamp::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct BulkItem {
    id: String,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<TicketView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    error: Option<Value>,
}

#[utoipa::path(
    post,
    path = "/v1/tickets/bulk",
    tag = "tickets",
    description = "Changes up to 100 tickets with `update`, or applies a macro to each with `macroId` (then \
`Idempotency-Key` is required: a retry with the same key reports each ticket as it stands and writes nothing twice).",
    params(("Idempotency-Key" = Option<String>, Header, description = "Required with `macroId`")),
    request_body = BulkRequest,
    responses((status = 200, description = "One result per id", body = Object), Problems),
    security(("bearer" = [])),
)]
async fn bulk(
    State(state): S,
    Authenticated(principal): Authenticated,
    IdempotentJson { body, key }: IdempotentJson<BulkRequest>,
) -> Result<Json<ListView<BulkItem>>, ApiError> {
    let outcomes = match body.try_into()? {
        BulkOp::Update(ids, patch) => {
            state
                .tickets
                .bulk(&principal, ids, *patch, Timestamp::now())
                .await?
        }
        BulkOp::Macro(ids, macro_id) => {
            let Some((key, _)) = key else {
                return Err(DomainError::field(
                    "Idempotency-Key",
                    "required",
                    "applying a macro in bulk needs an Idempotency-Key, so that a retry writes nothing twice",
                )
                .into());
            };
            state
                .macros
                .apply_to_many(&principal, (macro_id, &key), ids, Timestamp::now())
                .await?
        }
    };
    let items = outcomes
        .into_iter()
        .map(|o| match o.result {
            Ok(t) => BulkItem {
                id: o.id,
                status: 200,
                ticket: Some(TicketView::from(&t)),
                error: None,
            },
            Err(e) => {
                let problem = ApiError::from(e);
                BulkItem {
                    id: o.id,
                    status: problem.status.as_u16(),
                    ticket: None,
                    error: Some(serde_json::json!({
                        "code": problem.code,
                        "title": problem.title,
                        "errors": problem.errors,
                    })),
                }
            }
        })
        .collect();
    Ok(Json(ListView { items }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct FieldsView {
    #[schema(value_type = Vec<Object>)]
    fields: Vec<FieldDef>,
    version: u64,
}

#[utoipa::path(
    get,
    path = "/v1/ticket-fields",
    tag = "ticket fields",
    responses((status = 200, body = FieldsView), Problems),
    security(("bearer" = [])),
)]
async fn get_fields(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let schema = state.tickets.fields(&principal).await?;
    Ok(versioned(
        schema.version,
        FieldsView {
            fields: schema.fields,
            version: schema.version,
        },
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PutFieldsRequest {
    #[schema(value_type = Vec<Object>)]
    fields: Vec<FieldDef>,
}

#[utoipa::path(
    put,
    path = "/v1/ticket-fields",
    tag = "ticket fields",
    request_body = PutFieldsRequest,
    responses((status = 200, body = FieldsView), Problems),
    security(("bearer" = [])),
)]
async fn put_fields(
    State(state): S,
    Authenticated(principal): Authenticated,
    if_match: IfMatch,
    Json(body): Json<PutFieldsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let schema = state
        .tickets
        .put_fields(
            &principal,
            body.fields,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(
        schema.version,
        FieldsView {
            fields: schema.fields,
            version: schema.version,
        },
    ))
}
