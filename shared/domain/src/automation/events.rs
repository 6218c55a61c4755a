//! The events automation emits: one payload struct per event type.

use serde::{Deserialize, Serialize};

use crate::kernel::events::{DomainEvent, EventType, Payload, Subject};
use crate::kernel::ids::{TicketId, WebhookId};
use crate::tickets::ticket::{Priority, RuleRef, Status, Ticket};

/// The ticket as a notified endpoint sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifiedTicket {
    pub id: TicketId,
    pub number: u64,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
}

/// `trigger.notified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerNotified {
    pub webhook_id: WebhookId,
    pub trigger: RuleRef,
    pub ticket: NotifiedTicket,
}

impl Payload for TriggerNotified {
    const TYPES: &'static [EventType] = &[EventType::TriggerNotified];
}

/// The endpoint a `trigger.notified` event is for (none for other events).
pub fn notified_endpoint(event: &DomainEvent) -> Option<WebhookId> {
    (event.kind == EventType::TriggerNotified)
        .then(|| event.payload::<TriggerNotified>())
        .flatten()
        .map(|n| n.webhook_id)
}

/// `trigger.notified` for `ticket` as the trigger left it.
pub(crate) fn trigger_notified(
    ticket: &Ticket,
    (trigger, webhook_id): (&RuleRef, WebhookId),
    actor: crate::kernel::events::Actor,
    now: jiff::Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        EventType::TriggerNotified,
        ticket.tenant_id,
        now,
        actor,
        Subject {
            ticket_id: Some(ticket.id),
            ..Subject::default()
        },
        &TriggerNotified {
            webhook_id,
            trigger: trigger.clone(),
            ticket: NotifiedTicket {
                id: ticket.id,
                number: ticket.number,
                subject: ticket.subject.clone(),
                status: ticket.status,
                priority: ticket.priority,
            },
        },
    )
}
