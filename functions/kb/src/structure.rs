//! Categories and sections (`/v1/kb/categories`, `/v1/kb/sections`), and
//! the knowledge base's settings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use switchboard_domain::kernel::ids::{CategoryId, SectionId};
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::S;
use crate::input::{GroupRequest, SettingsRequest};
use crate::views::{CategoryView, ItemsView, SectionView, SettingsView};

#[utoipa::path(
    get,
    path = "/v1/kb/categories",
    tag = "knowledge base",
    description = "Every category, in order (staff).",
    responses((status = 200, body = ItemsView<CategoryView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list_categories(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let all = state.kb.categories(&principal).await?;
    Ok(Json(ItemsView {
        items: all.iter().map(CategoryView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/kb/categories",
    tag = "knowledge base",
    description = "Creates a category (writers; at most 100).",
    request_body = GroupRequest,
    responses((status = 201, body = CategoryView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create_category(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<GroupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let c = state
        .kb
        .create_category(&principal, body.try_into()?, Timestamp::now())
        .await?;
    Ok(created(
        &format!("/v1/kb/categories/{}", c.id),
        Some(c.version),
        CategoryView::from(&c),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/kb/categories/{id}",
    tag = "knowledge base",
    params(("id" = String, Path, description = "The category's id")),
    responses((status = 200, body = CategoryView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get_category(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let c = state
        .kb
        .category(&principal, path_id::<CategoryId>(&id)?)
        .await?;
    Ok(versioned(c.version, CategoryView::from(&c)))
}

#[utoipa::path(
    patch,
    path = "/v1/kb/categories/{id}",
    tag = "knowledge base",
    description = "Renames, translates or reorders a category (`position`).",
    request_body = GroupRequest,
    params(("id" = String, Path, description = "The category's id")),
    responses((status = 200, body = CategoryView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update_category(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<GroupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let c = state
        .kb
        .update_category(
            &principal,
            path_id::<CategoryId>(&id)?,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(c.version, CategoryView::from(&c)))
}

#[utoipa::path(
    delete,
    path = "/v1/kb/categories/{id}",
    tag = "knowledge base",
    description = "Deletes an empty category (`409 not_empty` while it has sections).",
    params(("id" = String, Path, description = "The category's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete_category(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    state
        .kb
        .delete_category(&principal, path_id::<CategoryId>(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct SectionsQuery {
    /// Only this category's sections.
    category_id: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/kb/sections",
    tag = "knowledge base",
    description = "Sections in order (staff), of one category if asked.",
    params(SectionsQuery),
    responses((status = 200, body = ItemsView<SectionView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list_sections(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<SectionsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let category = q
        .category_id
        .as_deref()
        .map(path_id::<CategoryId>)
        .transpose()?;
    let all = state.kb.sections(&principal, category).await?;
    Ok(Json(ItemsView {
        items: all.iter().map(SectionView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/kb/sections",
    tag = "knowledge base",
    description = "Creates a section in a category (writers).",
    request_body = GroupRequest,
    responses((status = 201, body = SectionView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create_section(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<GroupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state
        .kb
        .create_section(&principal, body.try_into()?, Timestamp::now())
        .await?;
    Ok(created(
        &format!("/v1/kb/sections/{}", s.id),
        Some(s.version),
        SectionView::from(&s),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/kb/sections/{id}",
    tag = "knowledge base",
    params(("id" = String, Path, description = "The section's id")),
    responses((status = 200, body = SectionView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get_section(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state
        .kb
        .section(&principal, path_id::<SectionId>(&id)?)
        .await?;
    Ok(versioned(s.version, SectionView::from(&s)))
}

#[utoipa::path(
    patch,
    path = "/v1/kb/sections/{id}",
    tag = "knowledge base",
    description = "Renames, translates, reorders or moves a section to another category (`categoryId`; its articles go along).",
    request_body = GroupRequest,
    params(("id" = String, Path, description = "The section's id")),
    responses((status = 200, body = SectionView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update_section(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<GroupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state
        .kb
        .update_section(
            &principal,
            path_id::<SectionId>(&id)?,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(s.version, SectionView::from(&s)))
}

#[utoipa::path(
    delete,
    path = "/v1/kb/sections/{id}",
    tag = "knowledge base",
    description = "Deletes an empty section (`409 not_empty` while it has articles).",
    params(("id" = String, Path, description = "The section's id")),
    responses((status = 204, description = "Deleted"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete_section(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    state
        .kb
        .delete_section(&principal, path_id::<SectionId>(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/kb/settings",
    tag = "knowledge base",
    description = "The locales the knowledge base is written in, its default, and the agents who may write it.",
    responses((status = 200, body = SettingsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get_settings(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let s = state.kb.settings(&principal).await?;
    Ok(versioned(s.version, SettingsView::from(&s)))
}

#[utoipa::path(
    put,
    path = "/v1/kb/settings",
    tag = "knowledge base",
    description = "Replaces the settings (admins). Disabling a locale keeps its translations; readers are no longer served them.",
    request_body = SettingsRequest,
    responses((status = 200, body = SettingsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn put_settings(
    State(state): S,
    Authenticated(principal): Authenticated,
    if_match: IfMatch,
    Json(body): Json<SettingsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state
        .kb
        .set_settings(
            &principal,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(s.version, SettingsView::from(&s)))
}
