//! What the automation context needs from storage. The AWS adapters
//! implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::automation::trigger::TriggerSet;
use crate::kernel::error::StoreResult;
use crate::kernel::ids::TenantId;

/// A tenant's triggers, read and written as one versioned set (they run in
/// order, and reordering changes them all).
#[trait_variant::make(Send)]
pub trait TriggerStore: Send + Sync {
    /// The set (empty at version 0 when none was written).
    async fn triggers(&self, tenant: TenantId) -> StoreResult<TriggerSet>;

    /// Replaces the set if still at `expected_version` (`VersionMismatch`
    /// otherwise; 0: none stored yet).
    async fn put_triggers(
        &self,
        tenant: TenantId,
        set: &TriggerSet,
        expected_version: u64,
    ) -> StoreResult<()>;
}
