//! A ticket's participants (the people copied on it): read by whoever may
//! read the ticket, replaced by staff with `If-Match`.

use crate::AppState;
use crate::requests::ParticipantsRequest;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::versioned;
use switchboard_http::{ApiError, Authenticated, Json};

type S = State<Arc<AppState>>;

/// The people copied on a ticket.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ParticipantsView {
    participants: BTreeSet<String>,
    /// The ticket's version (also the `ETag`).
    version: u64,
}

impl From<&Ticket> for ParticipantsView {
    fn from(t: &Ticket) -> Self {
        Self {
            participants: t.cc.clone(),
            version: t.version,
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/participants",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 200, body = ParticipantsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let detail = state
        .tickets
        .get(&principal, path_id::<TicketId>(&id)?)
        .await?;
    Ok(versioned(
        detail.ticket.version,
        ParticipantsView::from(&detail.ticket),
    ))
}

#[utoipa::path(
    put,
    path = "/v1/tickets/{id}/participants",
    tag = "tickets",
    description = "Replaces the people copied on the ticket (staff). They may reply by mail, read the ticket and \
follow it live when they sign in, and are copied on agents' replies. Requires `If-Match`.",
    request_body = ParticipantsRequest,
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 200, body = ParticipantsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn replace(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<ParticipantsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id::<TicketId>(&id)?;
    let version = if_match.required()?;
    let ticket = state
        .tickets
        .update(
            &principal,
            id,
            body.try_into()?,
            Some(version),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(ticket.version, ParticipantsView::from(&ticket)))
}
