//! Stored shape of a job. Writing one starts it: the jobs worker's stream
//! mapping selects new items whose `entity` is `job`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::jobs::job::{Job, JobStatus, Progress, Work};
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::{JobId, TenantId};

use super::KeyAttrs;
use crate::keys;

pub const JOB_ENTITY: &str = "job";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: JobId,
    pub tenant_id: TenantId,
    pub work: Work,
    pub requested_by: Actor,
    pub status: JobStatus,
    pub progress: Progress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    pub version: u64,
}

impl From<&Job> for JobItem {
    fn from(j: &Job) -> Self {
        Self {
            key: keys::job(j.tenant_id, j.id).into(),
            entity: JOB_ENTITY.to_owned(),
            id: j.id,
            tenant_id: j.tenant_id,
            work: j.work.clone(),
            requested_by: j.requested_by.clone(),
            status: j.status,
            progress: j.progress,
            file: j.file.clone(),
            error: j.error.clone(),
            attempts: j.attempts,
            checkpoint: j.checkpoint.clone(),
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            version: j.version,
        }
    }
}

impl From<JobItem> for Job {
    fn from(i: JobItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            work: i.work,
            requested_by: i.requested_by,
            status: i.status,
            progress: i.progress,
            file: i.file,
            error: i.error,
            attempts: i.attempts,
            checkpoint: i.checkpoint,
            created_at: i.created_at,
            started_at: i.started_at,
            finished_at: i.finished_at,
            version: i.version,
        }
    }
}
