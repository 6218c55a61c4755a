//! Mailboxes, the message log, bounces and mail claims in memory.

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

use super::state::StoredMessage;
use super::{MemoryStore, keys};

impl MailboxStore for MemoryStore {
    async fn put_mailbox(
        &self,
        mailbox: &Mailbox,
        expected_version: Option<u64>,
        previous_address: Option<&str>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_mailbox")?;
        self.write(|s| {
            let key = (mailbox.tenant_id, mailbox.id);
            let address = mailbox.address.to_lowercase();
            let previous = previous_address.map(str::to_lowercase);
            if previous.as_deref() == Some(address.as_str()) {
                return Err(super::twice());
            }
            let stored = s.mailboxes.get(&key).map(|m| m.version);
            let fits = match expected_version {
                None => stored.is_none(),
                Some(v) => stored == Some(v),
            };
            // Every failure but the new address's marker reads as a
            // version mismatch (the old marker gone included).
            if !fits
                || previous
                    .as_ref()
                    .is_some_and(|p| !s.mailbox_addresses.contains_key(p))
            {
                return Err(StoreError::VersionMismatch);
            }
            let moves = expected_version.is_none() || previous.is_some();
            if moves && s.mailbox_addresses.contains_key(&address) {
                return Err(StoreError::Conflict(Conflict::AddressTaken));
            }
            s.mailboxes.insert(key, mailbox.clone());
            if moves {
                if let Some(p) = &previous {
                    s.mailbox_addresses.remove(p);
                }
                s.mailbox_addresses.insert(address, key);
            }
            s.add_events(events);
            Ok(())
        })
    }

    async fn mailbox(&self, tenant: TenantId, id: MailboxId) -> StoreResult<Option<Mailbox>> {
        self.enter("mailbox")?;
        Ok(self.read(|s| s.mailboxes.get(&(tenant, id)).cloned()))
    }

    async fn mailboxes(&self, tenant: TenantId) -> StoreResult<Vec<Mailbox>> {
        self.enter("mailboxes")?;
        Ok(self.read(|s| {
            s.mailboxes
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, m)| m.clone())
                .collect()
        }))
    }

    async fn mailbox_by_address(&self, address: &str) -> StoreResult<Option<Mailbox>> {
        self.enter("mailbox_by_address")?;
        Ok(self.read(|s| {
            s.mailbox_addresses
                .get(&address.to_lowercase())
                .and_then(|key| s.mailboxes.get(key))
                .cloned()
        }))
    }

    async fn delete_mailbox(&self, mailbox: &Mailbox, events: &[DomainEvent]) -> StoreResult<()> {
        self.enter("delete_mailbox")?;
        self.write(|s| {
            let key = (mailbox.tenant_id, mailbox.id);
            let address = mailbox.address.to_lowercase();
            // Both must be there; the marker is removed whoever it names.
            if !s.mailboxes.contains_key(&key) || !s.mailbox_addresses.contains_key(&address) {
                return Err(StoreError::NotFound);
            }
            s.mailboxes.remove(&key);
            s.mailbox_addresses.remove(&address);
            s.add_events(events);
            Ok(())
        })
    }
}

impl MessageLog for MemoryStore {
    async fn message(
        &self,
        tenant: TenantId,
        message_id: &str,
    ) -> StoreResult<Option<MessageRecord>> {
        self.enter("message")?;
        let key = (tenant, keys::message_digest(message_id));
        Ok(self.read(|s| s.messages.get(&key).map(|m| m.record.clone())))
    }

    async fn record_message(
        &self,
        tenant: TenantId,
        message_id: &str,
        record: &MessageRecord,
    ) -> StoreResult<()> {
        self.enter("record_message")?;
        let digest = keys::message_digest(message_id);
        let listed = keys::messages_index(record.received_at, &digest);
        self.write(|s| {
            s.messages.insert(
                (tenant, digest),
                StoredMessage {
                    record: record.clone(),
                    listed: Some(listed),
                },
            )
        });
        Ok(())
    }

    async fn messages(
        &self,
        tenant: TenantId,
        decision: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<MessageRecord>> {
        self.enter("messages")?;
        let mut rows: Vec<(String, MessageRecord)> = self.read(|s| {
            s.messages
                .iter()
                .filter(|((t, _), m)| *t == tenant && m.record.decision == decision)
                .filter_map(|(_, m)| Some((m.listed.clone()?, m.record.clone())))
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let scope = format!("messages|{tenant}|{decision}");
        self.cursors().page(&scope, rows, true, page)
    }

    async fn alias_message(
        &self,
        tenant: TenantId,
        alias: &str,
        record: &MessageRecord,
    ) -> StoreResult<()> {
        self.enter("alias_message")?;
        let key = (tenant, keys::message_digest(alias));
        self.write(|s| {
            s.messages.insert(
                key,
                StoredMessage {
                    record: record.clone(),
                    listed: None,
                },
            )
        });
        Ok(())
    }
}

impl Bounces for MemoryStore {
    async fn mark_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.enter("mark_bouncing")?;
        self.write(|s| s.bounces.insert((tenant, address.to_lowercase()), at));
        Ok(())
    }

    async fn is_bouncing(&self, tenant: TenantId, address: &str) -> StoreResult<bool> {
        self.enter("is_bouncing")?;
        Ok(self.read(|s| s.bounces.contains_key(&(tenant, address.to_lowercase()))))
    }
}

impl MailClaims for MemoryStore {
    async fn claim_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
        _at: Timestamp,
    ) -> StoreResult<bool> {
        self.enter("claim_mail")?;
        Ok(self.write(|s| s.mail_claims.insert((tenant, event, key.to_owned()))))
    }

    async fn release_mail(&self, tenant: TenantId, event: EventId, key: &str) -> StoreResult<()> {
        self.enter("release_mail")?;
        self.write(|s| s.mail_claims.remove(&(tenant, event, key.to_owned())));
        Ok(())
    }
}
