//! The events ticket changes emit.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::accounts::permissions::Principal;
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::tickets::comment::Comment;
use crate::tickets::ticket::{Change, Ticket};

pub(crate) fn ticket_event(
    kind: EventType,
    ticket: &Ticket,
    principal: &Principal,
    now: Timestamp,
    data: Value,
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
        data,
    )
}

pub(crate) fn comment_event(
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
        Subject {
            ticket_id: Some(comment.ticket_id),
            comment_id: Some(comment.id),
            ..Subject::default()
        },
        json!({ "public": comment.public, "mentions": comment.mentions }),
    )
}

/// The requester's first message, which opens the ticket (not a reply).
pub(crate) fn opening_comment_event(
    comment: &Comment,
    principal: &Principal,
    now: Timestamp,
) -> DomainEvent {
    let mut event = comment_event(EventType::CommentCreated, comment, principal, now);
    if let Some(data) = event.data.as_object_mut() {
        data.insert("opening".into(), Value::Bool(true));
    }
    event
}

/// `ticket.updated` with every change, plus the specific events
/// integrations subscribe to.
pub(crate) fn change_events(
    before: &Ticket,
    after: &Ticket,
    changes: &[Change],
    principal: &Principal,
    now: Timestamp,
) -> Vec<DomainEvent> {
    let mut events = vec![ticket_event(
        EventType::TicketUpdated,
        after,
        principal,
        now,
        json!({ "changes": changes }),
    )];
    if before.status != after.status {
        events.push(ticket_event(
            EventType::TicketStatusChanged,
            after,
            principal,
            now,
            json!({ "from": before.status, "to": after.status }),
        ));
    }
    if before.assignee_id != after.assignee_id || before.team_id != after.team_id {
        events.push(ticket_event(
            EventType::TicketAssigned,
            after,
            principal,
            now,
            json!({
                "assigneeId": after.assignee_id, "previousAssigneeId": before.assignee_id,
                "teamId": after.team_id, "previousTeamId": before.team_id,
            }),
        ));
    }
    if before.priority != after.priority {
        events.push(ticket_event(
            EventType::TicketPriorityChanged,
            after,
            principal,
            now,
            json!({ "from": before.priority, "to": after.priority }),
        ));
    }
    events
}
