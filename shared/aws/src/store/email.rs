//! The email ports on the single table.

use super::{DynamoStore, from_item, to_item};
use crate::items::{
    BOUNCING_ENTITY, BouncingItem, EventStepItem, MESSAGE_ENTITY, MailboxAddressItem, MailboxItem,
    MessageItem,
};
use crate::keys::{self, attr, index};
use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::email::Mailbox;
use switchboard_domain::email::message_record::MessageRecord;
use switchboard_domain::email::ports::{Bounces, MailClaims, MailboxStore, MessageLog};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{EventId, MailboxId, TenantId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

impl MailboxStore for DynamoStore {
    async fn put_mailbox(
        &self,
        mailbox: &Mailbox,
        expected_version: Option<u64>,
        previous_address: Option<&str>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
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
        let events_at = writes.len();
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| {
            if Some(i) == marker_at {
                StoreError::Conflict(Conflict::AddressTaken)
            } else if i >= events_at {
                StoreError::ConditionFailed
            } else {
                StoreError::VersionMismatch
            }
        })
        .await
    }

    async fn mailbox(&self, tenant: TenantId, id: MailboxId) -> StoreResult<Option<Mailbox>> {
        Ok(self
            .get::<MailboxItem>(&keys::mailbox(tenant, id))
            .await?
            .map(|i| i.mailbox))
    }

    async fn mailboxes(&self, tenant: TenantId) -> StoreResult<Vec<Mailbox>> {
        self.query_partition(&keys::tenant(tenant).pk, keys::MAILBOX_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<MailboxItem>(i).map(|m| m.mailbox))
            .collect()
    }

    async fn mailbox_by_address(&self, address: &str) -> StoreResult<Option<Mailbox>> {
        let Some(marker) = self
            .get::<MailboxAddressItem>(&keys::mailbox_address(address))
            .await?
        else {
            return Ok(None);
        };
        self.mailbox(marker.tenant_id, marker.mailbox_id).await
    }

    async fn delete_mailbox(&self, mailbox: &Mailbox, events: &[DomainEvent]) -> StoreResult<()> {
        let mut writes = vec![
            self.delete_existing(&keys::mailbox(mailbox.tenant_id, mailbox.id))?,
            self.delete_existing(&keys::mailbox_address(&mailbox.address))?,
        ];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 | 1 => StoreError::NotFound,
            _ => StoreError::ConditionFailed,
        })
        .await
    }
}

impl MessageLog for DynamoStore {
    async fn message(
        &self,
        tenant: TenantId,
        message_id: &str,
    ) -> StoreResult<Option<MessageRecord>> {
        Ok(self
            .get::<MessageItem>(&keys::message(tenant, message_id))
            .await?
            .map(|i| i.record))
    }

    async fn record_message(
        &self,
        tenant: TenantId,
        message_id: &str,
        record: &MessageRecord,
    ) -> StoreResult<()> {
        let item = MessageItem {
            key: keys::message(tenant, message_id).into(),
            gsi1pk: Some(keys::messages_index_pk(tenant, &record.decision)),
            gsi1sk: Some(keys::messages_index_sk(record.received_at, message_id)),
            entity: MESSAGE_ENTITY.to_owned(),
            record: record.clone(),
        };
        self.put_one(to_item(&item)?, None).await
    }

    async fn messages(
        &self,
        tenant: TenantId,
        decision: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<MessageRecord>> {
        let pk = keys::messages_index_pk(tenant, decision);
        let (items, next_cursor) = self
            .query_page(
                Some(index::GSI1),
                (attr::GSI1PK, &pk),
                None,
                false,
                page,
                &pk,
            )
            .await?;
        let items = items
            .into_iter()
            .map(|i| from_item::<MessageItem>(i).map(|m| m.record))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn alias_message(
        &self,
        tenant: TenantId,
        alias: &str,
        record: &MessageRecord,
    ) -> StoreResult<()> {
        let item = MessageItem {
            key: keys::message(tenant, alias).into(),
            gsi1pk: None,
            gsi1sk: None,
            entity: MESSAGE_ENTITY.to_owned(),
            record: record.clone(),
        };
        self.put_one(to_item(&item)?, None).await
    }
}

impl Bounces for DynamoStore {
    async fn mark_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        let item = BouncingItem {
            key: keys::bouncing(tenant, address).into(),
            entity: BOUNCING_ENTITY.to_owned(),
            address: address.to_lowercase(),
            bounced_at: at,
        };
        self.put_one(to_item(&item)?, None).await
    }

    async fn is_bouncing(&self, tenant: TenantId, address: &str) -> StoreResult<bool> {
        Ok(self
            .get::<BouncingItem>(&keys::bouncing(tenant, address))
            .await?
            .is_some())
    }
}

impl MailClaims for DynamoStore {
    async fn claim_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let item = EventStepItem::new(keys::mail_claim(tenant, event, key), at);
        match self
            .put_one(to_item(&item)?, Some("attribute_not_exists(PK)"))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn release_mail(&self, tenant: TenantId, event: EventId, key: &str) -> StoreResult<()> {
        match self.delete_one(&keys::mail_claim(tenant, event, key)).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
