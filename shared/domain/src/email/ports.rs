//! What the email context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::ids::{EventId, MailboxId, TenantId};
use crate::kernel::pagination::{Page, PageRequest};
use jiff::Timestamp;

/// Mailboxes (inbound addresses, unique across tenants).
#[trait_variant::make(Send)]
pub trait MailboxStore: Send + Sync {
    /// Creates (`expected_version: None`) or replaces a mailbox; when its
    /// address changed from `previous_address`, moves the uniqueness
    /// marker too. `Conflict(AddressTaken)` if the address is in use.
    async fn put_mailbox(
        &self,
        mailbox: &crate::email::Mailbox,
        expected_version: Option<u64>,
        previous_address: Option<&str>,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    async fn mailbox(
        &self,
        tenant: TenantId,
        id: MailboxId,
    ) -> StoreResult<Option<crate::email::Mailbox>>;

    async fn mailboxes(&self, tenant: TenantId) -> StoreResult<Vec<crate::email::Mailbox>>;

    /// The mailbox an inbound address belongs to, in any tenant.
    async fn mailbox_by_address(&self, address: &str)
    -> StoreResult<Option<crate::email::Mailbox>>;

    async fn delete_mailbox(
        &self,
        mailbox: &crate::email::Mailbox,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;
}

/// Received and sent mail by Message-ID: dedup, threading, and the decisions taken.
#[trait_variant::make(Send)]
pub trait MessageLog: Send + Sync {
    /// What became of a message, by its Message-ID (dedup and threading).
    async fn message(
        &self,
        tenant: TenantId,
        message_id: &str,
    ) -> StoreResult<Option<crate::email::message_record::MessageRecord>>;

    async fn record_message(
        &self,
        tenant: TenantId,
        message_id: &str,
        record: &crate::email::message_record::MessageRecord,
    ) -> StoreResult<()>;

    /// Received mail with one decision, newest first.
    async fn messages(
        &self,
        tenant: TenantId,
        decision: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<crate::email::message_record::MessageRecord>>;

    /// Another name of a recorded message (the id SES gave a sent mail),
    /// found by threading but not listed.
    async fn alias_message(
        &self,
        tenant: TenantId,
        alias: &str,
        record: &crate::email::message_record::MessageRecord,
    ) -> StoreResult<()>;
}

/// Addresses whose mail bounces.
#[trait_variant::make(Send)]
pub trait Bounces: Send + Sync {
    /// Remembers that mail to `address` bounces.
    async fn mark_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
        at: Timestamp,
    ) -> StoreResult<()>;

    async fn is_bouncing(&self, tenant: TenantId, address: &str) -> StoreResult<bool>;
}

/// Claims on outgoing mails, so a redelivered job sends nothing twice.
#[trait_variant::make(Send)]
pub trait MailClaims: Send + Sync {
    /// Claims the sending of mail `key` of `event`; `false` when it was
    /// claimed before (sent, or being sent), so nothing is sent twice.
    async fn claim_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
        at: Timestamp,
    ) -> StoreResult<bool>;

    /// Gives a claim back after a send that surely failed.
    async fn release_mail(&self, tenant: TenantId, event: EventId, key: &str) -> StoreResult<()>;
}

/// Outbound mail (SESv2 in production).
#[trait_variant::make(Send)]
pub trait MailSender: Send + Sync {
    /// Sends one raw MIME message to `recipients`; the provider's message id.
    async fn send_raw(&self, from: &str, recipients: &[String], raw: &[u8]) -> StoreResult<String>;
}

/// The email worker's queue.
#[trait_variant::make(Send)]
pub trait MailQueue: Send + Sync {
    async fn enqueue_mail(&self, job: &crate::email::mail_job::MailJob) -> StoreResult<()>;
}

/// Sending and receiving identities (SES): a mailbox on a domain of the
/// tenant's own works only once that domain is verified, so no helpdesk
/// can take another's address.
#[trait_variant::make(Send)]
pub trait DomainIdentities: Send + Sync {
    /// Starts verifying `domain` if nobody has (idempotent) and answers
    /// whether it is verified now.
    async fn verify_domain(&self, domain: &str) -> StoreResult<bool>;
}
