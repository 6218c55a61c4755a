//! The `search` function: full-text ticket search over the tenant's
//! index, as the caller may see it.

use axum::Router;
use axum::extract::State;
use axum::http::Method;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::search::ports::SearchSort;
use switchboard_domain::search::service::SearchRequest;
use switchboard_http::problem::Problems;
use switchboard_http::routes::Routes;
use switchboard_http::views::TicketView;
use switchboard_http::{ApiError, Authenticated, Json, Query};
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
    Routes::new().add(Method::GET, "/v1/search/tickets", search_tickets)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(search_tickets))]
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
        let mut errors = Vec::new();
        let mut invalid = |field: &str, message: &str| {
            errors.push(switchboard_domain::kernel::error::FieldError::new(
                field,
                "invalid_value",
                message,
            ));
        };
        let sort = match q.sort.as_deref() {
            None | Some("relevance") => SearchSort::Relevance,
            Some("updated") => SearchSort::Updated,
            Some("created") => SearchSort::Created,
            Some(_) => {
                invalid("sort", "relevance, updated or created");
                SearchSort::Relevance
            }
        };
        let descending = match q.order.as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(_) => {
                invalid("order", "desc or asc");
                true
            }
        };
        let limit = match q.limit {
            None => 25,
            Some(n @ 1..=100) => n as usize,
            Some(_) => {
                invalid("limit", "1 to 100");
                25
            }
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        // The cursor is the offset of the next page (results are capped at
        // 1,000, so an offset is as good as a key).
        let offset = match q.cursor.as_deref() {
            None => 0,
            Some(c) => c
                .strip_prefix("o")
                .and_then(|n| n.parse().ok())
                .ok_or(DomainError::InvalidCursor)?,
        };
        Ok(Parsed(SearchRequest {
            q: q.q.unwrap_or_default(),
            sort,
            descending,
            offset,
            limit,
        }))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FoundView {
    ticket: TicketView,
    /// Relevance (0 when sorted by a date).
    score: f32,
    highlights: HighlightsView,
}

/// HTML-escaped text with the matched words in `<em>`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct HighlightsView {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    /// A passage of the conversation (for customers: its public part).
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SearchResultsView {
    items: Vec<FoundView>,
    next_cursor: Option<String>,
    /// Every match (at most 1,000 are paged through).
    total: usize,
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
    let results = found(&state.search, &principal, &request).await?;
    Ok(Json(results))
}

async fn found(
    search: &SearchService,
    principal: &switchboard_domain::accounts::permissions::Principal,
    request: &SearchRequest,
) -> Result<SearchResultsView, DomainError> {
    let staff = principal.role().is_staff();
    let results = search.tickets(principal, request, Timestamp::now()).await?;
    Ok(SearchResultsView {
        items: results
            .items
            .iter()
            .map(|f| FoundView {
                ticket: TicketView::new(&f.ticket, staff),
                score: f.score,
                highlights: HighlightsView {
                    subject: f.subject.clone(),
                    text: f.snippet.clone(),
                },
            })
            .collect(),
        next_cursor: results.next_offset.map(|n| format!("o{n}")),
        total: results.total,
    })
}
