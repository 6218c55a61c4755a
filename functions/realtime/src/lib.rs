//! Live updates. `realtime` serves `POST /v1/realtime/tickets` (a one-time
//! connection ticket); `ws-connect`, `ws-disconnect` and `ws-message` are
//! the WebSocket API's routes ([`socket`]).

pub mod socket;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;
use switchboard_aws::DynamoStore;
use switchboard_aws::push::ConnectionsApi;
use switchboard_domain::realtime::service::Live;
use switchboard_http::problem::Problems;
use switchboard_http::routes::Routes;
use switchboard_http::{ApiError, Authenticated, Json};
use switchboard_wiring::Api;

pub type LiveService = Live<DynamoStore, ConnectionsApi>;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub live: LiveService,
    /// The WebSocket API's URL (`wss://…/{stage}`), told to clients.
    pub websocket_url: String,
}

pub type AppState = Api<Services>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new().add(Method::POST, "/v1/realtime/tickets", issue_ticket)
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(issue_ticket))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ConnectionTicketView {
    /// Present it once, as `?ticket=` on the WebSocket URL.
    ticket: String,
    expires_at: Timestamp,
    /// Where to connect: the WebSocket URL with the ticket.
    connect_url: String,
}

#[utoipa::path(
    post,
    path = "/v1/realtime/tickets",
    tag = "realtime",
    description = "A one-time ticket for the WebSocket API, valid 30 seconds and bound to the caller. \
Access tokens never go in URLs: connect to `connectUrl`, then send `{\"action\":\"subscribe\",\"topic\":…}` \
with topics `ticket:{id}`, `queue` (staff) or `user:{your id}`; `{\"action\":\"typing\",\"ticketId\":…}`; \
`{\"action\":\"ping\"}`. Every event arrives as `{\"type\":\"event\",\"topic\":…,\"event\":{envelope}}`; \
refusals as `{\"type\":\"error\",\"code\":…}`.",
    responses((status = 201, body = ConnectionTicketView), Problems),
    security(("bearer" = [])),
)]
async fn issue_ticket(
    State(state): State<Arc<AppState>>,
    Authenticated(principal): Authenticated,
) -> Result<(StatusCode, Json<ConnectionTicketView>), ApiError> {
    let issued = state
        .live
        .issue_ticket(&principal, Timestamp::now())
        .await?;
    let connect_url = format!("{}?ticket={}", state.websocket_url, issued.secret);
    Ok((
        StatusCode::CREATED,
        Json(ConnectionTicketView {
            ticket: issued.secret,
            expires_at: issued.expires_at,
            connect_url,
        }),
    ))
}
