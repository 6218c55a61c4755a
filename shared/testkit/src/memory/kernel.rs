//! The kernel ports in memory: health, the outbox, idempotency records.

use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::idempotency::{IdempotencyRecord, RETENTION};
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::ports::{EventLog, Health, IdempotencyStore};

use super::MemoryStore;

impl Health for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.enter("ping")
    }
}

impl EventLog for MemoryStore {
    async fn append_events(&self, events: &[DomainEvent]) -> Result<(), StoreError> {
        self.enter("append_events")?;
        self.write(|s| {
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.add_events(events);
            Ok(())
        })
    }
}

impl IdempotencyStore for MemoryStore {
    async fn idempotency_record(
        &self,
        tenant: TenantId,
        scope: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.enter("idempotency_record")?;
        let now = self.wall_now().as_second();
        Ok(self.read(|s| {
            s.idempotency
                .get(&(tenant, scope.to_owned()))
                // Its TTL (epoch seconds) passed: no record, stored or not.
                .filter(|r| {
                    r.created_at
                        .saturating_add(RETENTION)
                        .map_or(0, |t| t.as_second())
                        > now
                })
                .cloned()
        }))
    }
}
