//! [`TriggerStore`] on the single table: one versioned item per tenant.

use super::DynamoStore;
use super::sla::decode;
use crate::items::SlaConfigItem;
use crate::keys;
use switchboard_domain::automation::ports::TriggerStore;
use switchboard_domain::automation::trigger::TriggerSet;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TenantId;

impl TriggerStore for DynamoStore {
    async fn triggers(&self, tenant: TenantId) -> StoreResult<TriggerSet> {
        match self.get::<SlaConfigItem>(&keys::triggers(tenant)).await? {
            Some(i) => Ok(TriggerSet {
                version: i.version,
                ..decode(&i.payload)?
            }),
            None => Ok(TriggerSet::default()),
        }
    }

    async fn put_triggers(
        &self,
        tenant: TenantId,
        set: &TriggerSet,
        expected_version: u64,
    ) -> StoreResult<()> {
        self.put_config(keys::triggers(tenant), set, set.version, expected_version)
            .await
    }
}
