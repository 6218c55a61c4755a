//! What the privacy context needs from storage and the outside world.

use crate::attachments::attachment::PresignedRequest;
use crate::kernel::error::StoreResult;
use crate::kernel::ids::{JobId, TenantId, UserId};
use crate::tickets::ticket::HistoryEntry;

/// Where exports are kept (expiring after days), and links to them.
#[trait_variant::make(Send)]
pub trait ExportFiles: Send + Sync {
    /// Stores a job's file about `person`; its key.
    async fn put_export(
        &self,
        tenant: TenantId,
        person: UserId,
        job: JobId,
        body: Vec<u8>,
    ) -> StoreResult<String>;

    /// Deletes every export about `person`.
    async fn delete_exports(&self, tenant: TenantId, person: UserId) -> StoreResult<()>;

    /// A short-lived GET of the file at `key`, downloaded as `filename`.
    async fn presign_export(&self, key: &str, filename: &str) -> StoreResult<PresignedRequest>;
}

/// Mail as it was received (kept whole, apart from the table).
#[trait_variant::make(Send)]
pub trait MailArchive: Send + Sync {
    /// Deletes the raw message at `key` (nothing if it is gone already).
    async fn delete_raw(&self, key: &str) -> StoreResult<()>;
}

/// What an erasure removes or rewrites beyond the other contexts' writes.
#[trait_variant::make(Send)]
pub trait ErasureStore: Send + Sync {
    /// Forgets the record of a message (by the id it is indexed under),
    /// if there is one.
    async fn forget_message(&self, tenant: TenantId, message_id: &str) -> StoreResult<()>;

    /// Forgets that an address bounced.
    async fn forget_bounce(&self, tenant: TenantId, address: &str) -> StoreResult<()>;

    /// Replaces a ticket's history entry (same id) with a rewritten one.
    async fn replace_history(&self, tenant: TenantId, entry: &HistoryEntry) -> StoreResult<()>;
}
