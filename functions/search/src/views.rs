//! Saved views (`/v1/views`): agents keep their own, admins share them
//! with a team or everyone; a view runs as its search with paging, and
//! the sidebar counts them all in one call.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::ids::{TeamId, UserId, ViewId};
use switchboard_domain::kernel::validation::Validator;
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::search::view::{
    NewView, SavedView, ViewPatch, parse_order, parse_sharing, parse_sort, parse_view_name,
    parse_view_query,
};
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::AppState;
use crate::results::{SearchResultsView, paging};

type S = State<Arc<AppState>>;

/// A saved view.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ViewView {
    #[schema(value_type = String, example = "view_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: ViewId,
    name: String,
    /// In the query language of `GET /v1/search/tickets`.
    query: String,
    /// `relevance`, `updated` or `created`.
    sort: &'static str,
    /// `desc` or `asc`.
    order: &'static str,
    /// `personal`, `team` or `everyone`.
    shared: &'static str,
    /// The team a `team` view is shared with.
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    team_id: Option<TeamId>,
    /// Whose a `personal` view is.
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_id: Option<UserId>,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
}

impl From<&SavedView> for ViewView {
    fn from(v: &SavedView) -> Self {
        Self {
            id: v.id,
            name: v.name.clone(),
            query: v.query.clone(),
            sort: v.sort.as_str(),
            order: if v.descending { "desc" } else { "asc" },
            shared: v.sharing.as_str(),
            team_id: v.sharing.team(),
            owner_id: v.sharing.owner(),
            created_at: v.created_at,
            updated_at: v.updated_at,
            version: v.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ViewListView {
    /// One's own views by name, then the shared ones by name.
    items: Vec<ViewView>,
}

/// `POST /v1/views`, and (every field optional) `PATCH`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ViewRequest {
    name: Option<String>,
    /// In the query language of `GET /v1/search/tickets`; checked when
    /// saved (a `422` names the position and the token at fault).
    query: Option<String>,
    /// `relevance`, `updated` (the default) or `created`.
    sort: Option<String>,
    /// `desc` (the default) or `asc`.
    order: Option<String>,
    /// `personal` (the default: the caller's own), `team` (with `teamId`)
    /// or `everyone`; sharing is for admins.
    shared: Option<String>,
    team_id: Option<String>,
}

impl TryFrom<ViewRequest> for ViewPatch {
    type Error = DomainError;

    fn try_from(r: ViewRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.optional("name", r.name, |n| parse_view_name(&n));
        let query = match r.query.as_deref().map(parse_view_query) {
            Some(Err(e)) => {
                v.push(e);
                None
            }
            other => other.and_then(Result::ok),
        };
        let sort = v.optional("sort", r.sort, |s| parse_sort(&s));
        let order = v.optional("order", r.order, |o| parse_order(&o));
        let sharing = match (r.shared.as_deref(), r.team_id.as_deref()) {
            (None, None) => None,
            (None, Some(_)) => {
                v.push(FieldError::new(
                    "shared",
                    "required",
                    "`teamId` comes with `shared: team`",
                ));
                None
            }
            (Some(shared), team) => match parse_sharing(shared, team) {
                Ok(s) => Some(s),
                Err(errors) => {
                    errors.into_iter().for_each(|e| v.push(e));
                    None
                }
            },
        };
        v.finish()?;
        Ok(ViewPatch {
            name: name.flatten(),
            query,
            sort: sort.flatten(),
            descending: order.flatten(),
            sharing,
        })
    }
}

impl TryFrom<ViewRequest> for NewView {
    type Error = DomainError;

    fn try_from(r: ViewRequest) -> Result<Self, DomainError> {
        let missing: Vec<FieldError> = [("name", r.name.is_none()), ("query", r.query.is_none())]
            .into_iter()
            .filter(|(_, absent)| *absent)
            .map(|(field, _)| FieldError::new(field, "required", "is required"))
            .collect();
        match (ViewPatch::try_from(r), missing.is_empty()) {
            (Ok(p), true) => Ok(NewView {
                name: p.name.unwrap_or_default(),
                query: p.query.unwrap_or_default(),
                sort: p.sort.unwrap_or(SearchSort::Updated),
                descending: p.descending.unwrap_or(true),
                sharing: p
                    .sharing
                    .unwrap_or(switchboard_domain::search::view::SharingInput::Personal),
            }),
            (Ok(_), false) => Err(DomainError::Invalid(missing)),
            (Err(DomainError::Invalid(errors)), false) => Err(DomainError::Invalid(
                missing.into_iter().chain(errors).collect(),
            )),
            (Err(e), _) => Err(e),
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/views",
    tag = "views",
    description = "The views the caller sees: their own, then those shared with their teams or everyone.",
    responses((status = 200, body = ViewListView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let views = state.search.views(&principal).await?;
    Ok(Json(ViewListView {
        items: views.iter().map(ViewView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/views",
    tag = "views",
    description = "Saves a view: personal (any agent, at most 100 each), or shared with a team or everyone \
(admins, at most 200 a tenant).",
    request_body = ViewRequest,
    responses((status = 201, body = ViewView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<ViewRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let view = state
        .search
        .create_view(&principal, body.try_into()?, Timestamp::now())
        .await?;
    let location = format!("/v1/views/{}", view.id);
    Ok(created(
        &location,
        Some(view.version),
        ViewView::from(&view),
    ))
}

/// How many tickets a view holds.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ViewCountView {
    #[schema(value_type = String)]
    id: ViewId,
    name: String,
    count: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ViewCountsView {
    /// In the order of `GET /v1/views`.
    items: Vec<ViewCountView>,
}

#[utoipa::path(
    get,
    path = "/v1/views/counts",
    tag = "views",
    description = "How many tickets each view the caller sees holds now (for the sidebar).",
    responses((status = 200, body = ViewCountsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn counts(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let counts = state
        .search
        .view_counts(&principal, Timestamp::now())
        .await?;
    Ok(Json(ViewCountsView {
        items: counts
            .into_iter()
            .map(|c| ViewCountView {
                id: c.view.id,
                name: c.view.name,
                count: c.count,
            })
            .collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/views/{id}",
    tag = "views",
    params(("id" = String, Path, description = "The view's id")),
    responses((status = 200, body = ViewView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let view = state
        .search
        .view(&principal, path_id::<ViewId>(&id)?)
        .await?;
    Ok(versioned(view.version, ViewView::from(&view)))
}

#[utoipa::path(
    patch,
    path = "/v1/views/{id}",
    tag = "views",
    description = "Changes a view: one's own, or (admins) a shared one. `If-Match` guards against a lost update.",
    request_body = ViewRequest,
    params(("id" = String, Path, description = "The view's id")),
    responses((status = 200, body = ViewView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<ViewRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let view = state
        .search
        .update_view(
            &principal,
            path_id::<ViewId>(&id)?,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(view.version, ViewView::from(&view)))
}

#[utoipa::path(
    delete,
    path = "/v1/views/{id}",
    tag = "views",
    params(("id" = String, Path, description = "The view's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<impl IntoResponse, ApiError> {
    state
        .search
        .delete_view(&principal, path_id::<ViewId>(&id)?, if_match.version())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?limit=&cursor=` of a view's tickets.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ViewPage {
    /// 1 to 100 (25 by default).
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/views/{id}/tickets",
    tag = "views",
    description = "The tickets the view holds now, in its order, a page at a time.",
    params(("id" = String, Path, description = "The view's id"), ViewPage),
    responses((status = 200, body = SearchResultsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn tickets(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Query(q): Query<ViewPage>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ViewId>(&id)?;
    let mut v = Validator::new();
    let paged = paging(q.limit, q.cursor.as_deref(), &mut v);
    v.finish()?;
    let (offset, limit) = paged?;
    let results = state
        .search
        .view_tickets(&principal, id, offset, limit, Timestamp::now())
        .await?;
    Ok(Json(SearchResultsView::new(
        &results,
        principal.role().is_staff(),
    )))
}
