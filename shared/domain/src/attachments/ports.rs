//! What the attachments context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::attachments::attachment::Attachment;
use crate::attachments::attachment::PresignedRequest;
use crate::attachments::attachment::Upload;
use crate::kernel::error::StoreError;
use crate::kernel::ids::AttachmentId;
use crate::kernel::ids::TenantId;
use crate::kernel::ids::TicketId;
use crate::kernel::ids::UploadId;
use std::future::Future;

/// Uploads and attachments on the table.
pub trait AttachmentStore: Send + Sync {
    fn put_upload(&self, upload: &Upload) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn upload(
        &self,
        tenant: TenantId,
        id: UploadId,
    ) -> impl Future<Output = Result<Option<Upload>, StoreError>> + Send;

    /// Records the attachments and forgets their uploads, in one
    /// transaction (`NotFound` if an upload was attached meanwhile).
    fn attach(
        &self,
        attachments: &[Attachment],
        uploads: &[Upload],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn attachment(
        &self,
        tenant: TenantId,
        id: AttachmentId,
    ) -> impl Future<Output = Result<Option<Attachment>, StoreError>> + Send;

    /// A ticket's attachments, oldest first.
    fn attachments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<Vec<Attachment>, StoreError>> + Send;

    fn delete_attachment(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What S3 holds of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub content_type: String,
}

/// The attachments bucket: presigned requests and the few operations the
/// API itself makes.
pub trait ObjectStore: Send + Sync {
    /// A PUT bound to the upload's key, exact size and type, and expiry.
    fn presign_upload(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<PresignedRequest, StoreError>> + Send;

    /// What was uploaded, if anything.
    fn uploaded(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<Option<StoredObject>, StoreError>> + Send;

    fn discard_upload(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The bytes of an attached file (to mail it).
    fn read(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// Stores a file the API received itself (from inbound mail).
    fn put(
        &self,
        attachment: &Attachment,
        bytes: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves an upload under its ticket as `attachment`.
    fn keep(
        &self,
        upload: &Upload,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A short-lived GET that downloads under `disposition`.
    fn presign_download(
        &self,
        attachment: &Attachment,
        disposition: &str,
    ) -> impl Future<Output = Result<PresignedRequest, StoreError>> + Send;

    fn delete(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
