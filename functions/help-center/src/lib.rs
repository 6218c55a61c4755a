//! The `help-center` function: a tenant's public help center by its
//! slug, with no credential needed: categories and sections, published
//! articles in the reader's locale (or the default, saying so), search,
//! suggestions before a ticket is opened, and "was this helpful?". A
//! customer's token shows articles for customers too. Answers carry an
//! `ETag` and `Cache-Control` and answer `304`; callers are rate limited
//! by address.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use std::sync::Arc;
use switchboard_aws::objects::S3Objects;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kb::help_center::HelpContext;
use switchboard_domain::kb::locale::accept_language;
use switchboard_http::routes::Routes;
use switchboard_wiring::Api;
use switchboard_wiring::services::KbService;

mod handlers;
mod views;

pub struct Services {
    pub kb: KbService,
    /// Articles' files, in the attachments bucket.
    pub objects: S3Objects,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    use handlers as h;
    Routes::new()
        .add(Method::GET, "/v1/help/{tenant}/categories", h::categories)
        .add(
            Method::GET,
            "/v1/help/{tenant}/sections/{id}/articles",
            h::section,
        )
        .add(Method::GET, "/v1/help/{tenant}/articles/{slug}", h::article)
        .add(
            Method::POST,
            "/v1/help/{tenant}/articles/{id}/votes",
            h::vote,
        )
        .add(
            Method::GET,
            "/v1/help/{tenant}/articles/{id}/files/{file}",
            h::file,
        )
        .add(Method::GET, "/v1/help/{tenant}/search", h::search)
        .add(Method::POST, "/v1/help/{tenant}/suggest", h::suggest)
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    handlers::categories,
    handlers::section,
    handlers::article,
    handlers::vote,
    handlers::file,
    handlers::search,
    handlers::suggest
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

/// The help center of `tenant` for this reader, in the locale asked for
/// (`?locale=`, then `Accept-Language`).
async fn context(
    state: &AppState,
    tenant: &str,
    principal: Option<&Principal>,
    locale: Option<&str>,
    headers: &HeaderMap,
) -> Result<HelpContext, DomainError> {
    let header = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut asked: Vec<&str> = locale.into_iter().collect();
    asked.extend(accept_language(header));
    state
        .kb
        .help_center(tenant, principal, &asked, jiff::Timestamp::now())
        .await
}
