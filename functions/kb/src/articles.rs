//! Articles (`/v1/kb/articles…`): lists, one with its text in a locale,
//! writing, translations, drafts, revisions, staff search and a section's
//! order. Every change takes `If-Match` with the article's version.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::kb::article::ArticleStatus;
use switchboard_domain::kb::finding::{ArticleSearch, FoundArticles, parse_page, parse_tag_filter};
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::reading::ArticleFilter;
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::ids::{ArticleId, CategoryId, RevisionId, SectionId};
use switchboard_domain::kernel::validation::{Validator, parse_id};
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::S;
use crate::input::{ArticlePatchRequest, NewArticleRequest, TranslationRequest, parse_article_ids};
use crate::views::{ArticleSummaryView, ArticleView, ItemsView, RevisionView, WrittenView};

fn locale(raw: &str) -> Result<Locale, ApiError> {
    Locale::parse(raw)
        .map_err(|e| ApiError::invalid_query(vec![FieldError::new("locale", e.code, e.message)]))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// A section's articles in order (all of them); otherwise every
    /// article, the last changed first, a page at a time.
    section_id: Option<String>,
    /// `draft`, `published` or `archived`.
    status: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleListView {
    items: Vec<ArticleSummaryView>,
    next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/kb/articles",
    tag = "knowledge base",
    description = "Articles for staff, drafts and archived ones too.",
    params(ListQuery),
    responses((status = 200, body = ArticleListView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let mut v = Validator::new();
    let section_id = v.optional("sectionId", q.section_id, |s| parse_id::<SectionId>(&s));
    let status = v.optional("status", q.status, |s| ArticleStatus::parse(&s));
    v.finish()?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let filter = ArticleFilter {
        section_id: section_id.flatten(),
        status: status.flatten(),
    };
    let found = state.kb.articles(&principal, &filter, &page).await?;
    Ok(Json(ArticleListView {
        items: found.items.iter().map(ArticleSummaryView::from).collect(),
        next_cursor: found.next_cursor,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/kb/articles",
    tag = "knowledge base",
    description = "Writes a new article in one locale (writers): a draft unless `status: published`.",
    request_body = NewArticleRequest,
    responses((status = 201, body = WrittenView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<NewArticleRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (article, text) = state
        .kb
        .create_article(&principal, body.try_into()?, Timestamp::now())
        .await?;
    Ok(created(
        &format!("/v1/kb/articles/{}", article.id),
        Some(article.version),
        WrittenView::new(&article, &text),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LocaleQuery {
    /// The text's locale (the default locale when absent).
    locale: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/kb/articles/{id}",
    tag = "knowledge base",
    description = "An article with its text in a locale (Markdown and the HTML readers get), its pending draft and its counts.",
    params(("id" = String, Path, description = "The article's id"), LocaleQuery),
    responses((status = 200, body = ArticleView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Query(q): Query<LocaleQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let locale = q.locale.as_deref().map(locale).transpose()?;
    let view = state
        .kb
        .article_view(&principal, path_id::<ArticleId>(&id)?, locale)
        .await?;
    Ok(versioned(view.article.version, ArticleView::from(&view)))
}

#[utoipa::path(
    patch,
    path = "/v1/kb/articles/{id}",
    tag = "knowledge base",
    description = "Publishes, archives, moves, reorders, changes visibility or tags. `If-Match` is required.",
    request_body = ArticlePatchRequest,
    params(("id" = String, Path, description = "The article's id")),
    responses((status = 200, body = ArticleSummaryView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<ArticlePatchRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let patch = body.try_into()?;
    let version = if_match.required()?;
    let article = state
        .kb
        .update_article(&principal, id, patch, version, Timestamp::now())
        .await?;
    Ok(versioned(
        article.version,
        ArticleSummaryView::from(&article),
    ))
}

#[utoipa::path(
    delete,
    path = "/v1/kb/articles/{id}",
    tag = "knowledge base",
    description = "Deletes the article, its translations, revisions and files (writers).",
    params(("id" = String, Path, description = "The article's id")),
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
        .kb
        .delete_article_and_files(
            &state.objects,
            &principal,
            path_id::<ArticleId>(&id)?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put,
    path = "/v1/kb/articles/{id}/translations/{locale}",
    tag = "knowledge base",
    description = "Saves a locale's text, keeping a revision. On a published article, `draft: true` keeps it as a draft until `…/publish`. `If-Match` is required.",
    request_body = TranslationRequest,
    params(
        ("id" = String, Path, description = "The article's id"),
        ("locale" = String, Path, description = "A locale of the knowledge base (BCP 47)"),
    ),
    responses((status = 200, body = WrittenView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn save_translation(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, raw)): Path<(String, String)>,
    if_match: IfMatch,
    Json(body): Json<TranslationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let input = body.try_into()?;
    let version = if_match.required()?;
    let (article, text) = state
        .kb
        .save_translation(
            &principal,
            id,
            locale(&raw)?,
            input,
            version,
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(
        article.version,
        WrittenView::new(&article, &text),
    ))
}

#[utoipa::path(
    delete,
    path = "/v1/kb/articles/{id}/translations/{locale}",
    tag = "knowledge base",
    description = "Removes a locale's translation (never the default locale's). `If-Match` is required.",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("locale" = String, Path, description = "The locale"),
    ),
    responses((status = 200, body = ArticleSummaryView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete_translation(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, raw)): Path<(String, String)>,
    if_match: IfMatch,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let version = if_match.required()?;
    let article = state
        .kb
        .delete_translation(&principal, id, locale(&raw)?, version, Timestamp::now())
        .await?;
    Ok(versioned(
        article.version,
        ArticleSummaryView::from(&article),
    ))
}

#[utoipa::path(
    post,
    path = "/v1/kb/articles/{id}/translations/{locale}/publish",
    tag = "knowledge base",
    description = "Publishes the locale's pending draft: readers see it from this write on. `If-Match` is required.",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("locale" = String, Path, description = "The locale"),
    ),
    responses((status = 200, body = WrittenView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn publish_draft(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, raw)): Path<(String, String)>,
    if_match: IfMatch,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let version = if_match.required()?;
    let (article, text) = state
        .kb
        .publish_draft(&principal, id, locale(&raw)?, version, Timestamp::now())
        .await?;
    Ok(versioned(
        article.version,
        WrittenView::new(&article, &text),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevisionListView {
    items: Vec<RevisionView>,
    next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/kb/articles/{id}/translations/{locale}/revisions",
    tag = "knowledge base",
    description = "A translation's revisions, newest first, with their authors.",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("locale" = String, Path, description = "The locale"),
        PageQuery,
    ),
    responses((status = 200, body = RevisionListView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn revisions(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, raw)): Path<(String, String)>,
    Query(page): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let page = page.page()?;
    let found = state
        .kb
        .revisions(&principal, id, &locale(&raw)?, &page)
        .await?;
    Ok(Json(RevisionListView {
        items: found.items.iter().map(RevisionView::from).collect(),
        next_cursor: found.next_cursor,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/kb/articles/{id}/translations/{locale}/revisions/{revision}/restore",
    tag = "knowledge base",
    description = "Makes a former revision the translation's text again (as a new revision). `If-Match` is required.",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("locale" = String, Path, description = "The locale"),
        ("revision" = String, Path, description = "The revision's id"),
    ),
    responses((status = 200, body = WrittenView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn restore(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, raw, revision)): Path<(String, String, String)>,
    if_match: IfMatch,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let revision = path_id::<RevisionId>(&revision)?;
    let version = if_match.required()?;
    let (article, text) = state
        .kb
        .restore_revision(
            &principal,
            id,
            locale(&raw)?,
            revision,
            version,
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(
        article.version,
        WrittenView::new(&article, &text),
    ))
}

/// `{articleIds}` in their new order.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReorderRequest {
    article_ids: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/v1/kb/sections/{id}/reorder",
    tag = "knowledge base",
    description = "Puts a section's articles in the order given (those left out follow, in their order).",
    request_body = ReorderRequest,
    params(("id" = String, Path, description = "The section's id")),
    responses((status = 200, body = ItemsView<ArticleSummaryView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn reorder(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<ReorderRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let section = path_id::<SectionId>(&id)?;
    let ids = parse_article_ids(&body.article_ids)?;
    let order = state.kb.reorder_section(&principal, section, &ids).await?;
    Ok(Json(ItemsView {
        items: order.iter().map(ArticleSummaryView::from).collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Words; the last one may be the start of a word.
    q: String,
    category_id: Option<String>,
    section_id: Option<String>,
    /// Comma-separated; every tag must be on the article.
    tags: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// An article found, with the matched words in `<em>` (HTML-escaped).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FoundView {
    article: ArticleSummaryView,
    locale: String,
    title: String,
    snippet: String,
    score: f32,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FoundListView {
    items: Vec<FoundView>,
    total: usize,
    next_cursor: Option<String>,
}

impl From<&FoundArticles> for FoundListView {
    fn from(f: &FoundArticles) -> Self {
        Self {
            items: f
                .items
                .iter()
                .map(|x| FoundView {
                    article: (&x.article).into(),
                    locale: x.hit.locale.to_string(),
                    title: x.hit.title.clone(),
                    snippet: x.hit.snippet.clone(),
                    score: x.hit.score,
                })
                .collect(),
            total: f.total,
            next_cursor: f.next_offset.map(|n| format!("o{n}")),
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/kb/search",
    tag = "knowledge base",
    description = "Staff search of published articles of every visibility and locale (drafts are listed by section).",
    params(SearchQuery),
    responses((status = 200, body = FoundListView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn search(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<SearchQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let mut v = Validator::new();
    let category_id = v.optional("categoryId", q.category_id, |c| parse_id::<CategoryId>(&c));
    let section_id = v.optional("sectionId", q.section_id, |s| parse_id::<SectionId>(&s));
    let (offset, limit) = parse_page(q.limit, q.cursor.as_deref(), 100, &mut v);
    v.finish()?;
    let search = ArticleSearch {
        q: q.q,
        category_id: category_id.flatten(),
        section_id: section_id.flatten(),
        tags: parse_tag_filter(q.tags.as_deref()),
        offset,
        limit,
    };
    let found = state.kb.search_articles(&principal, &search).await?;
    Ok(Json(FoundListView::from(&found)))
}
