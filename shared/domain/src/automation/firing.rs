//! Running the triggers on a change, for the event router: which events
//! are a change triggers run on, the facts they see, and the one
//! transaction that writes what fired (as Switchboard, with the triggers
//! as its cause, at most once per change).

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::accounts::permissions::Principal;
use crate::accounts::ports::{OrganizationStore, TeamStore, TenantStore, UserStore};
use crate::automation::action::{Effects, patch_between};
use crate::automation::condition::{ActorKind, Condition, Facts};
use crate::automation::engine::{self, Run};
use crate::automation::events::trigger_notified;
use crate::automation::ports::TriggerStore;
use crate::automation::rule_mail::{self, RuleMailRequested};
use crate::automation::trigger::{On, TriggerSet};
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::events::{ActorType, DomainEvent, EventType};
use crate::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::kernel::ports::IdempotencyStore;
use crate::sla::policy::BusinessHours;
use crate::sla::ports::SlaConfigStore;
use crate::tickets::changes::{ExtraComment, Extras};
use crate::tickets::comment::MAX_BODY_BYTES;
use crate::tickets::events::{CommentCreated, TicketUpdated};
use crate::tickets::input::TicketPatch;
use crate::tickets::ports::{FieldSchemaStore, TicketStore};
use crate::tickets::service::Ticketing;
use crate::tickets::ticket::{Cause, Change, RuleRef, Ticket};

/// A change the triggers run on: its kinds, its field changes and the
/// comment's text when it added one.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub on: BTreeSet<On>,
    pub changes: Vec<Change>,
    pub body: Option<String>,
}

/// The change an event stands for, once per change: `ticket.created`; a
/// `comment.created` after the opening one (with what it changed); a
/// `ticket.updated` not caused by a comment. Changes Switchboard made
/// itself (triggers, SLA escalations) start no cycle.
pub fn moment(event: &DomainEvent) -> Option<Moment> {
    if event.actor.kind == ActorType::System {
        return None;
    }
    match event.kind {
        EventType::TicketCreated => Some(Moment {
            on: [On::Created].into(),
            changes: Vec::new(),
            body: None,
        }),
        EventType::TicketUpdated => {
            let updated = event.payload::<TicketUpdated>()?;
            updated.comment_id.is_none().then(|| Moment {
                on: [On::Updated].into(),
                changes: updated.changes,
                body: None,
            })
        }
        EventType::CommentCreated => {
            let comment = event.payload::<CommentCreated>()?;
            if comment.opening {
                return None;
            }
            let mut on: BTreeSet<On> = [On::Comment].into();
            if !comment.changes.is_empty() {
                on.insert(On::Updated);
            }
            Some(Moment {
                on,
                changes: comment.changes,
                body: Some(comment.body),
            })
        }
        _ => None,
    }
}

/// What the triggers did to a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub triggers: Vec<RuleRef>,
    pub passes: usize,
    pub capped: bool,
}

const ATTEMPTS: usize = 3;
/// Endpoints notified per change at most (each is an event in the write).
const MAX_NOTIFICATIONS: usize = 10;

