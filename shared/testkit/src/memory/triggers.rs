//! Triggers and automations in memory: one versioned set per tenant each.

use switchboard_domain::StoreError;
use switchboard_domain::automation::ports::{AutomationStore, TriggerStore};
use switchboard_domain::automation::timed::AutomationSet;
use switchboard_domain::automation::trigger::TriggerSet;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
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
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_triggers")?;
        self.write(|s| {
            if !config_fits(s.triggers.get(&tenant).map(|t| t.version), expected_version) {
                return Err(StoreError::VersionMismatch);
            }
            s.triggers.insert(tenant, set.clone());
            s.add_events(events);
            Ok(())
        })
    }
}

impl AutomationStore for MemoryStore {
    async fn automations(&self, tenant: TenantId) -> StoreResult<AutomationSet> {
        self.enter("automations")?;
        Ok(self.read(|s| s.automations.get(&tenant).cloned().unwrap_or_default()))
    }

    async fn put_automations(
        &self,
        tenant: TenantId,
        set: &AutomationSet,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_automations")?;
        self.write(|s| {
            if !config_fits(
                s.automations.get(&tenant).map(|a| a.version),
                expected_version,
            ) {
                return Err(StoreError::VersionMismatch);
            }
            s.automations.insert(tenant, set.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn automated_tenants(&self) -> StoreResult<Vec<TenantId>> {
        self.enter("automated_tenants")?;
        Ok(self.read(|s| {
            s.automations
                .iter()
                .filter(|(_, set)| set.any_active())
                .map(|(t, _)| *t)
                .collect()
        }))
    }
}
