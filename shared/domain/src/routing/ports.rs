//! What the routing context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::ids::{EventId, TenantId};

/// Which of the router's steps are done for an event (so a redelivery repeats none).
#[trait_variant::make(Send)]
pub trait StepLog: Send + Sync {
    /// Records that the router finished `step` for an event: `false` if it
    /// already had (a redelivery).
    async fn complete_step(
        &self,
        tenant: TenantId,
        event: EventId,
        step: &str,
    ) -> StoreResult<bool>;

    /// The steps the router has finished for an event (one read for all).
    async fn steps_completed(&self, tenant: TenantId, event: EventId) -> StoreResult<Vec<String>>;
}
