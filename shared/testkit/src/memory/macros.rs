//! Macros in memory, one entry each; uses counted apart from changes.

use switchboard_domain::StoreError;
use switchboard_domain::automation::macros::Macro;
use switchboard_domain::automation::ports::MacroStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{MacroId, TenantId};

use super::MemoryStore;

impl MacroStore for MemoryStore {
    async fn macros(&self, tenant: TenantId) -> StoreResult<Vec<Macro>> {
        self.enter("macros")?;
        Ok(self.read(|s| {
            s.macros
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, m)| m.clone())
                .collect()
        }))
    }

    async fn macro_by_id(&self, tenant: TenantId, id: MacroId) -> StoreResult<Option<Macro>> {
        self.enter("macro_by_id")?;
        Ok(self.read(|s| s.macros.get(&(tenant, id)).cloned()))
    }

    async fn put_macro(
        &self,
        m: &Macro,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_macro")?;
        self.write(|s| {
            let key = (m.tenant_id, m.id);
            let usage = match (s.macros.get(&key), expected_version) {
                (None, 0) => 0,
                (Some(stored), v) if v != 0 && stored.version == v => stored.usage,
                _ => return Err(StoreError::VersionMismatch),
            };
            s.macros.insert(key, Macro { usage, ..m.clone() });
            s.add_events(events);
            Ok(())
        })
    }

    async fn delete_macro(
        &self,
        tenant: TenantId,
        id: MacroId,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("delete_macro")?;
        self.write(|s| {
            s.macros.remove(&(tenant, id));
            s.add_events(events);
            Ok(())
        })
    }

    async fn count_macro_use(&self, tenant: TenantId, id: MacroId) -> StoreResult<()> {
        self.enter("count_macro_use")?;
        self.write(|s| {
            if let Some(m) = s.macros.get_mut(&(tenant, id)) {
                m.usage += 1;
            }
            Ok(())
        })
    }
}
