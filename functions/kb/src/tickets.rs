//! Articles for a ticket (suggested from its text, linked by agents) and
//! the knowledge manager's insights.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use switchboard_domain::kb::finding::FoundArticle;
use switchboard_domain::kb::insights::Insights;
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::ids::{ArticleId, TicketId};
use switchboard_domain::kernel::validation::Validator;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::S;
use crate::input::parse_article_ids;
use crate::views::{ArticleSummaryView, ItemsView};

/// An article that may answer a ticket.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SuggestionView {
    article: ArticleSummaryView,
    locale: String,
    /// The title with the matched words in `<em>` (HTML-escaped).
    title: String,
    snippet: String,
    score: f32,
}

impl From<&FoundArticle> for SuggestionView {
    fn from(f: &FoundArticle) -> Self {
        Self {
            article: (&f.article).into(),
            locale: f.hit.locale.to_string(),
            title: f.hit.title.clone(),
            snippet: f.hit.snippet.clone(),
            score: f.hit.score,
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/suggested-articles",
    tag = "knowledge base",
    description = "Published articles that may answer the ticket, from its subject and first message (staff).",
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 200, body = ItemsView<SuggestionView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn suggested(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let found = state
        .kb
        .suggest_for_ticket(&principal, path_id::<TicketId>(&id)?)
        .await?;
    Ok(Json(ItemsView {
        items: found.iter().map(SuggestionView::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/linked-articles",
    tag = "knowledge base",
    description = "The articles agents linked to the ticket.",
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 200, body = ItemsView<ArticleSummaryView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn linked(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let found = state
        .kb
        .linked_articles(&principal, path_id::<TicketId>(&id)?)
        .await?;
    Ok(Json(ItemsView {
        items: found.iter().map(ArticleSummaryView::from).collect(),
    }))
}

/// The articles linked to a ticket, replacing those before.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct LinksRequest {
    article_ids: Vec<String>,
}

#[utoipa::path(
    put,
    path = "/v1/tickets/{id}/linked-articles",
    tag = "knowledge base",
    description = "Links articles to the ticket (at most 20); a ticket solved with one counts in the insights.",
    request_body = LinksRequest,
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 200, body = ItemsView<ArticleSummaryView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn link(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<LinksRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let ticket = path_id::<TicketId>(&id)?;
    let ids = parse_article_ids(&body.article_ids)?;
    let found = state.kb.link_articles(&principal, ticket, &ids).await?;
    Ok(Json(ItemsView {
        items: found.iter().map(ArticleSummaryView::from).collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct InsightsQuery {
    /// First day (`2026-12-01`, UTC), 30 days before `to` when absent.
    from: Option<String>,
    /// Last day, today when absent.
    to: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TotalsView {
    views: u64,
    helpful: u64,
    unhelpful: u64,
    searches: u64,
    /// Searches that found nothing.
    unanswered: u64,
    /// Tickets solved while an article was linked to them.
    solved_with_article: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleInsightView {
    #[schema(value_type = String)]
    article_id: ArticleId,
    title: Option<String>,
    views: u64,
    helpful: u64,
    unhelpful: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UnansweredView {
    query: String,
    count: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InsightsView {
    from: String,
    to: String,
    totals: TotalsView,
    /// Most viewed first (at most 50).
    articles: Vec<ArticleInsightView>,
    /// Searches that found nothing, most frequent first (at most 50): the
    /// articles to write next.
    unanswered: Vec<UnansweredView>,
}

impl From<&Insights> for InsightsView {
    fn from(i: &Insights) -> Self {
        let t = &i.totals;
        Self {
            from: i.from.to_string(),
            to: i.to.to_string(),
            totals: TotalsView {
                views: t.views,
                helpful: t.helpful,
                unhelpful: t.unhelpful,
                searches: t.searches,
                unanswered: t.unanswered,
                solved_with_article: t.solved_with_article,
            },
            articles: i
                .articles
                .iter()
                .map(|a| ArticleInsightView {
                    article_id: a.article_id,
                    title: a.title.clone(),
                    views: a.stats.views,
                    helpful: a.stats.helpful,
                    unhelpful: a.stats.unhelpful,
                })
                .collect(),
            unanswered: i
                .unanswered
                .iter()
                .map(|(query, count)| UnansweredView {
                    query: query.clone(),
                    count: *count,
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/kb/insights",
    tag = "knowledge base",
    description = "Views and votes per article, help center searches that found nothing, and tickets solved with a linked article, over a range of days (at most 366).",
    params(InsightsQuery),
    responses((status = 200, body = InsightsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn insights(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<InsightsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let day = |field: &str, raw: Option<String>, v: &mut Validator| {
        raw.and_then(|r| match r.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                v.push(FieldError::new(
                    field,
                    "invalid_date",
                    "a day such as 2026-12-01",
                ));
                None
            }
        })
    };
    let mut v = Validator::new();
    let from = day("from", q.from, &mut v);
    let to = day("to", q.to, &mut v);
    v.finish()?;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.checked_sub(jiff::Span::new().days(30)).unwrap_or(to));
    let found = state.kb.insights(&principal, from, to).await?;
    Ok(Json(InsightsView::from(&found)))
}
