//! What the email context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::ids::EventId;
use crate::kernel::ids::MailboxId;
use crate::kernel::ids::TenantId;
use crate::kernel::pagination::Page;
use crate::kernel::pagination::PageRequest;
use jiff::Timestamp;
use std::future::Future;

/// Mailboxes (inbound addresses, unique across tenants).
pub trait MailboxStore: Send + Sync {
    /// Creates (`expected_version: None`) or replaces a mailbox; when its
    /// address changed from `previous_address`, moves the uniqueness
    /// marker too. `Conflict(AddressTaken)` if the address is in use.
    fn put_mailbox(
        &self,
        mailbox: &crate::email::Mailbox,
        expected_version: Option<u64>,
        previous_address: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn mailbox(
        &self,
        tenant: TenantId,
        id: MailboxId,
    ) -> impl Future<Output = Result<Option<crate::email::Mailbox>, StoreError>> + Send;

    fn mailboxes(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<crate::email::Mailbox>, StoreError>> + Send;

    /// The mailbox an inbound address belongs to, in any tenant.
    fn mailbox_by_address(
        &self,
        address: &str,
    ) -> impl Future<Output = Result<Option<crate::email::Mailbox>, StoreError>> + Send;

    fn delete_mailbox(
        &self,
        mailbox: &crate::email::Mailbox,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Received and sent mail by Message-ID: dedup, threading, and the decisions taken.
pub trait MessageLog: Send + Sync {
    /// What became of a message, by its Message-ID (dedup and threading).
    fn message(
        &self,
        tenant: TenantId,
        message_id: &str,
    ) -> impl Future<
        Output = Result<Option<crate::email::message_record::MessageRecord>, StoreError>,
    > + Send;

    fn record_message(
        &self,
        tenant: TenantId,
        message_id: &str,
        record: &crate::email::message_record::MessageRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Received mail with one decision, newest first.
    fn messages(
        &self,
        tenant: TenantId,
        decision: &str,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<crate::email::message_record::MessageRecord>, StoreError>> + Send;

    /// Another name of a recorded message (the id SES gave a sent mail),
    /// found by threading but not listed.
    fn alias_message(
        &self,
        tenant: TenantId,
        alias: &str,
        record: &crate::email::message_record::MessageRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Addresses whose mail bounces.
pub trait Bounces: Send + Sync {
    /// Remembers that mail to `address` bounces.
    fn mark_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn is_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Claims on outgoing mails, so a redelivered job sends nothing twice.
pub trait MailClaims: Send + Sync {
    /// Claims the sending of mail `key` of `event`; `false` when it was
    /// claimed before (sent, or being sent), so nothing is sent twice.
    fn claim_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Gives a claim back after a send that surely failed.
    fn release_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Outbound mail (SESv2 in production).
pub trait MailSender: Send + Sync {
    /// Sends one raw MIME message to `recipients`; the provider's message id.
    fn send_raw(
        &self,
        from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

/// The email worker's queue.
pub trait MailQueue: Send + Sync {
    fn enqueue_mail(
        &self,
        job: &crate::email::mail_job::MailJob,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
