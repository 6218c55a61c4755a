//! The `kb` function: the knowledge base as staff write and read it
//! (categories, sections, articles with their translations, drafts and
//! revisions, staff search, settings, insights) and the articles of a
//! ticket (suggested from its text, linked by agents). The public help
//! center is the `help-center` function.

use axum::Router;
use axum::extract::State;
use axum::http::Method;
use std::sync::Arc;
use switchboard_aws::objects::S3Objects;
use switchboard_http::routes::Routes;
use switchboard_wiring::Api;
use switchboard_wiring::services::KbService;

mod articles;
mod files;
mod input;
mod structure;
mod tickets;
mod views;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub kb: KbService,
    /// Articles' files, in the attachments bucket.
    pub objects: S3Objects,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// An article's JSON may carry 256 KiB of Markdown, escaped.
const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    use articles as a;
    use structure as s;
    Routes::new()
        .add(Method::GET, "/v1/kb/settings", s::get_settings)
        .add(Method::PUT, "/v1/kb/settings", s::put_settings)
        .add(Method::GET, "/v1/kb/categories", s::list_categories)
        .add(Method::POST, "/v1/kb/categories", s::create_category)
        .add(Method::GET, "/v1/kb/categories/{id}", s::get_category)
        .add(Method::PATCH, "/v1/kb/categories/{id}", s::update_category)
        .add(Method::DELETE, "/v1/kb/categories/{id}", s::delete_category)
        .add(Method::GET, "/v1/kb/sections", s::list_sections)
        .add(Method::POST, "/v1/kb/sections", s::create_section)
        .add(Method::GET, "/v1/kb/sections/{id}", s::get_section)
        .add(Method::PATCH, "/v1/kb/sections/{id}", s::update_section)
        .add(Method::DELETE, "/v1/kb/sections/{id}", s::delete_section)
        .add(Method::POST, "/v1/kb/sections/{id}/reorder", a::reorder)
        .add(Method::GET, "/v1/kb/articles", a::list)
        .add(Method::POST, "/v1/kb/articles", a::create)
        .add(Method::GET, "/v1/kb/articles/{id}", a::get)
        .add(Method::PATCH, "/v1/kb/articles/{id}", a::update)
        .add(Method::DELETE, "/v1/kb/articles/{id}", a::delete)
        .add(
            Method::PUT,
            "/v1/kb/articles/{id}/translations/{locale}",
            a::save_translation,
        )
        .add(
            Method::DELETE,
            "/v1/kb/articles/{id}/translations/{locale}",
            a::delete_translation,
        )
        .add(
            Method::POST,
            "/v1/kb/articles/{id}/translations/{locale}/publish",
            a::publish_draft,
        )
        .add(
            Method::GET,
            "/v1/kb/articles/{id}/translations/{locale}/revisions",
            a::revisions,
        )
        .add(
            Method::POST,
            "/v1/kb/articles/{id}/translations/{locale}/revisions/{revision}/restore",
            a::restore,
        )
        .add(Method::GET, "/v1/kb/articles/{id}/files", files::list)
        .add(Method::POST, "/v1/kb/articles/{id}/files", files::upload)
        .add(
            Method::GET,
            "/v1/kb/articles/{id}/files/{file}",
            files::open,
        )
        .add(
            Method::DELETE,
            "/v1/kb/articles/{id}/files/{file}",
            files::remove,
        )
        .add(Method::GET, "/v1/kb/search", a::search)
        .add(Method::GET, "/v1/kb/insights", tickets::insights)
        .add(
            Method::GET,
            "/v1/tickets/{id}/suggested-articles",
            tickets::suggested,
        )
        .add(
            Method::GET,
            "/v1/tickets/{id}/linked-articles",
            tickets::linked,
        )
        .add(
            Method::PUT,
            "/v1/tickets/{id}/linked-articles",
            tickets::link,
        )
        .with_body_limit(BODY_LIMIT_BYTES)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    structure::get_settings,
    structure::put_settings,
    structure::list_categories,
    structure::create_category,
    structure::get_category,
    structure::update_category,
    structure::delete_category,
    structure::list_sections,
    structure::create_section,
    structure::get_section,
    structure::update_section,
    structure::delete_section,
    articles::reorder,
    articles::list,
    articles::create,
    articles::get,
    articles::update,
    articles::delete,
    articles::save_translation,
    articles::delete_translation,
    articles::publish_draft,
    articles::revisions,
    articles::restore,
    articles::search,
    files::list,
    files::upload,
    files::open,
    files::remove,
    tickets::insights,
    tickets::suggested,
    tickets::linked,
    tickets::link
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}
