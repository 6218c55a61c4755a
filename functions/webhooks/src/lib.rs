//! The `webhooks` function: integrators' endpoints, their signing secrets,
//! test events, and the delivery log with redelivery.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::kernel::ids::{DeliveryId, WebhookId};
use switchboard_domain::webhooks::service::EndpointInput;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::routes::Routes;
use switchboard_http::views::{DeliveryView, ListView, PageView, WebhookView};
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;
use switchboard_wiring::services::WebhooksService;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub webhooks: WebhooksService,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/webhooks", list)
        .add(Method::POST, "/v1/webhooks", create)
        .add(Method::GET, "/v1/webhooks/{id}", get)
        .add(Method::PATCH, "/v1/webhooks/{id}", update)
        .add(Method::DELETE, "/v1/webhooks/{id}", delete)
        .add(
            Method::POST,
            "/v1/webhooks/{id}/rotate-secret",
            rotate_secret,
        )
        .add(Method::POST, "/v1/webhooks/{id}/test", test)
        .add(Method::GET, "/v1/webhooks/{id}/deliveries", deliveries)
        .add(
            Method::GET,
            "/v1/webhooks/{id}/deliveries/{deliveryId}",
            delivery,
        )
        .add(
            Method::POST,
            "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
            redeliver,
        )
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    create,
    get,
    update,
    delete,
    rotate_secret,
    test,
    deliveries,
    delivery,
    redeliver
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct WebhookRequest {
    /// `https://…` (plain `http` only where the deployment allows it).
    url: Option<String>,
    description: Option<String>,
    /// Event types from the catalogue, or `["*"]` (the default).
    events: Option<Vec<String>>,
    enabled: Option<bool>,
}

impl From<WebhookRequest> for EndpointInput {
    fn from(r: WebhookRequest) -> Self {
        EndpointInput {
            url: r.url,
            description: r.description,
            events: r.events,
            enabled: r.enabled,
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/webhooks",
    tag = "webhooks",
    responses((status = 200, body = ListView<WebhookView>), Problems),
    security(("bearer" = [])),
)]
async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
) -> Result<Json<ListView<WebhookView>>, ApiError> {
    let endpoints = state.webhooks.list(&principal).await?;
    Ok(Json(ListView {
        items: endpoints
            .iter()
            .map(|e| WebhookView::new(e, None))
            .collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/webhooks",
    tag = "webhooks",
    description = "Registers an endpoint. The answer carries its signing secret (`whsec_…`), shown this once. \
Deliveries follow Standard Webhooks: headers `webhook-id` (stable across retries), `webhook-timestamp`, \
`webhook-signature: v1,<base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\">`; the body is the event envelope (`DomainEvent`).",
    request_body = WebhookRequest,
    responses((status = 201, body = WebhookView), Problems),
    security(("bearer" = [])),
)]
async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<WebhookRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (endpoint, secret) = state
        .webhooks
        .create(&principal, body.into(), Timestamp::now())
        .await?;
    let location = format!("/v1/webhooks/{}", endpoint.id);
    Ok(created(
        &location,
        Some(endpoint.version),
        WebhookView::new(&endpoint, Some(&secret)),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, body = WebhookView), Problems),
    security(("bearer" = [])),
)]
async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let e = state
        .webhooks
        .get(&principal, path_id::<WebhookId>(&id)?)
        .await?;
    Ok(versioned(e.version, WebhookView::new(&e, None)))
}

#[utoipa::path(
    patch,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = WebhookRequest,
    responses(
        (status = 200, description = "Re-enabling clears a disable by Switchboard", body = WebhookView),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<WebhookRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let e = state
        .webhooks
        .update(
            &principal,
            path_id::<WebhookId>(&id)?,
            body.into(),
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(e.version, WebhookView::new(&e, None)))
}

#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted; pending deliveries are skipped"), Problems),
    security(("bearer" = [])),
)]
async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .webhooks
        .delete(&principal, path_id::<WebhookId>(&id)?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    description = "A new signing secret, shown this once. The previous one keeps signing (a second signature in \
`webhook-signature`) for 24 hours, so receivers can switch without losing deliveries.",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, body = WebhookView), Problems),
    security(("bearer" = [])),
)]
async fn rotate_secret(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (e, secret) = state
        .webhooks
        .rotate_secret(&principal, path_id::<WebhookId>(&id)?, Timestamp::now())
        .await?;
    Ok(versioned(e.version, WebhookView::new(&e, Some(&secret))))
}

#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/test",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 202, description = "A `webhook.test` delivery is on its way", body = DeliveryView),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn test(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<DeliveryView>), ApiError> {
    let d = state
        .webhooks
        .test(&principal, path_id::<WebhookId>(&id)?, Timestamp::now())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryView::new(&d, false))))
}

#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), PageQuery),
    responses(
        (status = 200, description = "Newest first (kept 30 days)", body = PageView<DeliveryView>),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn deliveries(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<PageView<DeliveryView>>, ApiError> {
    let page = q.page()?;
    let found = state
        .webhooks
        .deliveries(&principal, path_id::<WebhookId>(&id)?, &page)
        .await?;
    Ok(Json(PageView::from_page(found, |d| {
        DeliveryView::new(d, false)
    })))
}

#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}/deliveries/{deliveryId}",
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The endpoint's id"),
        ("deliveryId" = String, Path, description = "The delivery's id (`msg_…`, the `webhook-id`)"),
    ),
    responses((status = 200, body = DeliveryView), Problems),
    security(("bearer" = [])),
)]
async fn delivery(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Json<DeliveryView>, ApiError> {
    let d = state
        .webhooks
        .delivery(
            &principal,
            path_id::<WebhookId>(&id)?,
            path_id::<DeliveryId>(&delivery)?,
        )
        .await?;
    Ok(Json(DeliveryView::new(&d, true)))
}

#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The endpoint's id"),
        ("deliveryId" = String, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Sent again with the same `webhook-id`", body = DeliveryView),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn redeliver(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<(StatusCode, Json<DeliveryView>), ApiError> {
    let d = state
        .webhooks
        .redeliver(
            &principal,
            path_id::<WebhookId>(&id)?,
            path_id::<DeliveryId>(&delivery)?,
            Timestamp::now(),
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryView::new(&d, false))))
}
