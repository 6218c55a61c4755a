//! What the attachments context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::attachments::attachment::{Attachment, PresignedRequest, Upload};
use crate::kernel::error::StoreResult;
use crate::kernel::ids::{AttachmentId, TenantId, TicketId, UploadId};

/// Uploads and attachments on the table.
#[trait_variant::make(Send)]
pub trait AttachmentStore: Send + Sync {
    async fn put_upload(&self, upload: &Upload) -> StoreResult<()>;

    async fn upload(&self, tenant: TenantId, id: UploadId) -> StoreResult<Option<Upload>>;

    /// Records the attachments and forgets their uploads, in one
    /// transaction (`NotFound` if an upload was attached meanwhile).
    async fn attach(&self, attachments: &[Attachment], uploads: &[Upload]) -> StoreResult<()>;

    async fn attachment(
        &self,
        tenant: TenantId,
        id: AttachmentId,
    ) -> StoreResult<Option<Attachment>>;

    /// A ticket's attachments, oldest first.
    async fn attachments(&self, tenant: TenantId, ticket: TicketId)
    -> StoreResult<Vec<Attachment>>;

    async fn delete_attachment(&self, attachment: &Attachment) -> StoreResult<()>;
}

/// What S3 holds of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub content_type: String,
}

/// The attachments bucket: presigned requests and the few operations the
/// API itself makes.
#[trait_variant::make(Send)]
pub trait ObjectStore: Send + Sync {
    /// A PUT bound to the upload's key, exact size and type, and expiry.
    async fn presign_upload(&self, upload: &Upload) -> StoreResult<PresignedRequest>;

    /// What was uploaded, if anything.
    async fn uploaded(&self, upload: &Upload) -> StoreResult<Option<StoredObject>>;

    async fn discard_upload(&self, upload: &Upload) -> StoreResult<()>;

    /// The bytes of an attached file (to mail it).
    async fn read(&self, attachment: &Attachment) -> StoreResult<Vec<u8>>;

    /// Stores a file the API received itself (from inbound mail).
    async fn put(&self, attachment: &Attachment, bytes: &[u8]) -> StoreResult<()>;

    /// Copies an upload under its ticket as `attachment`; the upload itself
    /// is discarded once the attachment is recorded, so a failed record can
    /// be retried with it.
    async fn keep(&self, upload: &Upload, attachment: &Attachment) -> StoreResult<()>;

    /// A short-lived GET that downloads under `disposition`.
    async fn presign_download(
        &self,
        attachment: &Attachment,
        disposition: &str,
    ) -> StoreResult<PresignedRequest>;

    async fn delete(&self, attachment: &Attachment) -> StoreResult<()>;
}
