//! Macros over HTTP: agents' own and shared ones, and applying one to a
//! ticket (with a preview that writes nothing).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::applying::MacroInput;
use switchboard_domain::automation::macros::{MacroComment, Visibility};
use switchboard_domain::kernel::ids::{MacroId, TeamId, TicketId};
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{nullable, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::views::{ListView, TicketView};
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::AppState;

type S = State<Arc<AppState>>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MacroRequest {
    /// 1 to 120 characters.
    title: Option<String>,
    /// `personal` (the default: the caller's own), `team` (its members; admins), `everyone`
    /// (all staff; admins).
    #[schema(value_type = Option<String>)]
    visibility: Option<Visibility>,
    /// The team of a `team` macro.
    #[schema(value_type = Option<String>)]
    team_id: Option<TeamId>,
    /// A trigger's actions but `addNote`, `notifyWebhook` and `sendEmail`.
    #[schema(value_type = Option<Vec<Object>>)]
    actions: Option<Vec<Action>>,
    /// `{body, public}`: a reply (`public: true`) or internal note. The body is a template:
    /// `{{ ticket.number }}`, `{{ ticket.subject }}`, `{{ ticket.status }}`, `{{ requester.name }}`,
    /// `{{ agent.name }}`, `{{ ticket.fields.<key> }}`…; an unknown placeholder is refused.
    /// `null` removes it.
    #[schema(value_type = Option<Object>)]
    #[serde(default, deserialize_with = "nullable")]
    comment: Option<Option<MacroComment>>,
}

impl From<MacroRequest> for MacroInput {
    fn from(r: MacroRequest) -> Self {
        MacroInput {
            title: r.title,
            visibility: r.visibility,
            team_id: r.team_id,
            actions: r.actions,
            comment: r.comment,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ApplyQuery {
    /// `true`: show the ticket and comment as they would be, writing nothing.
    #[serde(default)]
    preview: bool,
}

#[utoipa::path(
    get,
    path = "/v1/macros",
    tag = "automation",
    responses(
        (status = 200, description = "The macros the caller may use, by title (`items`)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let items = state.macros.list(&principal).await?;
    Ok(Json(ListView { items }))
}

#[utoipa::path(
    post,
    path = "/v1/macros",
    tag = "automation",
    request_body = MacroRequest,
    responses((status = 201, description = "The macro", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<MacroRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .macros
        .create(&principal, body.into(), Timestamp::now())
        .await?;
    let location = format!("/v1/macros/{}", m.id);
    Ok(created(&location, Some(m.version), &m))
}

#[utoipa::path(
    get,
    path = "/v1/macros/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The macro's id")),
    responses((status = 200, description = "The macro, with its `usage` count", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .macros
        .get(&principal, path_id::<MacroId>(&id)?)
        .await?;
    Ok(versioned(m.version, &m))
}

#[utoipa::path(
    patch,
    path = "/v1/macros/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The macro's id")),
    request_body = MacroRequest,
    responses((status = 200, description = "The macro", body = Object), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<MacroRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let m = state
        .macros
        .update(
            &principal,
            path_id::<MacroId>(&id)?,
            body.into(),
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(m.version, &m))
}

#[utoipa::path(
    delete,
    path = "/v1/macros/{id}",
    tag = "automation",
    params(("id" = String, Path, description = "The macro's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .macros
        .delete(&principal, path_id::<MacroId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/macros/{macroId}/apply",
    tag = "automation",
    params(
        ("id" = String, Path, description = "The ticket's id"),
        ("macroId" = String, Path, description = "The macro's id"),
        ApplyQuery,
    ),
    responses(
        (status = 200, description = "`ticket` (as changed, or as it would be), `changes`, `comment` (`{body, public}` as rendered, or null); `ETag`: the ticket's version. `If-Match` with the ticket's `ETag` is required unless previewing (`428` without)", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn apply(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, macro_id)): Path<(String, String)>,
    Query(q): Query<ApplyQuery>,
    if_match: IfMatch,
) -> Result<impl IntoResponse, ApiError> {
    let target = (path_id::<TicketId>(&id)?, path_id::<MacroId>(&macro_id)?);
    // Written once: a second click names a version that is gone.
    let version = if q.preview {
        if_match.version()
    } else {
        Some(if_match.required()?)
    };
    let applied = state
        .macros
        .apply(&principal, target, version, q.preview, Timestamp::now())
        .await?;
    Ok(versioned(
        applied.ticket.version,
        serde_json::json!({
            "ticket": TicketView::from(&applied.ticket),
            "changes": applied.changes,
            "comment": applied.comment,
        }),
    ))
}
