//! The routing ports on the single table.

use super::{DynamoStore, to_item};
use crate::items::EventStepItem;
use crate::keys::{self, attr};
use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{EventId, TenantId};
use switchboard_domain::routing::ports::StepLog;

impl StepLog for DynamoStore {
    async fn complete_step(
        &self,
        tenant: TenantId,
        event: EventId,
        step: &str,
    ) -> StoreResult<bool> {
        let item = EventStepItem::new(keys::event_step(tenant, event, step), Timestamp::now());
        match self
            .put_one(to_item(&item)?, Some("attribute_not_exists(PK)"))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn steps_completed(&self, tenant: TenantId, event: EventId) -> StoreResult<Vec<String>> {
        // Step marks share the event's partition.
        let pk = keys::event(tenant, event).pk;
        let items = self
            .query_partition_consistent(&pk, keys::EVENT_STEP_PREFIX)
            .await?;
        Ok(items
            .iter()
            .filter_map(|i| i.get(attr::SK).and_then(|v| v.as_s().ok()))
            .filter_map(|sk| sk.strip_prefix(keys::EVENT_STEP_PREFIX))
            .map(str::to_owned)
            .collect())
    }
}
