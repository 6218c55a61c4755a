//! Splitting a ticket: part of a conversation that turned into another
//! problem becomes a ticket of its own. The chosen comments are copied onto
//! a new ticket (each keeping its id and naming where it came from) for the
//! same requester and participants, with the ticket's priority, type, team,
//! assignee, tags and fields; both tickets get an internal note naming the
//! other. One transaction: the split happens whole or not at all.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::json;

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::{Conflict, DomainError, FieldError, StoreError};
use crate::kernel::idempotency::{Created, IdempotencyKey, IdempotencyRecord};
use crate::kernel::ids::{CommentId, TicketId};
use crate::kernel::ports::IdempotencyStore;
use crate::kernel::validation::parse_id;
use crate::tickets::comment::{Comment, CopiedFrom};
use crate::tickets::events::{comment_created, ticket_created};
use crate::tickets::input::TicketSplit;
use crate::tickets::merge::{
    MAX_COPIED_BYTES, TRANSACTION_ITEMS, copied_bytes, history, staff_note,
};
use crate::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketStore, TicketWrite, TicketWriteMode,
};
use crate::tickets::service::{TicketDetail, Ticketing};
use crate::tickets::ticket::{Change, Clocks, Status, Ticket};

/// Comments one split moves at most.
pub const MAX_SPLIT_COMMENTS: usize = 50;
/// What a split writes besides its copies and the new ticket's entries for
/// its participants: both tickets, the number, both notes, the history,
/// the idempotency record, the events and the organisation entry.
const FIXED_ITEMS: usize = 11;

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    /// Opens a new ticket with `input.comments` of `source_id` (copied, in
    /// their order in the conversation).
    pub async fn split(
        &self,
        principal: &Principal,
        source_id: TicketId,
        input: TicketSplit,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<TicketDetail>, DomainError> {
        let source = self.visible(principal, source_id).await?;
        principal.require(Action::UpdateTicket)?;
        if let Some(id) = self.replay(principal, idempotency.as_ref()).await? {
            return self.replayed_split(principal, &id).await;
        }
        if source.status == Status::Closed {
            return Err(DomainError::field(
                "ticket",
                "ticket_closed",
                "a closed ticket cannot be split",
            ));
        }
        let comments = self.chosen(&source, &input.comments).await?;
        let record = idempotency.as_ref();
        match self
            .write_split(principal, source, comments, input, record, now)
            .await
        {
            Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => {
                let id = self
                    .replay(principal, record)
                    .await?
                    .ok_or_else(|| DomainError::Internal("idempotency record vanished".into()))?;
                self.replayed_split(principal, &id).await
            }
            Err(DomainError::PreconditionFailed) => {
                Err(DomainError::Conflict(Conflict::Concurrent))
            }
            other => other.map(Created::New),
        }
    }

    async fn replayed_split(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<Created<TicketDetail>, DomainError> {
        let id = parse_id::<TicketId>(id)
            .map_err(|_| DomainError::Internal("bad idempotency record".into()))?;
        Ok(Created::Replayed(self.detail(principal, id).await?))
    }

    /// The comments named, each once and on this ticket, in conversation
    /// order; a field error for each that is not.
    async fn chosen(
        &self,
        source: &Ticket,
        ids: &[CommentId],
    ) -> Result<Vec<Comment>, DomainError> {
        let unique: BTreeSet<_> = ids.iter().collect();
        let room = TRANSACTION_ITEMS.saturating_sub(FIXED_ITEMS + source.cc.len());
        let most = MAX_SPLIT_COMMENTS.min(room);
        if ids.is_empty() || ids.len() > most {
            return Err(DomainError::field(
                "commentIds",
                "invalid_length",
                format!("1 to {most} comments"),
            ));
        }
        if unique.len() != ids.len() {
            return Err(DomainError::field(
                "commentIds",
                "duplicate",
                "each comment once",
            ));
        }
        let mut errors = Vec::new();
        let mut chosen = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match self.store.comment(source.tenant_id, source.id, *id).await? {
                Some(c) if c.deleted_at.is_none() => chosen.push(c),
                _ => errors.push(FieldError::new(
                    format!("commentIds.{i}"),
                    "not_found",
                    "no such comment on this ticket",
                )),
            }
        }
        if chosen.iter().map(copied_bytes).sum::<usize>() > MAX_COPIED_BYTES {
            errors.push(FieldError::new(
                "commentIds",
                "too_large",
                "too much text to copy at once: split fewer comments",
            ));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        chosen.sort_by_key(|c| c.id);
        Ok(chosen)
    }

    async fn write_split(
        &self,
        principal: &Principal,
        source: Ticket,
        comments: Vec<Comment>,
        input: TicketSplit,
        idempotency: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<TicketDetail, DomainError> {
        let number = self.store.next_ticket_number(source.tenant_id).await?;
        let ticket = Ticket {
            id: TicketId::new(),
            number,
            subject: input.subject.into_string(),
            status: match source.status {
                Status::New => Status::New,
                _ => Status::Open,
            },
            created_by: principal.actor(),
            created_at: now,
            updated_at: now,
            first_response_at: None,
            solved_at: None,
            closed_at: None,
            deleted_at: None,
            version: 1,
            public_version: 1,
            public_updated_at: now,
            merged_into: None,
            merged_from: BTreeSet::new(),
            satisfaction: None,
            clocks: Clocks {
                status_changed_at: Some(now),
                assigned_at: source.assignee_id.map(|_| now),
                ..Clocks::default()
            },
            ..source.clone()
        };
        let origin = CopiedFrom {
            ticket_id: source.id,
            number: source.number,
        };
        let copies: Vec<Comment> = comments
            .into_iter()
            .map(|c| Comment {
                ticket_id: ticket.id,
                copied_from: Some(c.copied_from.unwrap_or(origin)),
                version: 1,
                ..c
            })
            .collect();
        let new_note = staff_note(
            principal,
            &ticket,
            &format!("Split from #{}: {}", source.number, source.subject),
            false,
            now,
        );
        let events = vec![
            ticket_created(&ticket, principal, now),
            comment_created(&new_note, principal, (0, &[]), now),
        ];

        let mut noted = source.clone();
        noted.record_change(&source, now, false);
        let source_note = staff_note(
            principal,
            &noted,
            &format!(
                "{} comment(s) split into #{}: {}",
                copies.len(),
                ticket.number,
                ticket.subject
            ),
            false,
            now,
        );
        let source_history = history(
            &noted,
            vec![Change {
                field: "splitInto".into(),
                before: json!(null),
                after: json!({"id": ticket.id, "number": ticket.number}),
            }],
            principal,
            now,
        );
        let source_events = [comment_created(&source_note, principal, (0, &[]), now)];
        let record = idempotency.map(|key| IdempotencyRecord {
            key: key.clone(),
            resource_id: ticket.id.to_string(),
            created_at: now,
        });
        self.store
            .write_tickets(
                &[
                    TicketWrite {
                        ticket: &ticket,
                        mode: TicketWriteMode::Create,
                        before: None,
                        comment: Some(CommentWrite::New(&new_note)),
                        new_requester: None,
                        history: None,
                        events: &events,
                        idempotency: record.as_ref(),
                        capacity: None,
                    },
                    TicketWrite {
                        ticket: &noted,
                        mode: TicketWriteMode::Touch {
                            status: source.status,
                            public: false,
                        },
                        before: Some(&source),
                        comment: Some(CommentWrite::New(&source_note)),
                        new_requester: None,
                        history: Some(&source_history),
                        events: &source_events,
                        idempotency: None,
                        capacity: None,
                    },
                ],
                &copies,
            )
            .await?;
        self.detail(principal, ticket.id).await
    }
}
