//! Changing tickets: partial updates with optimistic locking, bulk changes,
//! deletion and restore, each with its history entry and events.

use crate::tickets::events::TicketDeleted;
use crate::tickets::input::TicketPatch;
use crate::tickets::ticket::Cause;
use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::{Conflict, DomainError};
use crate::kernel::events::EventType;
use crate::kernel::ids::{HistoryId, TicketId};
use crate::kernel::ports::IdempotencyStore;
use crate::kernel::validation::{Validator, parse_id};
use crate::tickets::events::{Origin, change_events, ticket_event};

use crate::kernel::events::DomainEvent;
use crate::kernel::idempotency::IdempotencyRecord;
use crate::kernel::ids::CommentId;
use crate::tickets::comment::Comment;
use crate::tickets::conversation::answered_by_staff;
use crate::tickets::events::comment_created;
use crate::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketStore, TicketWrite, TicketWriteMode,
};
use crate::tickets::service::{MAX_BULK, Ticketing, WRITE_ATTEMPTS, backoff};
use crate::tickets::ticket::{Change, HistoryEntry, RESTORE_WINDOW, Status, Ticket};

/// What a change made by rules writes besides its patch, in the same
/// transaction.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Why Switchboard made it (the history and `ticket.updated` say so).
    pub cause: Option<Cause>,
    /// A comment written as the principal with the change: a trigger's
    /// internal note, a macro's reply or note.
    pub comment: Option<ExtraComment>,
    /// Further events of the change (a mail to send, a webhook to notify).
    pub events: Vec<DomainEvent>,
    /// Makes a repeat of the same change fail with `IdempotencyKeyTaken`.
    pub once: Option<IdempotencyRecord>,
    /// The new assignee may hold at most this many unsolved tickets
    /// (`CapacityReached` otherwise), checked in the write.
    pub capacity: Option<u32>,
    /// The requester's rating (recorded in the history like a field).
    pub satisfaction: Option<crate::tickets::ticket::Satisfaction>,
}

/// A comment that comes with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraComment {
    pub body: String,
    pub public: bool,
}

impl Extras {
    fn is_empty(&self) -> bool {
        self.comment.is_none() && self.events.is_empty()
    }
}

/// A bulk request names 1 to [`MAX_BULK`] tickets, each once.
pub(crate) fn check_bulk_ids(ids: &[String]) -> Result<(), DomainError> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(DomainError::field(
            "ids",
            "invalid_length",
            format!("1 to {MAX_BULK} ids"),
        ));
    }
    let unique: BTreeSet<&String> = ids.iter().collect();
    if unique.len() != ids.len() {
        return Err(DomainError::field("ids", "duplicate", "ids must be unique"));
    }
    Ok(())
}

