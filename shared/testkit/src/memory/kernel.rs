//! The kernel ports in memory: health, the outbox, idempotency records.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::idempotency::{IdempotencyRecord, RETENTION};
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::ports::{EventLog, Health, IdempotencyStore};

use super::MemoryStore;

impl Health for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        self.enter("ping")
    }
}

impl EventLog for MemoryStore {
    async fn append_events(&self, events: &[DomainEvent]) -> StoreResult<()> {
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

/// Whether a record's TTL (epoch seconds, a day after it was made) has
/// passed at `now`: it is then no record, whether or not TTL removed it.
pub(super) fn expired(record: &IdempotencyRecord, now: Timestamp) -> bool {
    let ttl = record
        .created_at
        .saturating_add(RETENTION)
        .map_or(0, |t| t.as_second());
    ttl <= now.as_second()
}

impl IdempotencyStore for MemoryStore {
    async fn idempotency_record(
        &self,
        tenant: TenantId,
        scope: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.enter("idempotency_record")?;
        let now = self.wall_now();
        Ok(self.read(|s| {
            s.idempotency
                .get(&(tenant, scope.to_owned()))
                .filter(|r| !expired(r, now))
                .cloned()
        }))
    }
}
