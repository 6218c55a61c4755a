//! Views of the email channel: mailboxes and received mail.

use jiff::Timestamp;
use serde::Serialize;
use switchboard_domain::kernel::ids::{CommentId, TicketId};

/// An inbound email address of the tenant.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailboxView {
    #[schema(value_type = String)]
    pub id: switchboard_domain::kernel::ids::MailboxId,
    pub address: String,
    pub from_name: String,
    #[schema(value_type = Option<String>)]
    pub default_team_id: Option<switchboard_domain::kernel::ids::TeamId>,
    #[schema(value_type = Option<String>)]
    pub default_priority: Option<switchboard_domain::tickets::ticket::Priority>,
    /// Whether the address's domain is verified; until it is, the mailbox
    /// receives nothing (its mail is `held`). See `POST …/verify`.
    pub verified: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&switchboard_domain::email::Mailbox> for MailboxView {
    fn from(m: &switchboard_domain::email::Mailbox) -> Self {
        Self {
            id: m.id,
            address: m.address.clone(),
            from_name: m.from_name.clone(),
            default_team_id: m.default_team_id,
            default_priority: m.default_priority,
            verified: m.verified,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A received message and what became of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMailView {
    pub message_id: String,
    pub from: Option<String>,
    pub subject: String,
    /// `created`, `threaded`, `auto_reply`, `bounce`, `quarantined`, `held`,
    /// `refused`, `dropped`, `sent`.
    pub decision: String,
    pub reason: String,
    #[schema(value_type = Option<String>)]
    pub ticket_id: Option<TicketId>,
    #[schema(value_type = Option<String>)]
    pub comment_id: Option<CommentId>,
    /// Where the raw message is kept (the inbound bucket's key).
    pub raw: String,
    pub received_at: Timestamp,
}

impl From<&switchboard_domain::email::message_record::MessageRecord> for ReceivedMailView {
    fn from(m: &switchboard_domain::email::message_record::MessageRecord) -> Self {
        Self {
            message_id: m.message_id.clone(),
            from: m.from.clone(),
            subject: m.subject.clone(),
            decision: m.decision.clone(),
            reason: m.reason.clone(),
            ticket_id: m.ticket_id,
            comment_id: m.comment_id,
            raw: m.raw.clone(),
            received_at: m.received_at,
        }
    }
}