/// One ticket's outcome in a bulk update.
#[derive(Debug)]
pub struct BulkOutcome {
    pub id: String,
    pub result: Result<Ticket, DomainError>,
}

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    pub async fn update(
        &self,
        principal: &Principal,
        id: TicketId,
        input: TicketPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let ticket = self.visible(principal, id).await?;
        principal.require(Action::UpdateTicket)?;
        if if_match.is_some_and(|v| v != ticket.version) {
            return Err(DomainError::PreconditionFailed);
        }
        self.apply_patch(principal, ticket, input, &Extras::default(), now)
            .await
    }

    /// A change rules decided on `ticket` as read (a trigger's run): the
    /// patch, an internal note and further events in one transaction.
    /// `PreconditionFailed` when the ticket changed since it was read: the
    /// caller reads it again and decides again.
    pub async fn apply_rules(
        &self,
        principal: &Principal,
        ticket: Ticket,
        patch: TicketPatch,
        extras: &Extras,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        principal.require(Action::UpdateTicket)?;
        self.apply_patch(principal, ticket, patch, extras, now)
            .await
    }

    /// A change Switchboard makes itself for `cause`: on the ticket as it is
    /// now, retried when someone else changed it meanwhile, and recorded in
    /// the history with its cause.
    pub async fn apply_for(
        &self,
        principal: &Principal,
        id: TicketId,
        patch: TicketPatch,
        cause: Cause,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        principal.require(Action::UpdateTicket)?;
        let extras = Extras {
            cause: Some(cause),
            ..Extras::default()
        };
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            let ticket = self.visible(principal, id).await?;
            match self
                .apply_patch(principal, ticket, patch.clone(), &extras, now)
                .await
            {
                Err(DomainError::PreconditionFailed) => continue,
                other => return other,
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    /// Applies a patch to a ticket read at its current version.
    pub(super) async fn apply_patch(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        input: TicketPatch,
        extras: &Extras,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let cause = extras.cause.as_ref();
        let mut v = Validator::new();
        let TicketPatch {
            subject,
            status,
            priority,
            kind,
            assignee,
            team,
            tags,
            add_tags: add,
            remove_tags: remove,
            custom_fields,
            cc,
            followers,
        } = input;
        if let Some(Some(a)) = assignee {
            self.check_assignment(principal, Some(a), None, &mut v)
                .await?;
        }
        if let Some(Some(t)) = team {
            self.check_assignment(principal, None, Some(t), &mut v)
                .await?;
        }
        if let Some(f) = &followers {
            self.check_followers(principal, (&ticket.followers, f), &mut v)
                .await?;
        }
        let custom = match custom_fields {
            Some(values) => {
                let schema = self.store.field_schema(ticket.tenant_id).await?;
                match schema.check(&ticket.custom_fields, &values, false) {
                    Ok(c) => Some(c),
                    Err(errors) => {
                        errors.into_iter().for_each(|e| v.push(e));
                        None
                    }
                }
            }
            None => None,
        };
        v.finish()?;

        let before = ticket.clone();
        let mut changes: Vec<Change> = Vec::new();
        let mut change = |field: &str, b: Value, a: Value| {
            if b != a {
                changes.push(Change {
                    field: field.to_owned(),
                    before: b,
                    after: a,
                });
            }
        };
        if let Some(s) = subject {
            let s = s.into_string();
            change("subject", json!(ticket.subject), json!(s));
            ticket.subject = s;
        }
        if let Some(s) = status {
            ticket
                .set_status(s, now)
                .map_err(|e| DomainError::field("status", e.code, e.message))?;
            change("status", json!(before.status), json!(ticket.status));
        }
        if let Some(p) = priority {
            change("priority", json!(ticket.priority), json!(p));
            ticket.priority = p;
        }
        if let Some(k) = kind {
            change("type", json!(ticket.kind), json!(k));
            ticket.kind = k;
        }
        if let Some(a) = assignee {
            change("assigneeId", json!(ticket.assignee_id), json!(a));
            ticket.assignee_id = a;
        }
        if let Some(t) = team {
            change("teamId", json!(ticket.team_id), json!(t));
            ticket.team_id = t;
        }
        let mut new_tags = ticket.tags.clone();
        if let Some(t) = tags {
            new_tags = t;
        }
        if let Some(a) = add {
            new_tags.extend(a);
        }
        if let Some(r) = remove {
            new_tags.retain(|t| !r.contains(t));
        }
        if new_tags.len() > crate::tickets::ticket::MAX_TAGS {
            return Err(DomainError::field("tags", "too_many", "at most 30 tags"));
        }
        change("tags", json!(ticket.tags), json!(new_tags));
        ticket.tags = new_tags;
        if let Some(c) = custom {
            for key in c
                .keys()
                .chain(ticket.custom_fields.keys())
                .collect::<BTreeSet<_>>()
            {
                change(
                    &format!("customFields.{key}"),
                    ticket
                        .custom_fields
                        .get(key)
                        .cloned()
                        .unwrap_or(Value::Null),
                    c.get(key).cloned().unwrap_or(Value::Null),
                );
            }
            ticket.custom_fields = c;
        }
        if let Some(people) = cc {
            let people = people.into_set();
            change("cc", json!(ticket.cc), json!(people));
            ticket.cc = people;
        }
        if let Some(f) = followers {
            change("followers", json!(ticket.followers), json!(f));
            ticket.followers = f;
        }
        if let Some(s) = &extras.satisfaction {
            // The history keeps the score, not the requester's words.
            change(
                "satisfaction",
                json!(ticket.satisfaction.as_ref().map(|s| s.score)),
                json!(s.score),
            );
            ticket.satisfaction = Some(s.clone());
        }
        if changes.is_empty() && extras.is_empty() {
            return Ok(ticket);
        }
        if matches!(cause, Some(Cause::Automation { .. })) {
            ticket.clocks.automation_updates += 1;
        }
        if extras.comment.is_some() && before.status == Status::Closed {
            return Err(DomainError::field(
                "ticket",
                "ticket_closed",
                "a closed ticket takes no more comments; open a follow-up",
            ));
        }
        let comment = match &extras.comment {
            Some(c) => Some(Comment {
                id: CommentId::new(),
                tenant_id: ticket.tenant_id,
                ticket_id: ticket.id,
                author: principal.actor(),
                author_id: principal.user_id(),
                public: c.public,
                body: c.body.clone(),
                mentions: self.staff_mentions(principal, &c.body).await?,
                created_at: now,
                edited_at: None,
                deleted_at: None,
                revisions: Vec::new(),
                mail: None,
                copied_from: None,
                version: 1,
            }),
            None => None,
        };
        if comment.as_ref().is_some_and(|c| c.public) {
            ticket.replied(principal.role().is_staff(), now);
        }
        if comment.as_ref().is_some_and(|c| c.public) && principal.role().is_staff() {
            let status = ticket.status;
            answered_by_staff(&mut ticket, now);
            if ticket.status != status {
                changes.push(Change {
                    field: "status".into(),
                    before: json!(status),
                    after: json!(ticket.status),
                });
            }
        }
        let seen =
            ticket.differs_publicly_from(&before) || comment.as_ref().is_some_and(|c| c.public);
        ticket.record_change(&before, now, seen);
        let history = (!changes.is_empty()).then(|| HistoryEntry {
            id: HistoryId::new(),
            ticket_id: ticket.id,
            at: now,
            actor: principal.actor(),
            changes: changes.clone(),
            caused_by: cause.cloned(),
        });
        // With a comment, the change is the comment's: its event carries
        // the changes, and `ticket.updated` names it.
        let origin = Origin {
            cause,
            comment: comment.as_ref().map(|c| c.id),
        };
        let mut events = if changes.is_empty() {
            Vec::new()
        } else {
            change_events((&before, &ticket), &changes, origin, principal, now)
        };
        if let Some(c) = &comment {
            events.insert(0, comment_created(c, principal, (0, &changes), now));
        }
        events.extend(extras.events.iter().cloned());
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode: TicketWriteMode::Replace(before.version),
                before: Some(&before),
                comment: comment.as_ref().map(CommentWrite::New),
                new_requester: None,
                history: history.as_ref(),
                events: &events,
                idempotency: extras.once.as_ref(),
                capacity: extras.capacity,
            })
            .await?;
        Ok(ticket)
    }

    pub async fn bulk(
        &self,
        principal: &Principal,
        ids: Vec<String>,
        op: TicketPatch,
        now: Timestamp,
    ) -> Result<Vec<BulkOutcome>, DomainError> {
        principal.require(Action::BulkUpdateTickets)?;
        check_bulk_ids(&ids)?;
        let mut outcomes = Vec::with_capacity(ids.len());
        for raw in ids {
            let result = match parse_id::<TicketId>(&raw) {
                Err(_) => Err(DomainError::NotFound),
                Ok(id) => self.bulk_one(principal, id, op.clone(), now).await,
            };
            outcomes.push(BulkOutcome { id: raw, result });
        }
        Ok(outcomes)
    }

    /// Read-modify-write with optimistic locking, retried when someone else
    /// changed the ticket in between.
    pub(super) async fn bulk_one(
        &self,
        principal: &Principal,
        id: TicketId,
        op: TicketPatch,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            let ticket = self.visible(principal, id).await?;
            match self
                .apply_patch(principal, ticket, op.clone(), &Extras::default(), now)
                .await
            {
                Err(DomainError::PreconditionFailed) => continue,
                other => return other,
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: TicketId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let ticket = self.visible(principal, id).await?;
        principal.require(Action::DeleteTicket)?;
        self.set_deleted(principal, ticket, Some(now), now)
            .await
            .map(|_| ())
    }

    /// Brings back a ticket deleted less than 30 days ago.
    pub async fn restore(
        &self,
        principal: &Principal,
        id: TicketId,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        principal
            .require(Action::DeleteTicket)
            .map_err(|_| DomainError::NotFound)?;
        let ticket = self
            .store
            .ticket(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let Some(deleted_at) = ticket.deleted_at else {
            return Ok(ticket);
        };
        if now.duration_since(deleted_at) > RESTORE_WINDOW {
            return Err(DomainError::NotFound);
        }
        self.set_deleted(principal, ticket, None, now).await
    }

    /// Deletes (`Some`) or restores (`None`) with its history entry and event.
    pub(super) async fn set_deleted(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        deleted_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let before = ticket.clone();
        let was_deleted = ticket.is_deleted();
        ticket.deleted_at = deleted_at;
        ticket.record_change(&before, now, true);
        let kind = if deleted_at.is_some() {
            EventType::TicketDeleted
        } else {
            EventType::TicketRestored
        };
        let event = ticket_event(
            kind,
            &ticket,
            principal,
            now,
            &TicketDeleted {
                number: ticket.number,
            },
        );
        let history = HistoryEntry {
            id: HistoryId::new(),
            ticket_id: ticket.id,
            at: now,
            actor: principal.actor(),
            changes: vec![Change {
                field: "deleted".into(),
                before: json!(was_deleted),
                after: json!(ticket.is_deleted()),
            }],
            caused_by: None,
        };
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode: TicketWriteMode::Replace(before.version),
                before: Some(&before),
                comment: None,
                new_requester: None,
                history: Some(&history),
                events: &[event],
                idempotency: None,
                capacity: None,
            })
            .await?;
        Ok(ticket)
    }
}
