//! The events ticket changes emit: one payload struct per event type (twins
//! share one), and the constructors the use cases call.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::permissions::Principal;
use crate::kernel::events::{DomainEvent, EventType, Payload, Subject};
use crate::kernel::ids::{CommentId, TeamId, TicketId, UserId};
use crate::tickets::comment::Comment;
use crate::tickets::ticket::{Cause, Change, Channel, Priority, Status, Ticket};

/// `ticket.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCreated {
    pub number: u64,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub channel: Channel,
    pub requester_id: UserId,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
}

impl Payload for TicketCreated {
    const TYPES: &'static [EventType] = &[EventType::TicketCreated];
}

/// `ticket.updated`: every field that changed, and why when Switchboard
/// made the change itself (`causedBy`) or a comment's arrival did
/// (`commentId`: a customer's reply reopening the ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketUpdated {
    pub changes: Vec<Change>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<Cause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<CommentId>,
}

impl Payload for TicketUpdated {
    const TYPES: &'static [EventType] = &[EventType::TicketUpdated];
}

/// `ticket.status_changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChanged {
    pub from: Status,
    pub to: Status,
}

impl Payload for StatusChanged {
    const TYPES: &'static [EventType] = &[EventType::TicketStatusChanged];
}

/// `ticket.priority_changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityChanged {
    pub from: Priority,
    pub to: Priority,
}

impl Payload for PriorityChanged {
    const TYPES: &'static [EventType] = &[EventType::TicketPriorityChanged];
}

/// `ticket.assigned`: the assignee and team, before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketAssigned {
    pub assignee_id: Option<UserId>,
    pub previous_assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub previous_team_id: Option<TeamId>,
}

impl Payload for TicketAssigned {
    const TYPES: &'static [EventType] = &[EventType::TicketAssigned];
}

/// `ticket.deleted` and `ticket.restored`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDeleted {
    pub number: u64,
}

impl Payload for TicketDeleted {
    const TYPES: &'static [EventType] = &[EventType::TicketDeleted, EventType::TicketRestored];
}

/// `ticket.merged`, on the ticket merged into: which ticket was merged in
/// (it is closed, with `mergedInto` naming this one); its conversation was
/// copied here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketMerged {
    pub number: u64,
    pub source_id: TicketId,
    pub source_number: u64,
}

impl Payload for TicketMerged {
    const TYPES: &'static [EventType] = &[EventType::TicketMerged];
}

/// `comment.created`: what integrators and live clients need to show it.
/// `opening`: the requester's first message, which opened the ticket (not
/// a reply); `files`: how many files are recorded on the comment right
/// after it, so a consumer knows to wait for them. Customers' sockets never
/// get an internal note's event (see `realtime::model::customer_view`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentCreated {
    pub public: bool,
    #[serde(default)]
    pub body: String,
    /// The person who wrote it (absent for an API key or the system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<UserId>,
    #[serde(default)]
    pub mentions: BTreeSet<UserId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub opening: bool,
    /// Written by staff (an agent, an admin, or an integration's key).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_staff: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files: usize,
    /// What the comment changed on its ticket (a customer's reply
    /// reopening it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

impl Payload for CommentCreated {
    const TYPES: &'static [EventType] = &[EventType::CommentCreated];
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `comment.updated` (with the new text) and `comment.deleted` (redacted:
/// no text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentChanged {
    pub public: bool,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub mentions: BTreeSet<UserId>,
}

impl Payload for CommentChanged {
    const TYPES: &'static [EventType] = &[EventType::CommentUpdated, EventType::CommentDeleted];
}

/// Whether a comment event is about a public reply (internal notes and
/// their edits are staff-only everywhere downstream).
pub fn is_public_comment(event: &DomainEvent) -> bool {
    match event.kind {
        EventType::CommentCreated => event.payload::<CommentCreated>().is_some_and(|c| c.public),
        EventType::CommentUpdated | EventType::CommentDeleted => {
            event.payload::<CommentChanged>().is_some_and(|c| c.public)
        }
        _ => false,
    }
}

pub(crate) fn ticket_event<P: Payload>(
    kind: EventType,
    ticket: &Ticket,
    principal: &Principal,
    now: Timestamp,
    payload: &P,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        ticket.tenant_id,
        now,
        principal.actor(),
        Subject {
            ticket_id: Some(ticket.id),
            ..Subject::default()
        },
        payload,
    )
}

