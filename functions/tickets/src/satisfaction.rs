//! Satisfaction ratings: the requester of a solved ticket rates it signed
//! in (`POST /v1/tickets/{id}/satisfaction`) or through the survey link
//! mailed when it was solved (`POST /v1/satisfaction/…` with the link's
//! token in the body, no credential: the token's seal is one).

use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::kernel::validation::Validator;
use switchboard_domain::tickets::satisfaction::Rating;
use switchboard_domain::tickets::ticket::{Satisfaction, Score, Status, Ticket};
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::versioned;
use switchboard_http::views::TicketView;
use switchboard_http::{ApiError, Authenticated, Json, PublicRoute};

type S = State<Arc<AppState>>;

/// A rating: `score` is `good` or `bad`; `comment` is optional.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RatingRequest {
    score: String,
    /// At most 2,000 characters.
    comment: Option<String>,
}

impl TryFrom<RatingRequest> for Rating {
    type Error = DomainError;

    fn try_from(r: RatingRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let score = v.field("score", Score::parse(&r.score));
        let comment = v.optional("comment", r.comment, |c| Rating::parse_comment(&c));
        v.finish()?;
        let score = score.ok_or_else(|| DomainError::Internal("a refused score passed".into()))?;
        Ok(Rating {
            score,
            comment: comment.flatten().flatten(),
        })
    }
}

/// What a survey page shows: the ticket, and the rating so far.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SurveyView {
    helpdesk: String,
    number: u64,
    subject: String,
    #[schema(value_type = String, example = "solved")]
    status: Status,
    #[schema(value_type = Option<Object>)]
    satisfaction: Option<Satisfaction>,
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/satisfaction",
    tag = "tickets",
    description = "The requester rates their solved or closed ticket `good` or `bad`, with an optional comment; \
rating again replaces it. Emits `satisfaction.rated`; a `bad` rating reopens a solved ticket when the tenant's \
`settings.satisfaction.reopenOnBad` is on. Anyone else (staff included) is `403 not_requester`; while the tenant \
asks for no ratings, `403 surveys_disabled`; an unsolved ticket is `422 not_solved`, one merged away `422 merged`.",
    params(("id" = String, Path, description = "The object's id")),
    request_body = RatingRequest,
    responses((status = 200, body = TicketView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn rate(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<RatingRequest>,
) -> Result<Response, ApiError> {
    let id = path_id::<TicketId>(&id)?;
    let ticket = state
        .tickets
        .rate(&principal, id, body.try_into()?, Timestamp::now())
        .await?;
    // The ticket as its customer sees it (public fields and clock).
    Ok(versioned(ticket.version, TicketView::new(&ticket, false)))
}

/// A survey link's token (from the link the survey mail carries; sent in
/// the body, so that it never appears in a URL the API logs).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SurveyRequest {
    token: String,
}

/// A rating through a survey link.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkRatingRequest {
    token: String,
    score: String,
    /// At most 2,000 characters.
    comment: Option<String>,
}

fn survey_view(
    principal: &switchboard_domain::accounts::permissions::Principal,
    ticket: Ticket,
) -> SurveyView {
    SurveyView {
        helpdesk: principal.tenant.name.clone(),
        number: ticket.number,
        subject: ticket.subject,
        status: ticket.status,
        satisfaction: ticket.satisfaction,
    }
}

#[utoipa::path(
    post,
    path = "/v1/satisfaction/survey",
    tag = "tickets",
    description = "The survey a mailed link stands for (no credential: the link's token is sealed, and expires \
after 28 days or when the tenant stops asking): the ticket's number, subject and status, and the rating so far. \
A forged, expired or foreign token is `404`.",
    request_body = SurveyRequest,
    responses((status = 200, body = SurveyView), Problems),
)]
pub(crate) async fn survey(
    State(state): S,
    _: PublicRoute,
    Json(body): Json<SurveyRequest>,
) -> Result<Response, ApiError> {
    let (principal, ticket) = state
        .tickets
        .surveyed(&state.surveys, &body.token, Timestamp::now())
        .await?;
    Ok(Json(survey_view(&principal, ticket)).into_response())
}

#[utoipa::path(
    post,
    path = "/v1/satisfaction/rating",
    tag = "tickets",
    description = "Rates the ticket of a survey link as its requester (the page the mail's one-click links open \
posts the score, then the comment). Same rules as `POST /v1/tickets/{id}/satisfaction`.",
    request_body = LinkRatingRequest,
    responses((status = 200, body = SurveyView), Problems),
)]
pub(crate) async fn rate_by_link(
    State(state): S,
    _: PublicRoute,
    Json(body): Json<LinkRatingRequest>,
) -> Result<Response, ApiError> {
    let LinkRatingRequest {
        token,
        score,
        comment,
    } = body;
    let rating: Rating = RatingRequest { score, comment }.try_into()?;
    let now = Timestamp::now();
    let (principal, ticket) = state.tickets.surveyed(&state.surveys, &token, now).await?;
    let ticket = state
        .tickets
        .rate(&principal, ticket.id, rating, now)
        .await?;
    Ok(Json(survey_view(&principal, ticket)).into_response())
}

#[utoipa::path(
    post,
    path = "/v1/satisfaction/opt-out",
    tag = "tickets",
    description = "The requester of a survey link asks for no more satisfaction surveys (none of their tickets \
will ask again; the change is recorded as `user.updated`).",
    request_body = SurveyRequest,
    responses((status = 204, description = "No more surveys"), Problems),
)]
pub(crate) async fn opt_out(
    State(state): S,
    _: PublicRoute,
    Json(body): Json<SurveyRequest>,
) -> Result<Response, ApiError> {
    state
        .tickets
        .decline_surveys(&state.surveys, &body.token, Timestamp::now())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
