//! What the index holds of a ticket: its public text and its internal
//! notes apart (a customer's query reads only the first), and the fields
//! filters and permissions need.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::attachments::attachment::Attachment;
use crate::kernel::ids::{CommentId, OrganizationId, TeamId, TicketId, UserId};
use crate::tickets::comment::Comment;
use crate::tickets::ticket::{Channel, Priority, Status, Ticket, TicketType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDocument {
    pub ticket_id: TicketId,
    pub number: u64,
    pub subject: String,
    /// Public replies, in conversation order.
    pub public: Vec<(CommentId, String)>,
    /// Internal notes: staff's queries only.
    pub internal: Vec<(CommentId, String)>,
    pub status: Status,
    pub priority: Priority,
    pub kind: TicketType,
    pub channel: Channel,
    pub requester_id: UserId,
    /// Lower-cased addresses copied on it.
    pub cc: BTreeSet<String>,
    pub organization_id: Option<OrganizationId>,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub tags: BTreeSet<String>,
    /// Custom fields with a scalar value, as text.
    pub fields: BTreeMap<String, String>,
    pub has_attachment: bool,
    /// Files on public parts: what a customer's `has:attachment` sees.
    pub has_public_attachment: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// What a customer sees change (internal work does not move it).
    pub public_updated_at: Timestamp,
    pub solved_at: Option<Timestamp>,
    /// The ticket's version: an older document never replaces a newer.
    pub version: u64,
}

impl TicketDocument {
    /// The document of a ticket with its conversation (redacted comments
    /// leave no text) and its files.
    pub fn of(ticket: &Ticket, comments: &[Comment], files: &[Attachment]) -> Self {
        let text = |public: bool| {
            comments
                .iter()
                .filter(|c| c.public == public && c.deleted_at.is_none())
                .map(|c| (c.id, c.body.clone()))
                .collect()
        };
        Self {
            ticket_id: ticket.id,
            number: ticket.number,
            subject: ticket.subject.clone(),
            public: text(true),
            internal: text(false),
            status: ticket.status,
            priority: ticket.priority,
            kind: ticket.kind,
            channel: ticket.channel,
            requester_id: ticket.requester_id,
            cc: ticket.cc.clone(),
            organization_id: ticket.organization_id,
            assignee_id: ticket.assignee_id,
            team_id: ticket.team_id,
            tags: ticket.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            fields: ticket
                .custom_fields
                .iter()
                .filter_map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Number(n) => n.to_string(),
                        serde_json::Value::Bool(b) => b.to_string(),
                        _ => return None,
                    };
                    Some((k.clone(), text))
                })
                .collect(),
            has_attachment: !files.is_empty(),
            has_public_attachment: files.iter().any(|f| f.public),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            public_updated_at: ticket.public_updated_at,
            solved_at: ticket.solved_at,
            version: ticket.version,
        }
    }
}
