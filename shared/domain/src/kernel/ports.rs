//! What the kernel context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::idempotency::IdempotencyRecord;
use crate::kernel::ids::TenantId;

/// Whether storage answers at all (health checks).
#[trait_variant::make(Send)]
pub trait Health: Send + Sync {
    /// Whether storage answers at all (health checks).
    async fn ping(&self) -> StoreResult<()>;
}

/// Writes events that accompany no state change to the outbox.
#[trait_variant::make(Send)]
pub trait EventLog: Send + Sync {
    /// Writes events that accompany no state change (to the outbox).
    async fn append_events(&self, events: &[DomainEvent]) -> StoreResult<()>;
}

/// What an `Idempotency-Key` produced before (the record is written with the resource it created).
#[trait_variant::make(Send)]
pub trait IdempotencyStore: Send + Sync {
    async fn idempotency_record(
        &self,
        tenant: TenantId,
        scope: &str,
    ) -> StoreResult<Option<IdempotencyRecord>>;
}

/// Records audit entries that accompany no other change (sign-ins); those
/// of changes are written with them by the store.
#[trait_variant::make(Send)]
pub trait AuditTrail: Send + Sync {
    async fn record_audit(&self, entries: &[crate::kernel::audit::AuditEntry]) -> StoreResult<()>;
}
