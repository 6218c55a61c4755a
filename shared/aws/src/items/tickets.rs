//! Stored shapes of tickets and what hangs off them.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::idempotency::{IdempotencyKey, IdempotencyRecord, RETENTION};
use switchboard_domain::kernel::ids::{
    CommentId, OrganizationId, TeamId, TenantId, TicketId, UserId,
};
use switchboard_domain::tickets::comment::{Comment, CopiedFrom, MailOrigin, Revision};
use switchboard_domain::tickets::fields::{FieldDef, FieldSchema};
use switchboard_domain::tickets::ports::{TicketDimension, TicketSort};
use switchboard_domain::tickets::ticket::{
    Channel, Clocks, HistoryEntry, Priority, Satisfaction, Status, Tag, Ticket, TicketType,
};

use super::KeyAttrs;
use crate::keys;

pub const TICKET_ENTITY: &str = "ticket";
pub const COMMENT_ENTITY: &str = "comment";
pub const HISTORY_ENTITY: &str = "history";

/// A ticket with the index keys of every list it appears in. A deleted
/// ticket leaves every list at once, for the deleted tickets' one.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(flatten)]
    pub index: BTreeMap<String, String>,
    pub entity: String,
    pub id: TicketId,
    pub tenant_id: TenantId,
    pub number: u64,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub kind: TicketType,
    pub channel: Channel,
    pub requester_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub tags: BTreeSet<Tag>,
    /// JSON text: values keep their exact JSON types.
    pub custom_fields: String,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub cc: BTreeSet<String>,
    pub created_by: Actor,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    pub version: u64,
    /// Absent on tickets stored before the public clock: it was the
    /// version and update time then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_updated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<TicketId>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub merged_from: BTreeSet<TicketId>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub followers: BTreeSet<UserId>,
    /// The clocks but the reply ones, which are attributes of their own
    /// so that a reply's partial write can move them.
    #[serde(default, skip_serializing_if = "Clocks::is_empty")]
    pub clocks: Clocks,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_replied_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_replied_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
}

/// When a list by update places a ticket under `dimension`: the lists
/// customers read (requesters', organisations') follow the public clock.
pub fn listed_update(t: &Ticket, dimension: &TicketDimension) -> Timestamp {
    match dimension {
        TicketDimension::Requester(_) | TicketDimension::Organization(_) => t.public_updated_at,
        _ => t.updated_at,
    }
}

/// The index keys (both orders) that list `t` under `dimension` in the
/// index partition `pk`.
fn list_under(
    t: &Ticket,
    dimension: &TicketDimension,
    pk: &str,
    index: &mut BTreeMap<String, String>,
) {
    for (sort, at) in [
        (TicketSort::UpdatedAt, listed_update(t, dimension)),
        (TicketSort::CreatedAt, t.created_at),
    ] {
        let name = keys::ticket_index(dimension, sort);
        index.insert(format!("{name}PK"), pk.to_owned());
        index.insert(format!("{name}SK"), keys::ticket_index_sk(at, t.id));
    }
}

/// The dimensions a ticket is listed under.
pub fn dimensions(t: &Ticket) -> Vec<TicketDimension> {
    vec![
        TicketDimension::Status(t.status),
        TicketDimension::Assignee(t.assignee_id),
        TicketDimension::Requester(t.requester_id),
        TicketDimension::Team(t.team_id),
        TicketDimension::All,
    ]
}

impl TicketItem {
    pub fn new(t: &Ticket) -> Result<Self, serde_json::Error> {
        let mut index = BTreeMap::new();
        let listed = if t.is_deleted() {
            vec![TicketDimension::Deleted]
        } else {
            dimensions(t)
        };
        for d in listed {
            list_under(t, &d, &keys::ticket_index_pk(t.tenant_id, &d), &mut index);
        }
        Ok(Self {
            key: keys::ticket(t.tenant_id, t.id).into(),
            index,
            entity: TICKET_ENTITY.to_owned(),
            id: t.id,
            tenant_id: t.tenant_id,
            number: t.number,
            subject: t.subject.clone(),
            status: t.status,
            priority: t.priority,
            kind: t.kind,
            channel: t.channel,
            requester_id: t.requester_id,
            organization_id: t.organization_id,
            assignee_id: t.assignee_id,
            team_id: t.team_id,
            tags: t.tags.clone(),
            custom_fields: serde_json::to_string(&t.custom_fields)?,
            cc: t.cc.clone(),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            first_response_at: t.first_response_at,
            solved_at: t.solved_at,
            closed_at: t.closed_at,
            deleted_at: t.deleted_at,
            version: t.version,
            public_version: Some(t.public_version),
            public_updated_at: Some(t.public_updated_at),
            merged_into: t.merged_into,
            merged_from: t.merged_from.clone(),
            followers: t.followers.clone(),
            clocks: Clocks {
                requester_replied_at: None,
                agent_replied_at: None,
                ..t.clocks
            },
            requester_replied_at: t.clocks.requester_replied_at,
            agent_replied_at: t.clocks.agent_replied_at,
            satisfaction: t.satisfaction.clone(),
        })
    }

