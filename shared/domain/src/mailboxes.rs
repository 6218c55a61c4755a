//! The mailboxes API's use cases (admins).

use jiff::Timestamp;

use crate::email::mailbox::{Mailbox, parse_address, parse_from_name};
use crate::error::{DomainError, StoreError};
use crate::ids::MailboxId;
use crate::intake::MessageRecord;
use crate::pagination::{Page, PageRequest};
use crate::permissions::{Action, Principal};
use crate::ports::MailStore;
use crate::validation::{Invalid, Validator};

#[derive(Debug, Clone, Default)]
pub struct MailboxInput {
    pub address: Option<String>,
    pub from_name: Option<String>,
}

/// The decisions the intake records.
const DECISIONS: &[&str] = &[
    "created",
    "threaded",
    "auto_reply",
    "bounce",
    "quarantined",
    "dropped",
];

pub struct Mailboxes<S> {
    store: S,
}

impl<S: MailStore> Mailboxes<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn list(&self, principal: &Principal) -> Result<Vec<Mailbox>, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        Ok(self.store.mailboxes(principal.tenant_id()).await?)
    }

    pub async fn get(&self, principal: &Principal, id: MailboxId) -> Result<Mailbox, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        self.store
            .mailbox(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create(
        &self,
        principal: &Principal,
        input: MailboxInput,
        now: Timestamp,
    ) -> Result<Mailbox, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        let mut v = Validator::new();
        let address = v.field(
            "address",
            input
                .address
                .ok_or_else(|| Invalid::new("required", "the inbound address"))
                .and_then(|a| parse_address(&a)),
        );
        let from_name = v.optional("fromName", input.from_name, |n| parse_from_name(&n));
        v.finish()?;
        let mailbox = Mailbox {
            id: MailboxId::new(),
            tenant_id: principal.tenant_id(),
            address: address.unwrap_or_default(),
            from_name: from_name
                .flatten()
                .unwrap_or_else(|| principal.tenant.name.clone()),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.store
            .put_mailbox(&mailbox, None, None)
            .await
            .map_err(refused)?;
        Ok(mailbox)
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: MailboxId,
        input: MailboxInput,
        expected_version: Option<u64>,
        now: Timestamp,
    ) -> Result<Mailbox, DomainError> {
        let mut mailbox = self.get(principal, id).await?;
        if expected_version.is_some_and(|v| v != mailbox.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let mut v = Validator::new();
        let address = v.optional("address", input.address, |a| parse_address(&a));
        let from_name = v.optional("fromName", input.from_name, |n| parse_from_name(&n));
        v.finish()?;
        let previous = mailbox.clone();
        if let Some(Some(a)) = address {
            mailbox.address = a;
        }
        if let Some(Some(n)) = from_name {
            mailbox.from_name = n;
        }
        mailbox.updated_at = now;
        mailbox.version += 1;
        let moved = (previous.address != mailbox.address).then_some(previous.address.as_str());
        self.store
            .put_mailbox(&mailbox, Some(previous.version), moved)
            .await
            .map_err(refused)?;
        Ok(mailbox)
    }

    /// Received mail by decision (`quarantined` for review, `auto_reply`,
    /// `bounce`, `created`, `threaded`, `dropped`).
    pub async fn messages(
        &self,
        principal: &Principal,
        decision: &str,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        if !DECISIONS.contains(&decision) {
            return Err(DomainError::field(
                "decision",
                "invalid_value",
                format!("one of {}", DECISIONS.join(", ")),
            ));
        }
        Ok(self
            .store
            .messages(principal.tenant_id(), decision, page)
            .await?)
    }

    pub async fn delete(&self, principal: &Principal, id: MailboxId) -> Result<(), DomainError> {
        let mailbox = self.get(principal, id).await?;
        Ok(self.store.delete_mailbox(&mailbox).await?)
    }
}

fn refused(e: StoreError) -> DomainError {
    match e {
        StoreError::VersionMismatch => DomainError::PreconditionFailed,
        StoreError::Conflict(c) => DomainError::Conflict(c),
        other => other.into(),
    }
}
