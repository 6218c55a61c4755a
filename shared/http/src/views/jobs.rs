//! A background job as the API shows it.

use jiff::Timestamp;
use serde::Serialize;
use switchboard_domain::jobs::job::{Job, JobStatus};
use switchboard_domain::kernel::events::ActorType;
use switchboard_domain::kernel::ids::{JobId, UserId};

/// A job and how far it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    #[schema(value_type = String, example = "job_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    pub id: JobId,
    /// `person_export`, `person_erasure` or `search_rebuild`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The person it is about, if it is about one.
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// `queued`, `running`, `done` or `failed`.
    #[schema(value_type = String, example = "running")]
    pub status: JobStatus,
    pub progress: ProgressView,
    /// Who asked for it (`user`, `api_key` or `operator`, and its id).
    pub requested_by: RequesterView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// A finished export's file: a short-lived link, issued anew on each
    /// read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<DownloadView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressView {
    pub done: u64,
    /// Known once the job has counted its work.
    pub total: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequesterView {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "user")]
    pub kind: ActorType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DownloadView {
    pub url: String,
    pub expires_at: Timestamp,
}

impl JobView {
    pub fn new(job: &Job, download: Option<DownloadView>) -> Self {
        Self {
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
        }
    }
}
