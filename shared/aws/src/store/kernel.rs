//! The kernel ports on the single table.

use super::{DynamoStore, sdk_error};
use crate::items::IdempotencyItem;
use crate::keys::{self};
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::idempotency::IdempotencyRecord;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::ports::{EventLog, Health, IdempotencyStore};

impl Health for DynamoStore {
    async fn ping(&self) -> StoreResult<()> {
        self.client()
            .describe_table()
            .table_name(self.table())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

impl EventLog for DynamoStore {
    async fn append_events(&self, events: &[DomainEvent]) -> StoreResult<()> {
        let writes = self.put_events(events)?;
        self.transact(writes, |_| StoreError::ConditionFailed).await
    }
}

impl IdempotencyStore for DynamoStore {
    async fn idempotency_record(
        &self,
        tenant: TenantId,
        scope: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let now = jiff::Timestamp::now().as_second();
        Ok(self
            .get::<IdempotencyItem>(&keys::idempotency(tenant, scope))
            .await?
            // TTL deletion is lazy: an expired record is no record.
            .filter(|i| i.ttl > now)
            .map(|i| i.into_record(scope)))
    }
}
