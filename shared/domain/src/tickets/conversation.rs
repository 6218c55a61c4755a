//! The conversation: public replies and internal notes, edits and
//! redaction, and what a comment changes on its ticket.

use crate::tickets::events::comment_changed;
use crate::tickets::events::comment_created;
use crate::tickets::input::Body;
use crate::tickets::input::NewComment;
use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::json;

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::{Conflict, DomainError, StoreError};
use crate::kernel::events::EventType;
use crate::kernel::idempotency::Created;
use crate::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::kernel::ids::{CommentId, HistoryId, TicketId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::ports::IdempotencyStore;
use crate::kernel::validation::parse_id;
use crate::tickets::comment::{Comment, MailOrigin, mentions};
use crate::tickets::events::{Origin, change_events};

use crate::accounts::organization::SharedTickets;
use crate::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketStore, TicketWrite, TicketWriteMode,
};
use crate::tickets::service::{Access, Ticketing, WRITE_ATTEMPTS, backoff, customer_access};
use crate::tickets::ticket::{Change, HistoryEntry, Status, Ticket};

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    pub async fn add_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        input: NewComment,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<Comment>, DomainError> {
        let ticket = self.visible(principal, ticket_id).await?;
        let public = input.public;
        principal.require(if public {
            Action::ReplyPublicly
        } else {
            Action::WriteInternalNote
        })?;
        if principal.is_customer()
            && customer_access(principal, &ticket) == Some(Access::Shared(SharedTickets::Read))
        {
            // Their organisation lets them read a colleague's ticket, not
            // speak on it.
            return Err(DomainError::Forbidden);
        }
        if let Some(id) = self.replay(principal, idempotency.as_ref()).await? {
            return self.replayed_comment(principal, ticket_id, &id).await;
        }
        let body = input.body.into_string();
        let mut first = Some(ticket);
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            // The first attempt uses the ticket just read; a retry re-reads it.
            let ticket = match first.take() {
                Some(t) => t,
                None => self.visible(principal, ticket_id).await?,
            };
            match self
                .try_comment(
                    principal,
                    ticket,
                    (body.clone(), public, input.files, input.mail.clone()),
                    idempotency.as_ref(),
                    now,
                )
                .await
            {
                Err(DomainError::PreconditionFailed) => continue,
                Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => {
                    let id = self
                        .replay(principal, idempotency.as_ref())
                        .await?
                        .ok_or_else(|| {
                            DomainError::Internal("idempotency record vanished".into())
                        })?;
                    return self.replayed_comment(principal, ticket_id, &id).await;
                }
                other => return other.map(Created::New),
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    /// `(body, public, files, mail)`: the comment as validated.
    pub(super) async fn try_comment(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        (body, public, files, mail): (String, bool, usize, Option<MailOrigin>),
        idempotency: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Comment, DomainError> {
        if ticket.status == Status::Closed {
            return Err(DomainError::field(
                "ticket",
                "ticket_closed",
                "a closed ticket takes no more comments; open a follow-up",
            ));
        }
        let staff = principal.role().is_staff();
        let mentioned = self.staff_mentions(principal, &body).await?;
        let comment = Comment {
            id: CommentId::new(),
            tenant_id: ticket.tenant_id,
            ticket_id: ticket.id,
            author: principal.actor(),
            author_id: principal.user_id(),
            public,
            body,
            mentions: mentioned,
            created_at: now,
            edited_at: None,
            deleted_at: None,
            revisions: Vec::new(),
            mail,
            copied_from: None,
            version: 1,
        };
        let before = ticket.clone();
        if public && staff {
            answered_by_staff(&mut ticket, now);
        }
        if public {
            ticket.replied(staff, now);
        }
        if public && !staff && matches!(ticket.status, Status::Pending | Status::Solved) {
            // The customer answered: the ball is back with the agents.
            ticket
                .set_status(Status::Open, now)
                .map_err(|e| DomainError::field("status", e.code, e.message))?;
        }
        // An internal note moves only the staff's clock: customers cannot
        // count or time what they do not see.
        let seen = public || ticket.differs_publicly_from(&before);
        ticket.record_change(&before, now, seen);
        let mut changes = Vec::new();
        let mut history = None;
        if ticket.status != before.status {
            changes.push(Change {
                field: "status".into(),
                before: json!(before.status),
                after: json!(ticket.status),
            });
            history = Some(HistoryEntry {
                id: HistoryId::new(),
                ticket_id: ticket.id,
                at: now,
                actor: principal.actor(),
                changes: changes.clone(),
                caused_by: None,
            });
        }
        let mut events = vec![comment_created(&comment, principal, (files, &changes), now)];
        if !changes.is_empty() {
            let origin = Origin {
                cause: None,
                comment: Some(comment.id),
            };
            events.extend(change_events(
                (&before, &ticket),
                &changes,
                origin,
                principal,
                now,
            ));
        }
        let record = idempotency.map(|key| IdempotencyRecord {
            key: key.clone(),
            resource_id: comment.id.to_string(),
            created_at: now,
        });
        let changes_ticket =
            ticket.status != before.status || ticket.first_response_at != before.first_response_at;
        let mode = if changes_ticket {
            TicketWriteMode::Replace(before.version)
        } else {
            TicketWriteMode::Touch {
                status: before.status,
                public: seen,
            }
        };
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode,
                before: Some(&before),
                comment: Some(CommentWrite::New(&comment)),
                new_requester: None,
                history: history.as_ref(),
                events: &events,
                idempotency: record.as_ref(),
                capacity: None,
            })
            .await?;
        Ok(comment)
    }

    pub(super) async fn replayed_comment(
        &self,
        principal: &Principal,
        ticket: TicketId,
        id: &str,
    ) -> Result<Created<Comment>, DomainError> {
        let id = parse_id::<CommentId>(id)
            .map_err(|_| DomainError::Internal("bad idempotency record".into()))?;
        let comment = self
            .store
            .comment(principal.tenant_id(), ticket, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(Created::Replayed(comment))
    }

    /// The comment an idempotency key already wrote on this ticket, if
    /// any (a use case that does more than comment replays it first).
    pub async fn replayed_comment_for(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        key: Option<&IdempotencyKey>,
    ) -> Result<Option<Comment>, DomainError> {
        let Some(id) = self.replay(principal, key).await? else {
            return Ok(None);
        };
        self.visible(principal, ticket_id).await?;
        let (comment, _) = self
            .replayed_comment(principal, ticket_id, &id)
            .await?
            .into_inner();
        Ok(Some(comment))
    }

    pub async fn list_comments(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        page: &PageRequest,
    ) -> Result<Page<Comment>, DomainError> {
        let ticket = self.visible(principal, ticket_id).await?;
        Ok(self
            .store
            .comments(
                principal.tenant_id(),
                ticket.id,
                principal.is_customer(),
                page,
            )
            .await?)
    }

    pub async fn edit_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
        body: Body,
        now: Timestamp,
    ) -> Result<Comment, DomainError> {
        let mut comment = self.own_comment(principal, ticket_id, comment_id).await?;
        let expected = comment.version;
        comment
            .edit(body.into_string(), now)
            .map_err(|e| DomainError::field("body", e.code, e.message))?;
        comment.mentions = self.staff_mentions(principal, &comment.body).await?;
        let event = comment_changed(EventType::CommentUpdated, &comment, principal, now);
        self.store
            .save_comment(&comment, expected, &[event])
            .await?;
        Ok(comment)
    }

    pub async fn delete_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mut comment = self.own_comment(principal, ticket_id, comment_id).await?;
        if comment.deleted_at.is_some() {
            return Ok(());
        }
        let expected = comment.version;
        comment.redact(now);
        let event = comment_changed(EventType::CommentDeleted, &comment, principal, now);
        Ok(self
            .store
            .save_comment(&comment, expected, &[event])
            .await?)
    }

    /// A comment the caller wrote on a ticket they can see.
    pub(super) async fn own_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
    ) -> Result<Comment, DomainError> {
        let ticket = self.visible(principal, ticket_id).await?;
        let comment = self
            .store
            .comment(principal.tenant_id(), ticket.id, comment_id)
            .await?
            .filter(|c| c.public || principal.role().is_staff())
            .ok_or(DomainError::NotFound)?;
        if comment.author != principal.actor() {
            return Err(DomainError::Forbidden);
        }
        Ok(comment)
    }

    /// Whom a comment's `@usr_…` mentions notify: this tenant's active
    /// staff, and only when staff wrote it.
    pub(crate) async fn staff_mentions(
        &self,
        principal: &Principal,
        body: &str,
    ) -> Result<BTreeSet<UserId>, DomainError> {
        let mut mentioned = BTreeSet::new();
        if principal.role().is_staff() {
            let ids: Vec<UserId> = mentions(body).into_iter().collect();
            for u in self.store.users(principal.tenant_id(), &ids).await? {
                if u.role.is_staff() && u.is_active() {
                    mentioned.insert(u.id);
                }
            }
        }
        Ok(mentioned)
    }
}

/// A public reply by staff: the first response, and a new ticket is open.
pub(crate) fn answered_by_staff(ticket: &mut Ticket, now: Timestamp) {
    if ticket.first_response_at.is_none() {
        ticket.first_response_at = Some(now);
    }
    if ticket.status == Status::New {
        ticket.status = Status::Open;
    }
}
