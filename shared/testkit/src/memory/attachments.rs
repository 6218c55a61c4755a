//! Uploads and attachments in memory.

use switchboard_domain::StoreError;
use switchboard_domain::attachments::attachment::{Attachment, Upload};
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{AttachmentId, TenantId, TicketId, UploadId};

use super::{MemoryStore, distinct};

impl AttachmentStore for MemoryStore {
    async fn put_upload(&self, upload: &Upload) -> StoreResult<()> {
        self.enter("put_upload")?;
        self.write(|s| {
            s.uploads
                .insert((upload.tenant_id, upload.id), upload.clone())
        });
        Ok(())
    }

    async fn upload(&self, tenant: TenantId, id: UploadId) -> StoreResult<Option<Upload>> {
        self.enter("upload")?;
        Ok(self.read(|s| s.uploads.get(&(tenant, id)).cloned()))
    }

    async fn attach(&self, attachments: &[Attachment], uploads: &[Upload]) -> StoreResult<()> {
        self.enter("attach")?;
        distinct(attachments.iter().map(|a| (a.tenant_id, a.id)))?;
        distinct(uploads.iter().map(|u| (u.tenant_id, u.id)))?;
        self.write(|s| {
            // Each upload attaches once: every failed condition is NotFound.
            let free = attachments
                .iter()
                .all(|a| !s.attachments.contains_key(&(a.tenant_id, a.id)));
            let waiting = uploads
                .iter()
                .all(|u| s.uploads.contains_key(&(u.tenant_id, u.id)));
            if !free || !waiting {
                return Err(StoreError::NotFound);
            }
            for a in attachments {
                s.attachments.insert((a.tenant_id, a.id), a.clone());
            }
            for u in uploads {
                s.uploads.remove(&(u.tenant_id, u.id));
            }
            Ok(())
        })
    }

    async fn attachment(
        &self,
        tenant: TenantId,
        id: AttachmentId,
    ) -> StoreResult<Option<Attachment>> {
        self.enter("attachment")?;
        Ok(self.read(|s| s.attachments.get(&(tenant, id)).cloned()))
    }

    async fn attachments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Vec<Attachment>> {
        self.enter("attachments")?;
        // Oldest first: attachment ids sort by time.
        Ok(self.read(|s| {
            s.attachments
                .iter()
                .filter(|((t, _), a)| *t == tenant && a.ticket_id == ticket)
                .map(|(_, a)| a.clone())
                .collect()
        }))
    }

    async fn delete_attachment(&self, attachment: &Attachment) -> StoreResult<()> {
        self.enter("delete_attachment")?;
        self.write(|s| s.attachments.remove(&(attachment.tenant_id, attachment.id)))
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }
}
