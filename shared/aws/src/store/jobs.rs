//! [`JobStore`] and the erasure's own writes on the single table.

use switchboard_domain::StoreError;
use switchboard_domain::jobs::job::Job;
use switchboard_domain::jobs::ports::JobStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{JobId, TenantId};
use switchboard_domain::privacy::ports::ErasureStore;
use switchboard_domain::tickets::ticket::HistoryEntry;

use super::{DynamoStore, to_item};
use crate::items::{HistoryItem, JobItem};
use crate::keys;

impl JobStore for DynamoStore {
    async fn create_job(&self, job: &Job, events: &[DomainEvent]) -> StoreResult<()> {
        let mut items = vec![self.put_new(&JobItem::from(job))?];
        items.extend(self.put_events(events)?);
        self.transact(items, |_| StoreError::ConditionFailed).await
    }

    async fn job(&self, tenant: TenantId, id: JobId) -> StoreResult<Option<Job>> {
        Ok(self
            .get::<JobItem>(&keys::job(tenant, id))
            .await?
            .map(Into::into))
    }

    async fn save_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        let item = to_item(&JobItem::from(job))?;
        self.transact(vec![self.put_if_version(item, expected_version)?], |_| {
            StoreError::VersionMismatch
        })
        .await
    }
}

impl ErasureStore for DynamoStore {
    async fn forget_message(&self, tenant: TenantId, message_id: &str) -> StoreResult<()> {
        self.delete_if_present(&keys::message(tenant, message_id))
            .await
    }

    async fn forget_bounce(&self, tenant: TenantId, address: &str) -> StoreResult<()> {
        self.delete_if_present(&keys::bouncing(tenant, address))
            .await
    }

    async fn replace_history(&self, tenant: TenantId, entry: &HistoryEntry) -> StoreResult<()> {
        let item = HistoryItem::new(tenant, entry)
            .map_err(|e| StoreError::Internal(format!("encoding a history entry: {e}")))?;
        self.put_one(to_item(&item)?, None).await
    }
}