fn comment_subject(comment: &Comment) -> Subject {
    Subject {
        ticket_id: Some(comment.ticket_id),
        comment_id: Some(comment.id),
        ..Subject::default()
    }
}

/// `comment.created` for a reply or note; `files` follow it.
pub(crate) fn comment_created(
    comment: &Comment,
    principal: &Principal,
    (files, changes): (usize, &[Change]),
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        EventType::CommentCreated,
        comment.tenant_id,
        now,
        principal.actor(),
        comment_subject(comment),
        &CommentCreated {
            public: comment.public,
            body: comment.body.clone(),
            author_id: comment.author_id,
            mentions: comment.mentions.clone(),
            opening: false,
            by_staff: principal.role().is_staff(),
            files,
            changes: changes.to_vec(),
        },
    )
}

/// `comment.updated` or `comment.deleted`.
pub(crate) fn comment_changed(
    kind: EventType,
    comment: &Comment,
    principal: &Principal,
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        comment.tenant_id,
        now,
        principal.actor(),
        comment_subject(comment),
        &CommentChanged {
            public: comment.public,
            body: comment.body.clone(),
            mentions: comment.mentions.clone(),
        },
    )
}

/// The requester's first message, which opens the ticket (not a reply).
pub(crate) fn opening_comment_event(
    comment: &Comment,
    principal: &Principal,
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        EventType::CommentCreated,
        comment.tenant_id,
        now,
        principal.actor(),
        comment_subject(comment),
        &CommentCreated {
            public: comment.public,
            body: comment.body.clone(),
            author_id: comment.author_id,
            mentions: comment.mentions.clone(),
            opening: true,
            by_staff: principal.role().is_staff(),
            files: 0,
            changes: Vec::new(),
        },
    )
}

/// `ticket.created` for a new ticket.
pub(crate) fn ticket_created(
    ticket: &Ticket,
    principal: &Principal,
    now: Timestamp,
) -> DomainEvent {
    ticket_event(
        EventType::TicketCreated,
        ticket,
        principal,
        now,
        &TicketCreated {
            number: ticket.number,
            subject: ticket.subject.clone(),
            status: ticket.status,
            priority: ticket.priority,
            channel: ticket.channel,
            requester_id: ticket.requester_id,
            assignee_id: ticket.assignee_id,
            team_id: ticket.team_id,
        },
    )
}

/// Why a change was made, for its `ticket.updated` event.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Origin<'a> {
    pub cause: Option<&'a Cause>,
    pub comment: Option<CommentId>,
}

/// `ticket.updated` with every change, plus the specific events
/// integrations subscribe to.
pub(crate) fn change_events(
    (before, after): (&Ticket, &Ticket),
    changes: &[Change],
    origin: Origin<'_>,
    principal: &Principal,
    now: Timestamp,
) -> Vec<DomainEvent> {
    let mut events = vec![ticket_event(
        EventType::TicketUpdated,
        after,
        principal,
        now,
        &TicketUpdated {
            changes: changes.to_vec(),
            caused_by: origin.cause.cloned(),
            comment_id: origin.comment,
        },
    )];
    if before.status != after.status {
        events.push(ticket_event(
            EventType::TicketStatusChanged,
            after,
            principal,
            now,
            &StatusChanged {
                from: before.status,
                to: after.status,
            },
        ));
    }
    if before.assignee_id != after.assignee_id || before.team_id != after.team_id {
        events.push(ticket_event(
            EventType::TicketAssigned,
            after,
            principal,
            now,
            &TicketAssigned {
                assignee_id: after.assignee_id,
                previous_assignee_id: before.assignee_id,
                team_id: after.team_id,
                previous_team_id: before.team_id,
            },
        ));
    }
    if before.priority != after.priority {
        events.push(ticket_event(
            EventType::TicketPriorityChanged,
            after,
            principal,
            now,
            &PriorityChanged {
                from: before.priority,
                to: after.priority,
            },
        ));
    }
    events
}