/// `text` cut at a character to at most `max` bytes.
pub(crate) fn within(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Runs the tenant's triggers on the change `event` stands for, and
/// writes what fired. `None` when nothing fired, or an earlier delivery
/// of the event already wrote it.
pub async fn fire<S>(
    store: &S,
    ticketing: &Ticketing<S>,
    event: &DomainEvent,
    now: Timestamp,
) -> Result<Option<Fired>, DomainError>
where
    S: TriggerStore
        + TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + TenantStore
        + SlaConfigStore,
{
    let (Some(moment), Some(ticket_id)) = (moment(event), event.subject.ticket_id) else {
        return Ok(None);
    };
    let tenant = event.tenant_id;
    let set = store.triggers(tenant).await?;
    if !set.wants(&moment.on) {
        return Ok(None);
    }
    let Some(tenant_record) = store.tenant(tenant).await? else {
        return Ok(None);
    };
    let system = Principal::system(tenant_record);
    let hours = if needs(&set, |c| matches!(c, Condition::BusinessHours { .. })) {
        store.sla_config(tenant).await?.1
    } else {
        BusinessHours::default()
    };
    for _ in 0..ATTEMPTS {
        let Some(ticket) = store.ticket(tenant, ticket_id).await? else {
            return Ok(None);
        };
        if ticket.is_deleted() {
            return Ok(None);
        }
        let actor_user = match event.actor.kind {
            ActorType::User => event.actor.id.as_deref().and_then(|id| id.parse().ok()),
            _ => None,
        };
        let ids: Vec<_> = [Some(ticket.requester_id), actor_user]
            .into_iter()
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let people = store.users(tenant, &ids).await?;
        let requester = people.iter().find(|u| u.id == ticket.requester_id);
        let actor = match (event.actor.kind, actor_user) {
            (ActorType::User, Some(id)) => match people.iter().find(|u| u.id == id) {
                Some(u) if u.role.is_staff() => ActorKind::Agent,
                _ => ActorKind::Customer,
            },
            (ActorType::ApiKey, _) => ActorKind::Agent,
            _ => ActorKind::System,
        };
        let body = match &moment.body {
            Some(b) => Some(b.clone()),
            None if moment.on.contains(&On::Created)
                && needs(&set, |c| matches!(c, Condition::Body { .. })) =>
            {
                store
                    .conversation(tenant, ticket_id, 1, false)
                    .await?
                    .and_then(|(_, comments, _)| comments.into_iter().next())
                    .map(|c| c.body)
            }
            None => None,
        };
        let facts = Facts {
            changes: &moment.changes,
            actor,
            requester,
            body: body.as_deref(),
            hours: &hours,
            now,
        };
        let run = engine::run(&set.triggers, &moment.on, &ticket, &facts, now);
        if run.fired.is_empty() {
            return Ok(None);
        }
        let fired = Fired {
            triggers: run.fired.clone(),
            passes: run.passes,
            capped: run.capped,
        };
        if run.capped {
            tracing::warn!(
                ticket = %ticket_id,
                passes = run.passes,
                "triggers still matched after the last pass; the rest did not run"
            );
        }
        let patch = patch_between(&ticket, &run.ticket);
        let mails = rule_mail::address(store, &run.ticket, &run.effects.mails).await?;
        let extras = extras(event, &system, (&run, mails), now);
        if patch == TicketPatch::default() && extras.comment.is_none() && extras.events.is_empty() {
            // What fired is already so (a redelivery, or actions that
            // change nothing): nothing to write.
            return Ok(None);
        }
        match ticketing
            .apply_rules(&system, ticket, patch, &extras, now)
            .await
        {
            Ok(_) => return Ok(Some(fired)),
            Err(DomainError::PreconditionFailed) => continue,
            Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => return Ok(None),
            Err(DomainError::Invalid(errors)) => {
                // A team, agent or field removed since the trigger was
                // saved: the change stands as the person made it.
                tracing::warn!(
                    ticket = %ticket_id,
                    triggers = ?fired.triggers.iter().map(|t| &t.id).collect::<Vec<_>>(),
                    errors = ?errors.iter().map(|e| (&e.field, e.code)).collect::<Vec<_>>(),
                    "triggers' changes refused"
                );
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    }
    Err(DomainError::Conflict(
        crate::kernel::error::Conflict::Concurrent,
    ))
}

fn needs(set: &TriggerSet, what: impl Fn(&Condition) -> bool) -> bool {
    set.triggers
        .iter()
        .filter(|t| t.active)
        .any(|t| t.conditions.iter().any(&what))
}

/// The note, notifications, mails and once-only mark written with the
/// change.
fn extras(
    event: &DomainEvent,
    system: &Principal,
    (run, mails): (&Run, Vec<RuleMailRequested>),
    now: Timestamp,
) -> Extras {
    let cause = Cause::Triggers {
        triggers: run.fired.clone(),
    };
    let once = IdempotencyRecord {
        key: IdempotencyKey::new("system", "triggers", &event.id.to_string(), b""),
        resource_id: event.id.to_string(),
        created_at: now,
    };
    rule_extras((&run.ticket, &run.effects, mails), cause, once, system, now)
}

/// What rules' effects write with their change (a trigger run's, an
/// automation's): the notes as one internal note, one `trigger.notified`
/// per endpoint named, one `rule.mail_requested` per mail, the cause, and
/// the mark that makes it once-only.
pub(crate) fn rule_extras(
    (draft, effects, mails): (&Ticket, &Effects, Vec<RuleMailRequested>),
    cause: Cause,
    once: IdempotencyRecord,
    system: &Principal,
    now: Timestamp,
) -> Extras {
    let notes: Vec<&str> = effects.notes.iter().map(|(_, n)| n.trim()).collect();
    // One notification per endpoint and change, whatever asked for it.
    let mut notified = BTreeSet::new();
    let mut events: Vec<DomainEvent> = effects
        .webhooks
        .iter()
        .filter(|(_, webhook)| notified.insert(*webhook))
        .take(MAX_NOTIFICATIONS)
        .map(|(rule, webhook)| trigger_notified(draft, (rule, *webhook), system.actor(), now))
        .collect();
    events.extend(
        mails
            .iter()
            .take(rule_mail::MAX_MAILS)
            .map(|m| rule_mail::mail_requested(draft, m, system.actor(), now)),
    );
    Extras {
        cause: Some(cause),
        comment: (!notes.is_empty()).then(|| ExtraComment {
            body: within(notes.join("\n\n"), MAX_BODY_BYTES),
            public: false,
        }),
        events,
        once: Some(once),
        capacity: None,
        satisfaction: None,
    }
}
