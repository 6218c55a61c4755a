//! What the kernel context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::events::DomainEvent;
use crate::kernel::idempotency::IdempotencyRecord;
use crate::kernel::ids::TenantId;
use std::future::Future;

/// Whether storage answers at all (health checks).
pub trait Health: Send + Sync {
    /// Whether storage answers at all (health checks).
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Writes events that accompany no state change to the outbox.
pub trait EventLog: Send + Sync {
    /// Writes events that accompany no state change (to the outbox).
    fn append_events(
        &self,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What an `Idempotency-Key` produced before (the record is written with the resource it created).
pub trait IdempotencyStore: Send + Sync {
    fn idempotency_record(
        &self,
        tenant: TenantId,
        scope: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;
}
