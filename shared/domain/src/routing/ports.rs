//! What the routing context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::ids::EventId;
use crate::kernel::ids::TenantId;
use std::future::Future;

/// Which of the router's steps are done for an event (so a redelivery repeats none).
pub trait StepLog: Send + Sync {
    /// Records that the router finished `step` for an event: `false` if it
    /// already had (a redelivery).
    fn complete_step(
        &self,
        tenant: TenantId,
        event: EventId,
        step: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The steps the router has finished for an event (one read for all).
    fn steps_completed(
        &self,
        tenant: TenantId,
        event: EventId,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}
