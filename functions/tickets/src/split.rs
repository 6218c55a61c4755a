//! Splitting part of a conversation into a new ticket (staff):
//! `POST /v1/tickets/{id}/split`.

use crate::{AppState, idempotency, staff};
use axum::extract::{Path, State};
use axum::response::Response;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::ids::{CommentId, TicketId};
use switchboard_domain::kernel::validation::{Validator, parse_id};
use switchboard_domain::tickets::input::{SubjectLine, TicketSplit};
use switchboard_http::extract::{IdempotentJson, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{self, created};
use switchboard_http::views::TicketDetailView;
use switchboard_http::{ApiError, Authenticated};

type S = State<Arc<AppState>>;

/// `POST /v1/tickets/{id}/split`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SplitRequest {
    /// The comments of this ticket that become the new ticket (1 to 50).
    comment_ids: Vec<String>,
    /// The new ticket's subject.
    subject: String,
}

impl TryFrom<SplitRequest> for TicketSplit {
    type Error = DomainError;

    fn try_from(r: SplitRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let comments: Vec<Option<CommentId>> = r
            .comment_ids
            .iter()
            .enumerate()
            .map(|(i, raw)| v.field(&format!("commentIds.{i}"), parse_id::<CommentId>(raw)))
            .collect();
        let subject = v.field("subject", SubjectLine::parse(&r.subject));
        v.finish()?;
        let subject =
            subject.ok_or_else(|| DomainError::Internal("a refused subject passed".into()))?;
        Ok(TicketSplit {
            comments: comments.into_iter().flatten().collect(),
            subject,
        })
    }
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/split",
    tag = "tickets",
    description = "Opens a new ticket with some of this ticket's comments (staff): they are copied there in \
conversation order (each keeps its id and carries `copiedFrom`), for the same requester and participants, with \
this ticket's priority, type, team, assignee, tags and fields. Both tickets get an internal note naming the other; \
the requester is acknowledged the new number. Atomic. `422` per refused comment (`not_found`), for a closed \
ticket (`ticket_closed`), or too much to copy (`too_large`).",
    request_body = SplitRequest,
    params(("id" = String, Path, description = "The ticket split"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first result for the same key and body")),
    responses((status = 201, body = TicketDetailView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn split(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    IdempotentJson { body, key }: IdempotentJson<SplitRequest>,
) -> Result<Response, ApiError> {
    let source = path_id::<TicketId>(&id)?;
    let key = idempotency(&principal, &format!("POST /v1/tickets/{source}/split"), key);
    let (detail, replayed) = state
        .tickets
        .split(&principal, source, body.try_into()?, key, Timestamp::now())
        .await?
        .into_inner();
    let location = format!("/v1/tickets/{}", detail.ticket.id);
    let view = TicketDetailView::new(&detail, None, staff(&principal));
    Ok(respond::replayed(
        created(&location, Some(detail.ticket.version), view),
        replayed,
    ))
}
