//! [`MailStore`] on the single table.

use switchboard_domain::StoreError;
use switchboard_domain::email::Mailbox;
use switchboard_domain::error::Conflict;
use switchboard_domain::ids::{MailboxId, TenantId};
use switchboard_domain::ports::MailStore;

use super::{DynamoStore, from_item, to_item};
use crate::items::{MailboxAddressItem, MailboxItem};
use crate::keys;

impl MailStore for DynamoStore {
    async fn put_mailbox(
        &self,
        mailbox: &Mailbox,
        expected_version: Option<u64>,
        previous_address: Option<&str>,
    ) -> Result<(), StoreError> {
        let item = to_item(&MailboxItem::from(mailbox))?;
        let mut writes = vec![match expected_version {
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
            Some(v) => self.put_if_version(item, v)?,
        }];
        let marker_at = if expected_version.is_none() || previous_address.is_some() {
            if let Some(previous) = previous_address {
                writes.push(self.delete_existing(&keys::mailbox_address(previous))?);
            }
            writes.push(self.put_new(&MailboxAddressItem::from(mailbox))?);
            Some(writes.len() - 1)
        } else {
            None
        };
        self.transact(writes, |i| {
            if Some(i) == marker_at {
                StoreError::Conflict(Conflict::AddressTaken)
            } else {
                StoreError::VersionMismatch
            }
        })
        .await
    }

    async fn mailbox(
        &self,
        tenant: TenantId,
        id: MailboxId,
    ) -> Result<Option<Mailbox>, StoreError> {
        Ok(self
            .get::<MailboxItem>(&keys::mailbox(tenant, id))
            .await?
            .map(|i| i.mailbox))
    }

    async fn mailboxes(&self, tenant: TenantId) -> Result<Vec<Mailbox>, StoreError> {
        self.query_partition(&keys::tenant(tenant).pk, keys::MAILBOX_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<MailboxItem>(i).map(|m| m.mailbox))
            .collect()
    }

    async fn mailbox_by_address(&self, address: &str) -> Result<Option<Mailbox>, StoreError> {
        let Some(marker) = self
            .get::<MailboxAddressItem>(&keys::mailbox_address(address))
            .await?
        else {
            return Ok(None);
        };
        self.mailbox(marker.tenant_id, marker.mailbox_id).await
    }

    async fn delete_mailbox(&self, mailbox: &Mailbox) -> Result<(), StoreError> {
        let writes = vec![
            self.delete_existing(&keys::mailbox(mailbox.tenant_id, mailbox.id))?,
            self.delete_existing(&keys::mailbox_address(&mailbox.address))?,
        ];
        self.transact(writes, |_| StoreError::NotFound).await
    }
}
