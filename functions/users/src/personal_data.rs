//! A person's data: their export and their erasure (GDPR), and the jobs
//! that carry them out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use switchboard_domain::DomainError;
use switchboard_domain::jobs::job::Job;
use switchboard_domain::kernel::ids::{JobId, UserId};
use switchboard_http::extract::path_id;
use switchboard_http::layers::location;
use switchboard_http::problem::Problems;
use switchboard_http::views::{DownloadView, JobView};
use switchboard_http::{ApiError, Authenticated, Json};

use crate::AppState;
use std::sync::Arc;

type S = State<Arc<AppState>>;

/// The job as the caller sees it, with a link to a finished export.
async fn job_view(state: &AppState, job: Job) -> Result<JobView, DomainError> {
    let download = state
        .personal_data
        .download(&job)
        .await?
        .map(|r| DownloadView {
            url: r.url,
            expires_at: r.expires_at,
        });
    Ok(JobView::new(&job, download))
}

/// `202` with the job and where to follow it.
async fn accepted(state: &AppState, job: Job) -> Result<Response, ApiError> {
    let path = format!("/v1/jobs/{}", job.id);
    let view = job_view(state, job).await?;
    Ok((StatusCode::ACCEPTED, [location(&path)], Json(view)).into_response())
}

#[utoipa::path(
    post,
    path = "/v1/users/{id}/export",
    tag = "users",
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 202, body = JobView, description = "The export is being prepared: follow `Location`"),
        Problems
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn export(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = state
        .personal_data
        .request_export(&principal, path_id::<UserId>(&id)?, Timestamp::now())
        .await?;
    accepted(&state, job).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EraseRequest {
    /// The person's email address, to confirm an erasure that cannot be
    /// undone.
    confirm: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/users/{id}/erase",
    tag = "users",
    request_body = EraseRequest,
    params(("id" = String, Path, description = "The object's id")),
    responses(
        (status = 202, body = JobView, description = "Erased: the person is a tombstone; what they wrote is being erased (follow `Location`). Asking again answers with the same job."),
        Problems
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn erase(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<EraseRequest>,
) -> Result<Response, ApiError> {
    let id = path_id::<UserId>(&id)?;
    let confirm = body
        .confirm
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            DomainError::field(
                "confirm",
                "required",
                "the person's email address, to confirm the erasure",
            )
        })?;
    let job = state
        .personal_data
        .erase(&principal, id, &confirm, Timestamp::now())
        .await?;
    accepted(&state, job).await
}

#[utoipa::path(
    get,
    path = "/v1/jobs/{id}",
    tag = "users",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = JobView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get_job(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = state
        .personal_data
        .job(&principal, path_id::<JobId>(&id)?)
        .await?;
    Ok(Json(job_view(&state, job).await?))
}
