//! The `search` function: full-text ticket search over the tenant's
//! index, as the caller may see it; people search for staff; and saved views, which are searches
//! kept by name.

use axum::Router;
use axum::extract::State;
use axum::http::Method;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::validation::Validator;
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::search::service::SearchRequest;
use switchboard_domain::search::view::{parse_order, parse_sort};
use switchboard_http::problem::Problems;
use switchboard_http::routes::Routes;
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::results::SearchResultsView;

mod people;
mod results;
mod views;
use switchboard_wiring::Api;
use switchboard_wiring::services::SearchService;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub search: SearchService,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/search/tickets", search_tickets)
        .add(Method::GET, "/v1/search/people", people::search)
        .add(Method::GET, "/v1/views", views::list)
        .add(Method::POST, "/v1/views", views::create)
        .add(Method::GET, "/v1/views/counts", views::counts)
        .add(Method::GET, "/v1/views/{id}", views::get)
        .add(Method::PATCH, "/v1/views/{id}", views::update)
        .add(Method::DELETE, "/v1/views/{id}", views::delete)
        .add(Method::GET, "/v1/views/{id}/tickets", views::tickets)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    search_tickets,
    people::search,
    views::list,
    views::create,
    views::counts,
    views::get,
    views::update,
    views::delete,
    views::tickets
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// The query: words, `"phrases"`, `-word`, `OR`, and filters such as
    /// `status:open`, `assignee:me`, `tag:vip`, `#1042`, `updated<7d`.
    q: Option<String>,
    /// `relevance` (the default), `updated` or `created`.
    sort: Option<String>,
    /// `desc` (the default) or `asc`.
    order: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The request as the use case takes it; every field's error at once.
struct Parsed(SearchRequest);

impl TryFrom<SearchQuery> for Parsed {
    type Error = DomainError;

    fn try_from(q: SearchQuery) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let sort = v.optional("sort", q.sort, |s| parse_sort(&s));
        let order = v.optional("order", q.order, |o| parse_order(&o));
        let paged = results::paging(q.limit, q.cursor.as_deref(), &mut v);
        v.finish()?;
        let (offset, limit) = paged?;
        Ok(Parsed(SearchRequest {
            q: q.q.unwrap_or_default(),
            sort: sort.flatten().unwrap_or(SearchSort::Relevance),
            descending: order.flatten().unwrap_or(true),
            offset,
            limit,
        }))
    }
}

#[utoipa::path(
    get,
    path = "/v1/search/tickets",
    tag = "search",
    params(SearchQuery),
    responses((status = 200, body = SearchResultsView), Problems),
    security(("bearer" = [])),
)]
async fn search_tickets(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResultsView>, ApiError> {
    let Parsed(request) = Parsed::try_from(q)?;
    let results = state
        .search
        .tickets(&principal, &request, Timestamp::now())
        .await?;
    Ok(Json(SearchResultsView::new(
        &results,
        principal.role().is_staff(),
    )))
}
