//! What the jobs context needs from storage.

use crate::jobs::job::Job;
use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::{JobId, TenantId};

#[trait_variant::make(Send)]
pub trait JobStore: Send + Sync {
    /// Writes a new job with `events`, atomically (`ConditionFailed` if a
    /// job with its id exists). Writing it starts the work.
    async fn create_job(&self, job: &Job, events: &[DomainEvent]) -> StoreResult<()>;

    async fn job(&self, tenant: TenantId, id: JobId) -> StoreResult<Option<Job>>;

    /// Replaces the job if it is still at `expected_version`.
    async fn save_job(&self, job: &Job, expected_version: u64) -> StoreResult<()>;
}