    pub fn into_ticket(self) -> Result<Ticket, serde_json::Error> {
        Ok(Ticket {
            id: self.id,
            tenant_id: self.tenant_id,
            number: self.number,
            subject: self.subject,
            status: self.status,
            priority: self.priority,
            kind: self.kind,
            channel: self.channel,
            requester_id: self.requester_id,
            organization_id: self.organization_id,
            assignee_id: self.assignee_id,
            team_id: self.team_id,
            tags: self.tags,
            custom_fields: serde_json::from_str(&self.custom_fields)?,
            cc: self.cc,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            first_response_at: self.first_response_at,
            solved_at: self.solved_at,
            closed_at: self.closed_at,
            deleted_at: self.deleted_at,
            version: self.version,
            public_version: self.public_version.unwrap_or(self.version),
            public_updated_at: self.public_updated_at.unwrap_or(self.updated_at),
            merged_into: self.merged_into,
            merged_from: self.merged_from,
            followers: self.followers,
            clocks: Clocks {
                requester_replied_at: self.requester_replied_at,
                agent_replied_at: self.agent_replied_at,
                ..self.clocks
            },
            satisfaction: self.satisfaction,
        })
    }
}

pub const TICKET_COPY_ENTITY: &str = "ticket_copy";

/// A ticket's entry in a partition of the requester indexes other than its
/// requester's: one per address copied on it, and one for its organisation;
/// with the attributes lists filter on. Written with the ticket; none while
/// it is deleted.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCopyItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(flatten)]
    pub index: BTreeMap<String, String>,
    pub entity: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub tags: BTreeSet<Tag>,
}

impl TicketCopyItem {
    /// The entry at `key` listing `t` in the index partition `pk`.
    pub fn new(t: &Ticket, key: keys::Key, pk: &str) -> Self {
        let mut index = BTreeMap::new();
        list_under(
            t,
            &TicketDimension::Requester(t.requester_id),
            pk,
            &mut index,
        );
        Self {
            key: key.into(),
            index,
            entity: TICKET_COPY_ENTITY.to_owned(),
            status: t.status,
            priority: t.priority,
            assignee_id: t.assignee_id,
            team_id: t.team_id,
            tags: t.tags.clone(),
        }
    }

    /// Whether the copy of `before` already says what one of `after` would.
    pub fn unchanged(before: &Ticket, after: &Ticket) -> bool {
        (
            before.status,
            before.priority,
            before.assignee_id,
            before.team_id,
        ) == (
            after.status,
            after.priority,
            after.assignee_id,
            after.team_id,
        ) && before.tags == after.tags
            && before.public_updated_at == after.public_updated_at
            && before.is_deleted() == after.is_deleted()
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: CommentId,
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
    pub author: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<UserId>,
    pub public: bool,
    pub body: String,
    #[serde(default)]
    pub mentions: BTreeSet<UserId>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub revisions: Vec<Revision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailOrigin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<CopiedFrom>,
    pub version: u64,
}

impl From<&Comment> for CommentItem {
    fn from(c: &Comment) -> Self {
        Self {
            key: keys::comment(c.tenant_id, c.ticket_id, c.id).into(),
            entity: COMMENT_ENTITY.to_owned(),
            id: c.id,
            tenant_id: c.tenant_id,
            ticket_id: c.ticket_id,
            author: c.author.clone(),
            author_id: c.author_id,
            public: c.public,
            body: c.body.clone(),
            mentions: c.mentions.clone(),
            created_at: c.created_at,
            edited_at: c.edited_at,
            deleted_at: c.deleted_at,
            revisions: c.revisions.clone(),
            mail: c.mail.clone(),
            copied_from: c.copied_from,
            version: c.version,
        }
    }
}

impl From<CommentItem> for Comment {
    fn from(i: CommentItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            ticket_id: i.ticket_id,
            author: i.author,
            author_id: i.author_id,
            public: i.public,
            body: i.body,
            mentions: i.mentions,
            created_at: i.created_at,
            edited_at: i.edited_at,
            deleted_at: i.deleted_at,
            revisions: i.revisions,
            mail: i.mail,
            copied_from: i.copied_from,
            version: i.version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    /// JSON text of the entry (its before/after values are arbitrary JSON).
    pub entry: String,
}

impl HistoryItem {
    pub fn new(tenant: TenantId, e: &HistoryEntry) -> Result<Self, serde_json::Error> {
        Ok(Self {
            key: keys::history(tenant, e.ticket_id, e.id).into(),
            entity: HISTORY_ENTITY.to_owned(),
            entry: serde_json::to_string(e)?,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub ticket_id: TicketId,
}

impl NumberItem {
    pub fn new(t: &Ticket) -> Self {
        Self {
            key: keys::ticket_number(t.tenant_id, t.number).into(),
            ticket_id: t.id,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FieldSchemaItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub fields: Vec<FieldDef>,
    pub version: u64,
}

impl FieldSchemaItem {
    pub fn new(tenant: TenantId, s: &FieldSchema) -> Self {
        Self {
            key: keys::field_schema(tenant).into(),
            fields: s.fields.clone(),
            version: s.version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub request: String,
    pub resource_id: String,
    pub created_at: Timestamp,
    pub ttl: i64,
}

impl IdempotencyItem {
    pub fn new(tenant: TenantId, r: &IdempotencyRecord) -> Self {
        Self {
            key: keys::idempotency(tenant, &r.key.scope).into(),
            request: r.key.request.clone(),
            resource_id: r.resource_id.clone(),
            created_at: r.created_at,
            ttl: r
                .created_at
                .saturating_add(RETENTION)
                .map(|t| t.as_second())
                .unwrap_or(0),
        }
    }

    pub fn into_record(self, scope: &str) -> IdempotencyRecord {
        IdempotencyRecord {
            key: IdempotencyKey {
                scope: scope.to_owned(),
                request: self.request,
            },
            resource_id: self.resource_id,
            created_at: self.created_at,
        }
    }
}
