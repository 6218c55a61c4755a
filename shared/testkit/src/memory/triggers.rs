//! Triggers in memory: one versioned set per tenant.

use switchboard_domain::StoreError;
use switchboard_domain::automation::ports::TriggerStore;
use switchboard_domain::automation::trigger::TriggerSet;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TenantId;

use super::MemoryStore;
use super::sla::config_fits;

impl TriggerStore for MemoryStore {
    async fn triggers(&self, tenant: TenantId) -> StoreResult<TriggerSet> {
        self.enter("triggers")?;
        Ok(self.read(|s| s.triggers.get(&tenant).cloned().unwrap_or_default()))
    }

    async fn put_triggers(
        &self,
        tenant: TenantId,
        set: &TriggerSet,
        expected_version: u64,
    ) -> StoreResult<()> {
        self.enter("put_triggers")?;
        self.write(|s| {
            if !config_fits(s.triggers.get(&tenant).map(|t| t.version), expected_version) {
                return Err(StoreError::VersionMismatch);
            }
            s.triggers.insert(tenant, set.clone());
            Ok(())
        })
    }
}
