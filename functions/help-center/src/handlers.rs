//! The help center's routes: each admits the caller's address first,
//! reads the help center as the caller may (nobody, or the holder of a
//! token of this tenant), and answers with caching headers.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use switchboard_domain::kb::files::FileReader;
use switchboard_domain::kb::finding::{ArticleSearch, parse_page, parse_tag_filter};
use switchboard_domain::kb::ports::VoteOutcome;
use switchboard_domain::kernel::ids::{ArticleFileId, ArticleId, CategoryId, SectionId};
use switchboard_domain::kernel::validation::{Validator, parse_id};
use switchboard_http::cached::{Audience, cached_json};
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::presigned_redirect;
use switchboard_http::{ApiError, ClientAddress, Json, MaybeAuthenticated, Query, ReaderRoute};

use crate::views::{
    CategoriesView, HelpArticleView, SearchView, SectionArticlesView, SuggestionsView, VoteView,
    found,
};
use crate::{S, context};

fn audience(who: &MaybeAuthenticated) -> Audience {
    if who.0.is_some() {
        Audience::Private
    } else {
        Audience::Public
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LocaleQuery {
    /// The reader's locale (BCP 47); else `Accept-Language`; else the
    /// default.
    locale: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/help/{tenant}/categories",
    tag = "help center",
    description = "The help center's categories and their sections, in order, named in the reader's locale.",
    params(("tenant" = String, Path, description = "The tenant's slug"), LocaleQuery),
    responses((status = 200, body = CategoriesView), (status = 304, description = "Not modified"), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn categories(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    Path(tenant): Path<String>,
    Query(q): Query<LocaleQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let ctx = context(
        &state,
        &tenant,
        who.0.as_ref(),
        q.locale.as_deref(),
        &headers,
    )
    .await?;
    let all = state.kb.help_categories(&ctx).await?;
    cached_json(&headers, &CategoriesView::new(&ctx, &all), audience(&who))
}

#[utoipa::path(
    get,
    path = "/v1/help/{tenant}/sections/{id}/articles",
    tag = "help center",
    description = "The articles of a section the reader may read, in order.",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The section's id"),
        LocaleQuery,
    ),
    responses((status = 200, body = SectionArticlesView), (status = 304, description = "Not modified"), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn section(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Query<LocaleQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let ctx = context(
        &state,
        &tenant,
        who.0.as_ref(),
        q.locale.as_deref(),
        &headers,
    )
    .await?;
    let (section, articles) = state
        .kb
        .help_section(&ctx, path_id::<SectionId>(&id)?)
        .await?;
    cached_json(
        &headers,
        &SectionArticlesView::new(&ctx, &section, &articles),
        audience(&who),
    )
}

#[utoipa::path(
    get,
    path = "/v1/help/{tenant}/articles/{slug}",
    tag = "help center",
    description = "A published article by its slug (in the reader's locale or the default) or its id, as sanitised HTML; \
the default locale's text when the reader's has none (`fallback`). Each read counts a view.",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("slug" = String, Path, description = "The article's slug, or its id"),
        LocaleQuery,
    ),
    responses((status = 200, body = HelpArticleView), (status = 304, description = "Not modified"), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn article(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    Path((tenant, slug)): Path<(String, String)>,
    Query(q): Query<LocaleQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let ctx = context(
        &state,
        &tenant,
        who.0.as_ref(),
        q.locale.as_deref(),
        &headers,
    )
    .await?;
    let now = Timestamp::now();
    let read = state.kb.help_article(&ctx, &slug, now).await?;
    let html = state.kb.article_html(
        &read.article,
        &read.translation.body,
        ctx.tenant.slug.as_str(),
        now,
    );
    cached_json(
        &headers,
        &HelpArticleView::new(&ctx, &read, html),
        audience(&who),
    )
}

/// "Was this helpful?"
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VoteRequest {
    helpful: bool,
}

#[utoipa::path(
    post,
    path = "/v1/help/{tenant}/articles/{id}/votes",
    tag = "help center",
    description = "Records whether the article helped: one vote per person (signed in) or client address per article; a second vote replaces the first.",
    request_body = VoteRequest,
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The article's id"),
    ),
    responses((status = 200, body = VoteView), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn vote(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    ClientAddress(address): ClientAddress,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<VoteRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let ctx = context(&state, &tenant, who.0.as_ref(), None, &headers).await?;
    let voter = match (&who.0, address) {
        (Some(p), _) if p.tenant_id() == ctx.tenant.id => p.caller_id(),
        (_, Some(address)) => switchboard_http::public::network_of(address).to_string(),
        // In-process, with no gateway: one anonymous voter.
        (_, None) => "unknown".to_owned(),
    };
    let outcome = state
        .kb
        .help_vote(
            &ctx,
            path_id::<ArticleId>(&id)?,
            &voter,
            body.helpful,
            Timestamp::now(),
        )
        .await?;
    Ok(Json(VoteView {
        vote: match outcome {
            VoteOutcome::Counted => "counted",
            VoteOutcome::Changed => "changed",
            VoteOutcome::Unchanged => "unchanged",
        },
    }))
}

/// The signature an article's answer puts on the addresses of its files
/// when the article is for customers (a browser's `<img>` sends no token).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SignedQuery {
    /// Epoch seconds.
    expires: Option<i64>,
    signature: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/help/{tenant}/articles/{id}/files/{file}",
    tag = "help center",
    description = "An image or file of an article the reader may read: a `302` to a presigned GET valid 5 minutes \
(images and PDFs inline, other files as downloads).",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The article's id"),
        ("file" = String, Path, description = "The file's id"),
        SignedQuery,
    ),
    responses((status = 302, description = "`Location`: the presigned download"), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn file(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    Path((tenant, id, file)): Path<(String, String, String)>,
    Query(signed): Query<SignedQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let ctx = context(&state, &tenant, who.0.as_ref(), None, &headers).await?;
    let reader = match (signed.expires, signed.signature.as_deref()) {
        (Some(expires), Some(signature)) => FileReader::Signed {
            ctx: &ctx,
            expires,
            signature,
            now: Timestamp::now(),
        },
        _ => FileReader::Help(&ctx),
    };
    let request = state
        .kb
        .download_file(
            &state.objects,
            reader,
            path_id::<ArticleId>(&id)?,
            path_id::<ArticleFileId>(&file)?,
        )
        .await?;
    presigned_redirect(&request.url)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Words; the last one may be the start of a word.
    q: String,
    locale: Option<String>,
    category_id: Option<String>,
    section_id: Option<String>,
    /// Comma-separated; every tag must be on the article.
    tags: Option<String>,
    /// 1 to 50 (10 by default).
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/help/{tenant}/search",
    tag = "help center",
    description = "Published articles the reader may read that have every word, in their locale or the default, best first. \
A search that finds nothing is counted for the knowledge manager.",
    params(("tenant" = String, Path, description = "The tenant's slug"), SearchQuery),
    responses((status = 200, body = SearchView), (status = 304, description = "Not modified"), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn search(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    Path(tenant): Path<String>,
    Query(q): Query<SearchQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let mut v = Validator::new();
    let category_id = v.optional("categoryId", q.category_id, |c| parse_id::<CategoryId>(&c));
    let section_id = v.optional("sectionId", q.section_id, |s| parse_id::<SectionId>(&s));
    let (offset, limit) = parse_page(q.limit, q.cursor.as_deref(), 50, &mut v);
    v.finish()?;
    let ctx = context(
        &state,
        &tenant,
        who.0.as_ref(),
        q.locale.as_deref(),
        &headers,
    )
    .await?;
    let search = ArticleSearch {
        q: q.q,
        category_id: category_id.flatten(),
        section_id: section_id.flatten(),
        tags: parse_tag_filter(q.tags.as_deref()),
        offset,
        limit,
    };
    let results = state
        .kb
        .help_search(&ctx, &search, Timestamp::now())
        .await?;
    let view = SearchView {
        locale: (&ctx).into(),
        items: results.items.iter().map(found).collect(),
        total: results.total,
        next_cursor: results.next_offset.map(|n| format!("o{n}")),
    };
    cached_json(&headers, &view, audience(&who))
}

/// What a customer is about to ask.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuggestRequest {
    subject: String,
    #[serde(default)]
    description: String,
    locale: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/help/{tenant}/suggest",
    tag = "help center",
    description = "The published articles (at most 5) most likely to answer what a customer is about to ask, before they open a ticket.",
    request_body = SuggestRequest,
    params(("tenant" = String, Path, description = "The tenant's slug")),
    responses((status = 200, body = SuggestionsView), Problems),
    security((), ("bearer" = [])),
)]
pub(crate) async fn suggest(
    State(state): S,
    _: ReaderRoute,
    who: MaybeAuthenticated,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Json(body): Json<SuggestRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let ctx = context(
        &state,
        &tenant,
        who.0.as_ref(),
        body.locale.as_deref(),
        &headers,
    )
    .await?;
    let found_articles = state
        .kb
        .help_suggest(&ctx, &body.subject, &body.description)
        .await?;
    Ok(Json(SuggestionsView {
        items: found_articles.iter().map(found).collect(),
    }))
}
