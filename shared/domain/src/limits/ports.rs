//! What rate limiting needs from storage.

use jiff::Timestamp;

use crate::kernel::error::StoreResult;
use crate::limits::bucket::{Policy, Scope};

/// What a lease got, and what the bucket has left after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub granted: u32,
    pub left: u32,
}

/// Shared token buckets.
#[trait_variant::make(Send)]
pub trait Buckets: Send + Sync {
    /// Takes up to `want` tokens from the scope's bucket (refilled to
    /// `now`, created full), atomically against other instances.
    async fn lease(
        &self,
        scope: &Scope,
        policy: &Policy,
        want: u32,
        now: Timestamp,
    ) -> StoreResult<Lease>;
}
