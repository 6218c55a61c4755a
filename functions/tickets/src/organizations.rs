//! An organisation's tickets: `GET /v1/organizations/{id}/tickets`.

use crate::requests::ListQuery;
use crate::{AppState, staff};
use axum::extract::{Path, State};
use std::sync::Arc;
use switchboard_domain::kernel::ids::OrganizationId;
use switchboard_domain::tickets::input::TicketListFilter;
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::views::{PageView, TicketView};
use switchboard_http::{ApiError, Authenticated, Json, Query};

type S = State<Arc<AppState>>;

#[utoipa::path(
    get,
    path = "/v1/organizations/{id}/tickets",
    tag = "organizations",
    description = "The tickets of an organisation's people (opened while they belonged to it), with the \
ticket list's filters (`status`, `priority`, `tag`) and order. Staff; and the organisation's customers when it \
shares its tickets (their view of each: the public parts).",
    params(("id" = String, Path, description = "The organisation's id"), ListQuery),
    responses((status = 200, body = PageView<TicketView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Json<PageView<TicketView>>, ApiError> {
    let organization = path_id::<OrganizationId>(&id)?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let input = TicketListFilter::try_from(&q)?;
    let tickets = state
        .tickets
        .list_for_organization(&principal, organization, input, &page)
        .await?;
    Ok(Json(PageView::from_page(tickets, |t| {
        TicketView::new(t, staff(&principal))
    })))
}
