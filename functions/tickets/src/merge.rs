//! Merging tickets into another (staff): `POST /v1/tickets/{id}/merge`.

use crate::{AppState, idempotency};
use axum::extract::{Path, State};
use axum::response::Response;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::kernel::validation::{Validator, parse_id};
use switchboard_domain::tickets::input::{Body, TicketMerge};
use switchboard_http::extract::{IdempotentJson, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{self, versioned};
use switchboard_http::views::TicketView;
use switchboard_http::{ApiError, Authenticated};

type S = State<Arc<AppState>>;

/// `POST /v1/tickets/{id}/merge`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MergeRequest {
    /// The tickets merged into this one, in order (1 to 20).
    source_ids: Vec<String>,
    /// The note each merged ticket is closed with (default: "This request
    /// was merged into #n: subject").
    comment: Option<String>,
    /// Whether that note is a public reply, mailed to its requester
    /// (default `false`: an internal note).
    public: Option<bool>,
}

impl TryFrom<MergeRequest> for TicketMerge {
    type Error = DomainError;

    fn try_from(r: MergeRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let sources: Vec<Option<TicketId>> = r
            .source_ids
            .iter()
            .enumerate()
            .map(|(i, raw)| v.field(&format!("sourceIds.{i}"), parse_id::<TicketId>(raw)))
            .collect();
        let note = v.optional("comment", r.comment, |c| Body::parse(&c));
        v.finish()?;
        Ok(TicketMerge {
            sources: sources.into_iter().flatten().collect(),
            note: note.flatten(),
            public: r.public.unwrap_or(false),
        })
    }
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/merge",
    tag = "tickets",
    description = "Merges other tickets into this one (staff). Each is closed with a note naming this ticket \
(`comment`, public or not) and shows `mergedInto`; its conversation is copied here (each copy keeps its id and \
carries `copiedFrom`), its participants and tags join this ticket's, and its requester is copied on this ticket \
when that is someone else. Its number (`GET /v1/tickets/by-number/{n}` answers with this ticket and \
`reachedFrom`), reply address and mail threads lead here afterwards. One source's merge is atomic; every source \
is checked before any is merged (`422` with a field error per refused source: `not_found`, `is_target`, \
`already_merged`, `ticket_closed`, `too_large`); a source already merged into this ticket counts as done. \
`ticket.merged` is sent for each.",
    request_body = MergeRequest,
    params(("id" = String, Path, description = "The ticket merged into"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first result for the same key and body")),
    responses((status = 200, body = TicketView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn merge(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    IdempotentJson { body, key }: IdempotentJson<MergeRequest>,
) -> Result<Response, ApiError> {
    let target = path_id::<TicketId>(&id)?;
    let key = idempotency(&principal, &format!("POST /v1/tickets/{target}/merge"), key);
    let (ticket, replayed) = state
        .tickets
        .merge(&principal, target, body.try_into()?, key, Timestamp::now())
        .await?
        .into_inner();
    Ok(respond::replayed(
        versioned(ticket.version, TicketView::from(&ticket)),
        replayed,
    ))
}
