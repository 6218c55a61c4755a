//! A person's data: their export and their erasure (GDPR), and the jobs
//! that carry them out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::DomainError;
use switchboard_domain::jobs::job::{Job, JobStatus};
use switchboard_domain::kernel::events::ActorType;
use switchboard_domain::kernel::ids::{JobId, UserId};
use switchboard_http::extract::path_id;
use switchboard_http::layers::location;
use switchboard_http::problem::Problems;
use switchboard_http::{ApiError, Authenticated, Json};

use crate::AppState;
use std::sync::Arc;

type S = State<Arc<AppState>>;

/// A job and how far it is.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView {
    #[schema(value_type = String, example = "job_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: JobId,
    /// `person_export` or `person_erasure`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The person it is about.
    #[schema(value_type = String)]
    user_id: UserId,
    /// `queued`, `running`, `done` or `failed`.
    #[schema(value_type = String, example = "running")]
    status: JobStatus,
    progress: ProgressView,
    /// Who asked for it (`user` or `api_key`, and its id).
    requested_by: RequesterView,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<Timestamp>,
    /// A finished export's file: a short-lived link, issued anew on each
    /// read.
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<DownloadView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProgressView {
    done: u64,
    /// Known once the job has counted its work.
    total: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct RequesterView {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "user")]
    kind: ActorType,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DownloadView {
    url: String,
    expires_at: Timestamp,
}

impl JobView {
    async fn of(state: &AppState, job: Job) -> Result<Self, DomainError> {
        let download = state
            .personal_data
            .download(&job)
            .await?
            .map(|r| DownloadView {
                url: r.url,
                expires_at: r.expires_at,
            });
        Ok(Self {
            id: job.id,
            kind: job.work.name(),
            user_id: job.work.person(),
            status: job.status,
            progress: ProgressView {
                done: job.progress.done,
                total: job.progress.total,
            },
            requested_by: RequesterView {
                kind: job.requested_by.kind,
                id: job.requested_by.id.clone(),
            },
            error: job.error.clone(),
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
            download,
        })
    }
}

/// `202` with the job and where to follow it.
async fn accepted(state: &AppState, job: Job) -> Result<Response, ApiError> {
    let path = format!("/v1/jobs/{}", job.id);
    let view = JobView::of(state, job).await?;
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
    Ok(Json(JobView::of(&state, job).await?))
}
