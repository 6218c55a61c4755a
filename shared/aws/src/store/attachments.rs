//! [`AttachmentStore`] on the single table.

use super::{DynamoStore, from_item, to_item};
use crate::items::{AttachmentItem, UploadItem};
use crate::keys::{self, attr, index};
use aws_sdk_dynamodb::types::TransactWriteItem;
use switchboard_domain::StoreError;
use switchboard_domain::attachments::attachment::{Attachment, Upload};
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{AttachmentId, TenantId, TicketId, UploadId};
use switchboard_domain::kernel::pagination::PageRequest;

impl AttachmentStore for DynamoStore {
    async fn put_upload(&self, upload: &Upload) -> StoreResult<()> {
        self.put_one(to_item(&UploadItem::from(upload))?, None)
            .await
    }

    async fn upload(&self, tenant: TenantId, id: UploadId) -> StoreResult<Option<Upload>> {
        Ok(self
            .get::<UploadItem>(&keys::upload(tenant, id))
            .await?
            .map(|i| i.upload))
    }

    async fn attach(&self, attachments: &[Attachment], uploads: &[Upload]) -> StoreResult<()> {
        let mut items: Vec<TransactWriteItem> =
            Vec::with_capacity(attachments.len() + uploads.len());
        for a in attachments {
            items.push(self.put_new(&AttachmentItem::from(a))?);
        }
        for u in uploads {
            // Each upload attaches once: a concurrent attach fails here.
            items.push(self.delete_existing(&keys::upload(u.tenant_id, u.id))?);
        }
        self.transact(items, |_| StoreError::NotFound).await
    }

    async fn attachment(
        &self,
        tenant: TenantId,
        id: AttachmentId,
    ) -> StoreResult<Option<Attachment>> {
        Ok(self
            .get::<AttachmentItem>(&keys::attachment(tenant, id))
            .await?
            .map(|i| i.attachment))
    }

    async fn attachments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Vec<Attachment>> {
        let pk = keys::ticket_attachments_pk(tenant, ticket);
        let mut out = Vec::new();
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        // A ticket's files are few (20 a comment); read them all.
        for _ in 0..50 {
            let (items, next) = self
                .query_page(
                    Some(index::GSI1),
                    (attr::GSI1PK, &pk),
                    None,
                    true,
                    &page,
                    &pk,
                )
                .await?;
            for item in items {
                out.push(from_item::<AttachmentItem>(item)?.attachment);
            }
            match next {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        Ok(out)
    }

    async fn delete_attachment(&self, attachment: &Attachment) -> StoreResult<()> {
        self.delete_one(&keys::attachment(attachment.tenant_id, attachment.id))
            .await
    }
}
